"""Text measured for the PDFs Relais draws with reportlab (crate labels, tax receipts)."""

import threading

from reportlab.pdfbase.pdfmetrics import stringWidth

# ReportLab is not thread-safe: two documents saved at once subset a shared TrueType font
# through one parser, and one of them fails (KeyError in TTFontFace.makeSubset). Under a
# threaded server, or two receipt senders in one process, PDFs are built one at a time.
ONE_PDF_AT_A_TIME = threading.Lock()


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
