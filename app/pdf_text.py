"""Fonts and text measured for the PDFs Relais draws with reportlab (crate labels, tax
receipts)."""

import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFError, TTFont

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")

# ReportLab is not thread-safe: two documents saved at once subset a shared TrueType font
# through one parser, and one of them fails (KeyError in TTFontFace.makeSubset). Under a
# threaded server, or two receipt senders in one process, PDFs (receipts, labels, pick
# lists) are built one at a time, their fonts registered under the same lock.
ONE_PDF_AT_A_TIME = threading.Lock()


def registered_fonts(files: Mapping[str, str], fallbacks: Sequence[str]) -> tuple[str, ...]:
    """Registers each DejaVu file of FONT_DIR under its name and gives the names; the
    built-in fallbacks (Latin-1 only) when one of the files is missing."""
    try:
        for name, file in files.items():
            pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / file)))
    except (OSError, TTFError):
        return tuple(fallbacks)
    return tuple(files)


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
