"""Fonts and lines of text: DejaVu registered with reportlab, and texts wrapped to a
column, cut with an ellipsis past a number of lines."""

from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from app.pdf_text import fitting_length, registered_fonts

LEADING = 1.3
ELLIPSIS = "\u2026"
APOSTROPHE = "\u2019"  # the typographic one, the only one a receipt prints

width_of = pdfmetrics.stringWidth


class Fonts(NamedTuple):
    regular: str
    bold: str


@lru_cache(maxsize=1)
def fonts() -> Fonts:
    """Registers DejaVu once per process; Helvetica (Latin-1 only) when it is missing."""
    files = {"Receipt-Regular": "DejaVuSans.ttf", "Receipt-Bold": "DejaVuSans-Bold.ttf"}
    return Fonts(*registered_fonts(files, ("Helvetica", "Helvetica-Bold")))


def typographic(text: str) -> str:
    """The text with its typewriter apostrophes made typographic, as the wording's are."""
    return text.replace("'", APOSTROPHE)


def line_height(size: float) -> float:
    return size * LEADING


def broken_anywhere(text: str, font: str, size: float, width: float) -> list[str]:
    """A text without a place to break, cut where the column ends."""
    lines = []
    while text:
        cut = max(1, fitting_length(text, font, size, width))  # at least one, so it ends
        lines.append(text[:cut])
        text = text[cut:]
    return lines


def wrap_line(text: str, font: str, size: float, width: float) -> list[str]:
    """One paragraph broken at spaces; a word wider than the column is broken anywhere."""
    lines: list[str] = []
    for word in text.split(" "):
        joined = f"{lines[-1]} {word}" if lines else word
        if lines and width_of(joined, font, size) <= width:
            lines[-1] = joined
        else:
            lines += broken_anywhere(word, font, size, width) or [""]
    return [line.strip() for line in lines if line.strip()] or [""]


def wrap_url(url: str, font: str, size: float, width: float, max_lines: int) -> tuple[str, ...]:
    """An address broken only after its slashes, so that a part (a receipt's number)
    stays whole on a line; a part wider than the column is broken anywhere. At most
    max_lines, the last cut with an ellipsis when there are more."""
    lines: list[str] = []
    for part in url.replace("/", "/\n").splitlines():
        if lines and width_of(lines[-1] + part, font, size) <= width:
            lines[-1] += part
        else:
            lines += broken_anywhere(part, font, size, width)
    return shortened(lines, font, size, width, max_lines)


def shortened(
    lines: list[str], font: str, size: float, width: float, max_lines: int
) -> tuple[str, ...]:
    """At most max_lines, the last cut with an ellipsis when there are more."""
    if len(lines) <= max_lines:
        return tuple(lines)
    last = lines[max_lines - 1]
    room = width - width_of(ELLIPSIS, font, size)
    while last and width_of(last, font, size) > room:
        last = last[:-1]
    return (*lines[: max_lines - 1], last.rstrip() + ELLIPSIS)


@lru_cache(maxsize=512)  # the organisation's texts and the fixed wording, on every receipt
def wrap(text: str, font: str, size: float, width: float, max_lines: int) -> tuple[str, ...]:
    """The text's lines ("\\n" separated), each wrapped to width; at most max_lines, the
    last cut with an ellipsis when the text is longer."""
    paragraphs = typographic(text).splitlines()
    lines = [line for part in paragraphs for line in wrap_line(part.strip(), font, size, width)]
    return shortened(lines, font, size, width, max_lines)


def draw_lines(
    pdf: Canvas, lines: Sequence[str], x: float, top: float, font: str, size: float
) -> float:
    """Lines set from top down in the current fill colour; returns the top of the room
    left below them."""
    text = pdf.beginText(x, top - size)
    text.setFont(font, size, line_height(size))
    for line in lines:
        text.textLine(line)
    pdf.drawText(text)
    return top - len(lines) * line_height(size)
