"""Printable PDF labels: a QR code holding a crate's URL, its code in large type, its
contents, site and expiry. Pure functions: no Flask, no database."""

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from itertools import pairwise
from typing import NamedTuple

import qrcode
from qrcode.constants import ERROR_CORRECT_Q
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from app.pdf_text import ONE_PDF_AT_A_TIME, fitting_length, registered_fonts

QUIET_ZONE = 4  # modules of white around the symbol, as ISO/IEC 18004 requires
ELLIPSIS = "\u2026"
CAP_HEIGHT = 0.76  # of the font size, for DejaVu (Helvetica: 0.72)
DESCENT = 0.24
LEADING = 1.2
MIN_CODE_SIZE = 8.0
_RUN = re.compile("0{5,}|1{5,}")
_DARK = re.compile("1+")
_QUANTITY = re.compile(r"\s+\u00d7\s*\S+$")
_FINDER = ("10111010000", "00001011101")


class LabelFormat(StrEnum):
    A4_SHEET = "a4"  # 3 x 8 labels of 70 x 37 mm on A4
    THERMAL_62 = "thermal62"  # 62 mm continuous roll, one 62 x 40 mm label per page


@dataclass(frozen=True)
class Label:
    url: str  # what the QR code encodes
    code: str  # shown in large type, e.g. "7K3M-Q9XJ"
    lines: tuple[str, ...] = ()  # contents; empty for blank labels
    site: str = ""
    expiry: str = ""  # already formatted; empty when none


@dataclass(frozen=True)
class _Layout:
    page: tuple[float, float]
    columns: int
    rows: int
    width: float  # of one label
    height: float
    qr_margin: float  # label edge to the QR's quiet zone
    pad: float  # label edge to the text
    code_size: float  # the largest the code is set; shrunk to fit the text column
    text_size: float

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    def origin(self, slot: int) -> tuple[float, float]:
        """Bottom-left corner of a slot; slots run left to right, then top to bottom."""
        left = (self.page[0] - self.columns * self.width) / 2
        top = (self.page[1] - self.rows * self.height) / 2
        row, column = divmod(slot, self.columns)
        return left + column * self.width, self.page[1] - top - (row + 1) * self.height


_THERMAL = (62 * mm, 40 * mm)
_LAYOUTS = {
    LabelFormat.A4_SHEET: _Layout(A4, 3, 8, 70 * mm, 37 * mm, 1.5 * mm, 3 * mm, 18, 7),
    LabelFormat.THERMAL_62: _Layout(_THERMAL, 1, 1, *_THERMAL, 1.5 * mm, 1.8 * mm, 18, 6.5),
}


class LabelFonts(NamedTuple):
    regular: str
    bold: str
    code: str


class _Templates(NamedTuple):
    more: str  # {count}
    expiry: str  # {expiry}


@lru_cache(maxsize=1)
def label_fonts() -> LabelFonts:
    """Registers DejaVu once per process; Helvetica (Latin-1 only) when it is missing."""
    files = {
        "Relais-Regular": "DejaVuSansCondensed.ttf",
        "Relais-Bold": "DejaVuSansCondensed-Bold.ttf",
        "Relais-Code": "DejaVuSansMono-Bold.ttf",
    }
    return LabelFonts(*registered_fonts(files, ("Helvetica", "Helvetica-Bold", "Helvetica-Bold")))


_width = pdfmetrics.stringWidth


def _prefix_fitting(text: str, font: str, size: float, room: float) -> str:
    low = fitting_length(text, font, size, room)
    prefix = text[:low]
    space = prefix.rfind(" ")
    if low < len(text) and not text[low].isspace() and space >= low // 2:
        prefix = prefix[:space]  # a whole word is clearer than "M" for "Men"
    return prefix.rstrip(" \u00b7,;:-")


@lru_cache(maxsize=8192)
def _fit(text: str, font: str, size: float, width: float) -> str:
    """The text, cut with an ellipsis if it is wider than width; a quantity at the end
    ("Trousers \u00b7 Men \u00b7 M \u00d7 12") is kept whole when there is room for it."""
    if _width(text, font, size) <= width:
        return text
    quantity = _QUANTITY.search(text)
    tail = quantity.group() if quantity else ""
    room = width - _width(ELLIPSIS + tail, font, size)
    if tail and room < width / 3:
        tail, room = "", width - _width(ELLIPSIS, font, size)
    return _prefix_fitting(text[: len(text) - len(tail)], font, size, room) + ELLIPSIS + tail


def _rows(matrix: list[list[bool]]) -> list[int]:
    """Each row as an int whose most significant bit is the leftmost module."""
    return [int("".join("1" if dark else "0" for dark in row), 2) for row in matrix]


def _symbol(data: str, mask: int, version: int | None = None) -> tuple[int, list[int]]:
    qr = qrcode.QRCode(version, ERROR_CORRECT_Q, border=0, mask_pattern=mask)
    qr.add_data(data)
    qr.make(fit=version is None)
    return qr.version, _rows(qr.get_matrix())


@lru_cache(maxsize=16)
def _mask_changes(version: int) -> tuple[tuple[int, ...], ...]:
    """Per mask pattern, what to XOR onto a mask 0 symbol of this version to get that
    mask's symbol: the same for any data, as only data modules and format bits change."""
    symbols = [_symbol("", mask, version)[1] for mask in range(8)]
    return tuple(tuple(a ^ b for a, b in zip(symbols[0], rows, strict=True)) for rows in symbols)


def _penalty(rows: list[int], size: int) -> int:
    """ISO/IEC 18004 mask penalty: runs, 2 x 2 blocks, finder look-alikes, dark balance."""
    text = [format(row, f"0{size}b") for row in rows]
    lines = text + ["".join(column) for column in zip(*text, strict=True)]
    score = sum(len(run) - 2 for run in _RUN.findall("2".join(lines)))
    # Outside the symbol is the light quiet zone, as ZXing's encoder also counts it.
    padded = "0000" + "000020000".join(lines) + "0000"
    score += 40 * (padded.count(_FINDER[0]) + padded.count(_FINDER[1]))
    inner = (1 << (size - 1)) - 1
    for a, b in pairwise(rows):
        score += 3 * (~(a ^ b) & ~(a ^ (a >> 1)) & ~(b ^ (b >> 1)) & inner).bit_count()
    dark = sum(row.bit_count() for row in rows)
    return score + 10 * (abs(2 * dark - size * size) * 10 // (size * size))


def _qr_rows(url: str) -> tuple[int, list[int]]:
    """Side in modules and rows of the QR code for url, with the mask pattern of least
    penalty. Builds one symbol and derives the other seven masks from it by XOR: about
    three times faster than qrcode's own search, which builds and scores all eight."""
    version, base = _symbol(url, 0)
    candidates = [
        [row ^ change for row, change in zip(base, changes, strict=True)]
        for changes in _mask_changes(version)
    ]
    return len(base), min(candidates, key=lambda rows: _penalty(rows, len(base)))


def _qr_path(url: str) -> tuple[int, str]:
    """Side in modules (without quiet zone) and PDF path operators in module units,
    y downwards: one rectangle per horizontal run of dark modules."""
    size, rows = _qr_rows(url)
    ops = [
        f"{run.start()} {y} {run.end() - run.start()} 1 re"
        for y, row in enumerate(rows)
        for run in _DARK.finditer(format(row, f"0{size}b"))
    ]
    return size, "\n".join(ops)


def _draw_qr(pdf: Canvas, url: str, x: float, y: float, side: float) -> None:
    """A QR code and its quiet zone filling the square of the given side at (x, y), as
    vector rectangles: crisp at any printer resolution, faster than an image per label."""
    count, path = _qr_path(url)
    module = side / (count + 2 * QUIET_ZONE)
    pdf.saveState()
    pdf.transform(module, 0, 0, -module, x + QUIET_ZONE * module, y + side - QUIET_ZONE * module)
    pdf.addLiteral(f"{path}\nf")
    pdf.restoreState()


def _visible_lines(lines: Sequence[str], capacity: int, more_template: str) -> list[str]:
    if len(lines) <= capacity:
        return list(lines)
    if capacity <= 0:
        return []
    shown = capacity - 1
    return [*lines[:shown], more_template.format(count=len(lines) - shown)]


class _Column(NamedTuple):  # where a label's text goes: right of the QR code, padded
    left: float
    bottom: float
    top: float
    width: float


def _draw_text(pdf: Canvas, text: str, font: str, size: float, column: _Column, y: float) -> None:
    pdf.setFont(font, size)
    pdf.drawString(column.left, y, _fit(text, font, size, column.width))


def _draw_code(pdf: Canvas, code: str, column: _Column, largest: float) -> float:
    """The code at the top, as large as fits; returns the top of the room left below it."""
    font = label_fonts().code
    size = max(MIN_CODE_SIZE, min(largest, column.width / (_width(code, font, 1) or 1)))
    baseline = column.top - size * CAP_HEIGHT
    _draw_text(pdf, code, font, size, column, baseline)
    return baseline - size * DESCENT


def _draw_footer(pdf: Canvas, lines: list[tuple[str, str]], column: _Column, size: float) -> float:
    """(font, text) lines at the bottom; returns the lowest baseline left above them."""
    baseline = column.bottom + size * DESCENT
    for font, text in reversed(lines):
        _draw_text(pdf, text, font, size, column, baseline)
        baseline += size * LEADING
    return baseline


def _draw_label(
    pdf: Canvas, label: Label, slot: int, layout: _Layout, templates: _Templates
) -> None:
    x, y = layout.origin(slot)
    side = layout.height - 2 * layout.qr_margin
    _draw_qr(pdf, label.url, x + layout.qr_margin, y + layout.qr_margin, side)
    left = x + layout.qr_margin + side
    column = _Column(
        left, y + layout.pad, y + layout.height - layout.pad, x + layout.width - layout.pad - left
    )
    top = _draw_code(pdf, label.code, column, layout.code_size)

    fonts, size = label_fonts(), layout.text_size
    footer = [(fonts.regular, label.site)] if label.site else []
    if label.expiry:
        footer.append((fonts.bold, templates.expiry.format(expiry=label.expiry)))
    lowest = _draw_footer(pdf, footer, column, size)

    baseline = top - size * (LEADING - DESCENT) - 1  # the contents' first line
    capacity = int((baseline - lowest) // (size * LEADING)) + 1 if baseline >= lowest else 0
    for line in _visible_lines(label.lines, capacity, templates.more):
        _draw_text(pdf, line, fonts.regular, size, column, baseline)
        baseline -= size * LEADING


def render_labels(
    labels: Sequence[Label],
    label_format: LabelFormat,
    *,
    more_template: str = "+{count} more",
    expiry_template: str = "Exp. {expiry}",
) -> bytes:
    """A PDF of the labels, in order; A4 sheets fill left to right, then top to bottom.

    more_template ({count}) ends a contents list too long for the label, and
    expiry_template ({expiry}) shows the expiry date; pass translated ones."""
    if not labels:
        raise ValueError("no labels to render")
    layout = _LAYOUTS[LabelFormat(label_format)]
    templates = _Templates(more_template, expiry_template)
    buffer = io.BytesIO()
    with ONE_PDF_AT_A_TIME:
        canvas = Canvas(buffer, pagesize=layout.page, pageCompression=1)
        canvas.setTitle("Labels")
        canvas.setCreator("Relais")
        for index, label in enumerate(labels):
            slot = index % layout.per_page
            if index and not slot:
                canvas.showPage()
            _draw_label(canvas, label, slot, layout, templates)
        canvas.showPage()
        canvas.save()
    return buffer.getvalue()
