"""Text measured for the PDFs Relais draws with reportlab (crate labels, tax receipts)."""

from reportlab.pdfbase.pdfmetrics import stringWidth


def fitting_length(text: str, font: str, size: float, width: float) -> int:
    """How many characters of text, from its start, fit in width; none may."""
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if stringWidth(text[:middle], font, size) <= width:
            low = middle
        else:
            high = middle - 1
    return low
