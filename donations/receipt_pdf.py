"""The tax receipt (reçu fiscal) as a one-page A4 PDF carrying every mention of the
Cerfa n° 11580*05 model. Pure functions: no Flask, no database. The text is French
whatever the reader's language: it is a French legal document."""

import hashlib
import io
import math
import re
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import qrcode
from PIL import Image
from qrcode.base import rs_blocks
from qrcode.constants import ERROR_CORRECT_Q
from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfdoc import (
    PDFArray,
    PDFDictionary,
    PDFDocument,
    PDFName,
    PDFObject,
    PDFObjectReference,
    PDFStream,
    PDFTrueTypeFont,
)
from reportlab.pdfbase.ttfonts import (
    FF_NONSYMBOLIC,
    FF_SYMBOLIC,
    SUBSETN,
    TTFError,
    TTFont,
    TTFontFace,
    makeToUnicodeCMap,
)
from reportlab.pdfgen.canvas import Canvas

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 16 * mm
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
CONTENT_BOTTOM = MARGIN + 8 * mm  # the footer is below
INDENT = MARGIN + 8  # of the text in a section
LABEL_WIDTH = 53 * mm  # from the margin to a field's value ("Adresse :   12 rue ...")
SECTION_GAP = 4 * mm
NUMBER_BOX_WIDTH = 80 * mm  # at most
URL_WIDTH = 62 * mm  # under the QR code
TEXT_SIZE = 10
LEADING = 1.3
ELLIPSIS = "\u2026"
NBSP = "\u00a0"
QR_SIDE = 32 * mm  # with its quiet zone: 0.6 mm modules for a 90-character URL
QUIET_ZONE = 4  # modules of white around the symbol, as ISO/IEC 18004 requires
SIGNATURE_BOX = (60 * mm, 18 * mm)
LARGEST_SIGNATURE = (900, 300)  # pixels kept of an uploaded signature: 380 dpi in the box
_DARK = re.compile(b"\x01+")

BLACK = Color(0, 0, 0)
INK = Color(0.1, 0.1, 0.12)
MUTED = Color(0.36, 0.38, 0.42)
ACCENT = Color(0.11, 0.23, 0.4)
BAND = Color(0.92, 0.94, 0.97)
RULE = Color(0.75, 0.79, 0.85)
ALERT = Color(0.72, 0.09, 0.09)
ALERT_BAND = Color(0.99, 0.92, 0.92)

TITLE = "Reçu au titre des dons à certains organismes d'intérêt général"
LEGAL_BASIS = "Articles 200, 238 bis et 978 du code général des impôts"
ACKNOWLEDGEMENT = (
    "Le bénéficiaire reconnaît avoir reçu au titre des dons et versements ouvrant droit "
    "à réduction d'impôt, la somme de :"
)
CERTIFICATION = (
    "Le bénéficiaire certifie sur l'honneur que les dons et versements qu'il reçoit "
    "ouvrent droit à la réduction d'impôt prévue {articles} du CGI."
)
CANCELLED_NOTICE = (
    "ANNULÉ : ce reçu a été annulé. Il n'est plus valable et ne doit pas être utilisé."
)
DUPLICATE_NOTICE = "DUPLICATA : copie d'un reçu déjà délivré, qui ne peut être utilisé qu'une fois."
KEEP_NOTICE = "Conservez ce reçu : l'administration fiscale peut vous le demander."


@dataclass(frozen=True)
class Organisation:
    name: str
    address: str  # lines separated by "\n"
    object: str  # what it does: "Aide alimentaire et hébergement d'urgence ..."
    kind: str  # "Association loi 1901 reconnue d'intérêt général"
    registration: str  # "RNA W623012345" or "SIREN 812 345 678"
    signatory_name: str
    signatory_role: str  # "Trésorière"
    signature_png: bytes | None


@dataclass(frozen=True)
class ReceiptDocument:
    organisation: Organisation
    number: str  # "2026-000123"
    donor_name: str
    donor_address: str  # lines separated by "\n"
    amount_cents: int
    amount_in_words: str  # "cinquante euros et vingt centimes"
    gift_date: date | None  # the day the money was received, for a single gift
    period: tuple[date, date] | None  # for a yearly summary, instead of gift_date
    payment_method: str  # "Carte bancaire", "Prélèvement SEPA", "Virement", "Chèque", "Espèces"
    articles: tuple[str, ...]  # of the CGI giving the reduction, normally ("200",)
    issued_on: date
    verify_url: str  # encoded in the QR code
    cancelled: bool = False
    duplicate: bool = False  # a reprint
    replaces: str | None = None  # number of the receipt this one replaces

    def __post_init__(self) -> None:
        if self.amount_cents <= 0:
            raise ValueError("a receipt is for a positive amount")
        if (self.gift_date is None) == (self.period is None):
            raise ValueError("a receipt gives either the gift's date or a period")
        if self.period and self.period[0] > self.period[1]:
            raise ValueError("the period ends before it starts")
        if not self.articles:
            raise ValueError("a receipt names the articles giving the reduction")


class _Fonts(NamedTuple):
    regular: str
    bold: str


class _ReceiptFont(TTFont):
    """A TrueType font that makes each subset of its glyphs ready for PDF once.

    Every receipt embeds the subsets of DejaVu its text uses, and almost all receipts
    use the same ones: ASCII and the characters of the fixed wording, in the same
    order. Cutting a subset out of the font file and compressing it, its widths and its
    ToUnicode map cost as much as drawing the page; they depend only on the subset, so
    they are kept and put in each PDF as they are. The objects are those of reportlab's
    own TTFont.addObjects (and TTFontFace.addSubsetObjects), which this follows."""

    def addObjects(self, doc: PDFDocument) -> None:  # reportlab's name
        state = self._assignState(doc)
        state.frozen = 1
        fonts = doc.idToObject["BasicFonts"].dict
        for number, subset in enumerate(state.subsets):
            internal_name = self.getSubsetInternalName(number, doc)[1:]
            ready = _subset_objects(self.face, number, tuple(subset))
            font = PDFTrueTypeFont()
            font.Name = internal_name
            font.BaseFont = ready.base_name
            font.FirstChar = 0
            font.LastChar = len(subset) - 1
            font.Widths = _Formatted(ready.widths)
            font.ToUnicode = doc.Reference(
                _deflated_stream(ready.to_unicode), f"toUnicodeCMap:{ready.base_name}"
            )
            font.FontDescriptor = self._descriptor(doc, ready)
            doc.Reference(font, internal_name)
            fonts[internal_name] = font
        del self.state[doc]

    def _descriptor(self, doc: PDFDocument, ready: "_SubsetObjects") -> PDFObjectReference:
        face = self.face
        font_file = _deflated_stream(ready.font_file, Length1=ready.font_file_length)
        descriptor = PDFDictionary(
            {
                "Type": "/FontDescriptor",
                "Ascent": face.ascent,
                "CapHeight": face.capHeight,
                "Descent": face.descent,
                "Flags": (face.flags & ~FF_NONSYMBOLIC) | FF_SYMBOLIC,
                "FontBBox": PDFArray(face.bbox),
                "FontName": PDFName(ready.base_name),
                "ItalicAngle": face.italicAngle,
                "StemV": face.stemV,
                "FontFile2": doc.Reference(
                    font_file, f"fontFile:{face.filename}({ready.base_name})"
                ),
                "MissingWidth": face.defaultWidth,
            }
        )
        return doc.Reference(descriptor, f"fontDescriptor:{ready.base_name}")


class _SubsetObjects(NamedTuple):
    base_name: str  # "AAAAAA+DejaVuSans"
    widths: bytes  # the PDF array, formatted
    to_unicode: bytes  # compressed
    font_file: bytes  # a TrueType file of the subset's glyphs, compressed
    font_file_length: int


@lru_cache(maxsize=256)  # a few MB at most: two fonts, the subsets of unusual names
def _subset_objects(face: TTFontFace, number: int, subset: tuple[int, ...]) -> _SubsetObjects:
    base_name = b"".join((SUBSETN(number), b"+", face.name, face.subfontNameX)).decode("pdfdoc")
    font_file = face.makeSubset(list(subset))
    return _SubsetObjects(
        base_name=base_name,
        widths=PDFArray([face.getCharWidth(code) for code in subset]).format(None),
        to_unicode=zlib.compress(makeToUnicodeCMap(base_name, list(subset)).encode()),
        font_file=zlib.compress(font_file),
        font_file_length=len(font_file),
    )


class _Formatted(PDFObject):
    """A PDF object formatted beforehand."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def format(self, document: PDFDocument) -> bytes:
        return self.data


def _deflated_stream(data: bytes, **entries: object) -> PDFStream:
    """A stream of data compressed beforehand (the Filter entry tells reportlab not to
    compress it again)."""
    return PDFStream(PDFDictionary({**entries, "Filter": PDFName("FlateDecode")}), data)


@lru_cache(maxsize=1)
def _fonts() -> _Fonts:
    """Registers DejaVu once per process; Helvetica (Latin-1 only) when it is missing."""
    files = {"Receipt-Regular": "DejaVuSans.ttf", "Receipt-Bold": "DejaVuSans-Bold.ttf"}
    try:
        for name, file in files.items():
            pdfmetrics.registerFont(_ReceiptFont(name, str(FONT_DIR / file)))
    except (OSError, TTFError):
        return _Fonts("Helvetica", "Helvetica-Bold")
    return _Fonts(*files)


_width = pdfmetrics.stringWidth


def _format_amount(cents: int) -> str:
    """French notation with non-breaking spaces: 1 234 567,89 €."""
    euros, rest = divmod(cents, 100)
    return f"{euros:,}".replace(",", NBSP) + f",{rest:02d}{NBSP}€"


def _format_date(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _articles_phrase(articles: Sequence[str]) -> str:
    """'à l'article 200', 'aux articles 200 et 978', 'aux articles 200, 238 bis et 978'."""
    if len(articles) == 1:
        return f"à l'article {articles[0]}"
    return f"aux articles {', '.join(articles[:-1])} et {articles[-1]}"


def _longest_prefix(text: str, font: str, size: float, width: float) -> int:
    """How many characters of text fit in width; at least one, so wrapping ends."""
    low, high = 1, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if _width(text[:middle], font, size) <= width:
            low = middle
        else:
            high = middle - 1
    return low


def _wrap_line(text: str, font: str, size: float, width: float) -> list[str]:
    """One paragraph broken at spaces; a word wider than the column is broken anywhere."""
    lines: list[str] = []
    rest = text.strip()
    while _width(rest, font, size) > width:
        cut = _longest_prefix(rest, font, size, width)
        space = rest.rfind(" ", 0, cut + 1)
        if space > 0:
            cut = space
        lines.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    return [*lines, rest] if rest or not lines else lines


@lru_cache(maxsize=512)  # the organisation's texts and the fixed wording, on every receipt
def _wrap(text: str, font: str, size: float, width: float, max_lines: int) -> tuple[str, ...]:
    """The text's lines ("\\n" separated), each wrapped to width; at most max_lines, the
    last cut with an ellipsis when the text is longer."""
    lines = [line for part in text.splitlines() for line in _wrap_line(part, font, size, width)]
    if len(lines) <= max_lines:
        return tuple(lines)
    last = lines[max_lines - 1]
    room = width - _width(ELLIPSIS, font, size)
    while last and _width(last, font, size) > room:
        last = last[:-1]
    return (*lines[: max_lines - 1], last.rstrip() + ELLIPSIS)


def _line_height(size: float) -> float:
    return size * LEADING


def _draw_lines(
    pdf: Canvas, lines: Sequence[str], x: float, top: float, font: str, size: float = TEXT_SIZE
) -> float:
    """Lines set from top down in the current fill colour; returns the top of the room
    left below them."""
    text = pdf.beginText(x, top - size)
    text.setFont(font, size, _line_height(size))
    for line in lines:
        text.textLine(line)
    pdf.drawText(text)
    return top - len(lines) * _line_height(size)


def _draw_number_box(pdf: Canvas, document: ReceiptDocument, top: float) -> tuple[float, float]:
    """The receipt's number framed at the top right; returns the box's left and bottom."""
    fonts, pad = _fonts(), 10
    room = NUMBER_BOX_WIDTH - 2 * pad
    lines = _wrap(f"N° d'ordre du reçu : {document.number}", fonts.bold, 10, room, 2)
    replaces = f"Remplace le reçu n° {document.replaces}"
    notes = _wrap(replaces, fonts.regular, 8.5, room, 2) if document.replaces else ()
    widest = max(
        [_width(line, fonts.bold, 10) for line in lines]
        + [_width(line, fonts.regular, 8.5) for line in notes]
    )
    width = widest + 2 * pad
    height = 2 * pad + len(lines) * _line_height(10) + len(notes) * _line_height(8.5) - 3
    left = PAGE_WIDTH - MARGIN - width
    pdf.setStrokeColor(ACCENT)
    pdf.setLineWidth(1.2)
    pdf.rect(left, top - height, width, height, stroke=1, fill=0)
    pdf.setFillColor(INK)
    below = _draw_lines(pdf, lines, left + pad, top - pad + 2, fonts.bold, 10)
    _draw_lines(pdf, notes, left + pad, below, fonts.regular, 8.5)
    return left, top - height


def _draw_header(pdf: Canvas, document: ReceiptDocument, top: float) -> float:
    """Organisation and number, then the title across the page, underlined."""
    fonts = _fonts()
    box_left, box_bottom = _draw_number_box(pdf, document, top)
    pdf.setFillColor(ACCENT)
    name = _wrap(document.organisation.name, fonts.bold, 11, box_left - MARGIN - 6 * mm, 3)
    below = min(_draw_lines(pdf, name, MARGIN, top, fonts.bold, 11), box_bottom) - 4 * mm
    title = _wrap(TITLE, fonts.bold, 13.5, CONTENT_WIDTH, 2)
    below = _draw_lines(pdf, title, MARGIN, below, fonts.bold, 13.5)
    pdf.setFillColor(MUTED)
    below = _draw_lines(pdf, [LEGAL_BASIS], MARGIN, below - 1, fonts.regular, 8.5) - 3 * mm
    pdf.setStrokeColor(ACCENT)
    pdf.setLineWidth(1.5)
    pdf.line(MARGIN, below, PAGE_WIDTH - MARGIN, below)
    return below - 5 * mm


def _draw_notice(pdf: Canvas, notices: Sequence[str], top: float) -> float:
    """Warnings (cancelled, duplicate) in a red frame across the page."""
    fonts = _fonts()
    lines = [
        line for notice in notices for line in _wrap(notice, fonts.bold, 10, CONTENT_WIDTH - 20, 2)
    ]
    height = len(lines) * _line_height(10) + 12
    pdf.setFillColor(ALERT_BAND)
    pdf.setStrokeColor(ALERT)
    pdf.setLineWidth(1.5)
    pdf.rect(MARGIN, top - height, CONTENT_WIDTH, height, stroke=1, fill=1)
    pdf.setFillColor(ALERT)
    _draw_lines(pdf, lines, MARGIN + 10, top - 6, fonts.bold, 10)
    return top - height - 5 * mm


def _draw_section_title(pdf: Canvas, title: str, top: float) -> float:
    height = 16
    pdf.setFillColor(BAND)
    pdf.rect(MARGIN, top - height, CONTENT_WIDTH, height, stroke=0, fill=1)
    pdf.setFillColor(ACCENT)
    pdf.rect(MARGIN, top - height, 3, height, stroke=0, fill=1)
    _draw_lines(pdf, [title], INDENT, top - 3, _fonts().bold, 10)
    return top - height - 6


def _draw_field(pdf: Canvas, label: str, value: str, top: float, max_lines: int) -> float:
    """A 'Label : value' row, the value wrapped in the column right of the labels."""
    font = _fonts().regular
    value_left = MARGIN + LABEL_WIDTH
    lines = _wrap(value, font, TEXT_SIZE, PAGE_WIDTH - MARGIN - value_left, max_lines)
    pdf.setFillColor(MUTED)
    below_label = _draw_lines(pdf, [f"{label} :"], INDENT, top, font)
    pdf.setFillColor(INK)
    return min(below_label, _draw_lines(pdf, lines, value_left, top, font)) - 3


def _draw_paragraph(pdf: Canvas, text: str, top: float, max_lines: int) -> float:
    font = _fonts().regular
    pdf.setFillColor(INK)
    lines = _wrap(text, font, TEXT_SIZE, PAGE_WIDTH - MARGIN - INDENT, max_lines)
    return _draw_lines(pdf, lines, INDENT, top, font) - 5


def _draw_beneficiary(pdf: Canvas, organisation: Organisation, top: float) -> float:
    top = _draw_section_title(pdf, "Bénéficiaire des versements", top)
    top = _draw_field(pdf, "Nom ou dénomination", organisation.name, top, 3)
    top = _draw_field(pdf, "Adresse", organisation.address, top, 5)
    top = _draw_field(pdf, "Objet", organisation.object, top, 4)
    top = _draw_field(pdf, "Type d'organisme", organisation.kind, top, 2)
    return _draw_field(pdf, "Identification", organisation.registration, top, 2) - SECTION_GAP


def _draw_donor(pdf: Canvas, document: ReceiptDocument, top: float) -> float:
    top = _draw_section_title(pdf, "Donateur", top)
    top = _draw_field(pdf, "Nom et prénoms", document.donor_name, top, 6)
    return _draw_field(pdf, "Adresse", document.donor_address, top, 6) - SECTION_GAP


def _draw_amount(pdf: Canvas, cents: int, top: float) -> float:
    """The amount in figures framed by asterisks, in a box: hard to alter by hand."""
    font, size = _fonts().bold, 16
    figures = f"***{_format_amount(cents)}***"
    height = size + 16
    width = _width(figures, font, size) + 16 * mm
    pdf.setStrokeColor(ACCENT)
    pdf.setLineWidth(1.2)
    pdf.rect(INDENT, top - height, width, height, stroke=1, fill=0)
    pdf.setFillColor(INK)
    _draw_lines(pdf, [figures], INDENT + 8 * mm, top - 7, font, size)
    return top - height - 7


def _gift_when(document: ReceiptDocument) -> tuple[str, str]:
    """The label and value of the gift's date, or of the period a summary covers."""
    if document.period:
        start, end = document.period
        return "Période", f"du {_format_date(start)} au {_format_date(end)}"
    assert document.gift_date  # __post_init__ requires one of the two
    return "Date du versement", _format_date(document.gift_date)


def _draw_gift(pdf: Canvas, document: ReceiptDocument, top: float) -> float:
    top = _draw_section_title(pdf, "Dons et versements", top)
    top = _draw_paragraph(pdf, ACKNOWLEDGEMENT, top, 2)
    top = _draw_amount(pdf, document.amount_cents, top)
    top = _draw_field(pdf, "Somme en toutes lettres", document.amount_in_words, top, 3)
    top = _draw_field(pdf, *_gift_when(document), top, 1)
    top = _draw_field(pdf, "Forme du don", "Déclaration de don manuel", top, 1)
    top = _draw_field(pdf, "Nature du don", "Numéraire", top, 1)
    top = _draw_field(pdf, "Mode de versement", document.payment_method, top, 1) - 5
    certification = CERTIFICATION.format(articles=_articles_phrase(document.articles))
    return _draw_paragraph(pdf, certification, top, 3) - SECTION_GAP


class _Signature(NamedTuple):
    """A signature image made ready for PDF once: colour and alpha planes, compressed."""

    name: str  # of its image in a PDF: the same for the same picture
    width: int  # pixels
    height: int
    colour: bytes  # zlib, 8-bit RGB
    alpha: bytes  # zlib, 8-bit grey


@lru_cache(maxsize=8)
def _signature(png: bytes) -> _Signature:
    """Decodes a signature once per process, cropped to its ink and no larger than
    needed, so that thousands of receipts do not each decode and compress it again."""
    image = Image.open(io.BytesIO(png)).convert("RGBA")
    image = image.crop(image.getchannel("A").getbbox() or (0, 0, *image.size))
    image.thumbnail(LARGEST_SIGNATURE)
    name = f"Signature{hashlib.sha256(png).hexdigest()[:16]}"
    colour = zlib.compress(image.convert("RGB").tobytes())
    return _Signature(name, *image.size, colour, zlib.compress(image.getchannel("A").tobytes()))


def _image_stream(signature: _Signature, colour_space: str, data: bytes) -> PDFStream:
    """An image XObject of already compressed data (the Filter entry tells reportlab
    not to compress it again)."""
    entries = {
        "Type": PDFName("XObject"),
        "Subtype": PDFName("Image"),
        "Width": signature.width,
        "Height": signature.height,
        "ColorSpace": PDFName(colour_space),
        "BitsPerComponent": 8,
        "Filter": PDFName("FlateDecode"),
    }
    return PDFStream(PDFDictionary(entries), data)


def _draw_signature_image(pdf: Canvas, signature: _Signature, left: float, top: float) -> None:
    """The signature in SIGNATURE_BOX at (left, top), aligned left and at the bottom.

    Canvas.drawImage would hash, convert and compress the picture again for each
    receipt, more than doubling its cost; reportlab has no public way to add an image
    made ready beforehand, hence the use of the canvas's document."""
    pdf_document = pdf._doc
    image = _image_stream(signature, "DeviceRGB", signature.colour)
    alpha = _image_stream(signature, "DeviceGray", signature.alpha)
    alpha_name = pdf_document.getXObjectName(f"{signature.name}Alpha")
    image.dictionary["SMask"] = pdf_document.Reference(alpha, alpha_name)
    pdf_document.addForm(signature.name, image)
    box_width, box_height = SIGNATURE_BOX
    scale = min(box_width / signature.width, box_height / signature.height)
    pdf.saveState()
    pdf.translate(left, top - box_height)
    pdf.scale(signature.width * scale, signature.height * scale)
    pdf.doForm(signature.name)
    pdf.restoreState()


def _draw_signature(pdf: Canvas, organisation: Organisation, top: float) -> float:
    """The signature and the signatory's name and role; returns the lowest point."""
    fonts = _fonts()
    width = CONTENT_WIDTH - URL_WIDTH - 6 * mm
    if organisation.signature_png:
        _draw_signature_image(pdf, _signature(organisation.signature_png), INDENT, top)
    top -= SIGNATURE_BOX[1] + 2 * mm
    pdf.setFillColor(INK)
    name = _wrap(organisation.signatory_name, fonts.bold, TEXT_SIZE, width, 2)
    top = _draw_lines(pdf, name, INDENT, top, fonts.bold)
    pdf.setFillColor(MUTED)
    role = _wrap(organisation.signatory_role, fonts.regular, TEXT_SIZE, width, 2)
    return _draw_lines(pdf, role, INDENT, top, fonts.regular)


def _qr_path(url: str) -> tuple[int, str]:
    """Side in modules and PDF path operators in module units, y downwards: one
    rectangle per horizontal run of dark modules."""
    rows = _qr_modules(url)
    ops = [
        f"{run.start()} {y} {run.end() - run.start()} 1 re"
        for y, row in enumerate(rows)
        for run in _DARK.finditer(row)
    ]
    return len(rows), "\n".join(ops)


# The QR code: the URL in byte mode, error correction level Q, mask 0. The mask is
# fixed: searching the eight for the least penalty costs more than the rest of the
# receipt, and a 32 mm code printed black on white scans whichever mask it has.
#
# The qrcode library computes a code one bit at a time in pure Python, a third of a
# receipt's cost. What depends only on the version (the fixed patterns, the format
# information, the order in which data fills the modules) is taken from it once per
# version; a receipt then only computes its codewords and sets the modules they darken.
# The tests check the result is qrcode's own matrix.


class _QRLayout(NamedTuple):
    version: int
    blocks: tuple[tuple[int, int], ...]  # (data, error correction) codewords per block
    data_codewords: int
    blank: tuple[bytes, ...]  # the rows of the code whose codewords are all 0
    positions: tuple[int, ...]  # row * side + column of each data bit, in order


def _qr_modules(url: str) -> list[bytearray]:
    """The code's rows, one byte per module: 1 dark, 0 light."""
    data = url.encode()
    layout = _qr_layout(_qr_version(len(data)))
    codewords = _qr_codewords(data, layout)
    side = len(layout.blank)
    modules = bytearray(b"".join(layout.blank))
    bits = format(int.from_bytes(codewords, "big"), f"0{8 * len(codewords)}b")
    for position, bit in zip(layout.positions, bits, strict=False):
        if bit == "1":
            modules[position] ^= 1
    return [modules[row : row + side] for row in range(0, side * side, side)]


def _qr_version(length: int) -> int:
    """The smallest version that holds `length` bytes."""
    for version in range(1, 41):
        count_bits = 8 if version < 10 else 16
        if 4 + count_bits + 8 * length <= 8 * _qr_capacity(version):
            return version
    raise ValueError("too long for a QR code")


@lru_cache(maxsize=64)
def _qr_capacity(version: int) -> int:
    return sum(block.data_count for block in rs_blocks(version, ERROR_CORRECT_Q))


@lru_cache(maxsize=8)
def _qr_layout(version: int) -> _QRLayout:
    blocks = rs_blocks(version, ERROR_CORRECT_Q)
    qr = qrcode.QRCode(version, ERROR_CORRECT_Q, border=0, mask_pattern=0)
    made = []
    for codeword in (0, 0xFF):  # a data module is the one that differs between the two
        qr.data_cache = [codeword] * sum(block.total_count for block in blocks)
        qr.makeImpl(False, 0)
        made.append(b"".join(bytes(row) for row in qr.modules))
    blank, full = made
    side = qr.modules_count
    return _QRLayout(
        version=version,
        blocks=tuple((block.data_count, block.total_count - block.data_count) for block in blocks),
        data_codewords=_qr_capacity(version),
        blank=tuple(blank[row : row + side] for row in range(0, side * side, side)),
        positions=tuple(
            position for position in _qr_fill_order(side) if blank[position] != full[position]
        ),
    )


def _qr_fill_order(side: int) -> Iterator[int]:
    """Every module in the order data fills them: up and down two columns at a time from
    the right, skipping the vertical timing pattern (qrcode's map_data)."""
    row, step = side - 1, -1
    for right in range(side - 1, 0, -2):
        column = right - 1 if right <= 6 else right
        while 0 <= row < side:
            yield row * side + column
            yield row * side + column - 1
            row += step
        row -= step
        step = -step


def _qr_codewords(data: bytes, layout: _QRLayout) -> bytes:
    """The data in byte mode, terminated and padded to the version's capacity, split in
    blocks each followed by its Reed-Solomon codewords, interleaved."""
    count_bits = 8 if layout.version < 10 else 16
    capacity = 8 * layout.data_codewords
    bits = 4 + count_bits + 8 * len(data)
    stream = (0b0100 << count_bits | len(data)) << 8 * len(data) | int.from_bytes(data, "big")
    terminator = min(4, capacity - bits)
    stream <<= terminator + (-(bits + terminator) % 8)
    filled = stream.to_bytes((bits + terminator + 7) // 8, "big")
    filled += b"\xec\x11" * layout.data_codewords
    filled = filled[: layout.data_codewords]
    data_blocks, correction_blocks, offset = [], [], 0
    for data_count, correction_count in layout.blocks:
        block = filled[offset : offset + data_count]
        offset += data_count
        data_blocks.append(block)
        correction_blocks.append(_reed_solomon(block, correction_count))
    return _interleave(data_blocks) + _interleave(correction_blocks)


def _interleave(blocks: list[bytes]) -> bytes:
    longest = max(len(block) for block in blocks)
    return bytes(block[i] for i in range(longest) for block in blocks if i < len(block))


def _reed_solomon(block: bytes, count: int) -> bytes:
    """The remainder of the block by the generator polynomial of degree `count`."""
    products = _generator_products(count)
    remainder = [0] * count
    for codeword in block:
        factor = codeword ^ remainder[0]
        remainder = [a ^ b for a, b in zip([*remainder[1:], 0], products[factor], strict=True)]
    return bytes(remainder)


def _galois_field() -> tuple[list[int], list[int]]:
    """Powers of 2 in GF(256) modulo x^8 + x^4 + x^3 + x^2 + 1 (twice round, so that a
    sum of two logarithms needs no modulo), and the logarithms."""
    powers = [1] * 512
    for i in range(1, 512):
        powers[i] = powers[i - 1] << 1 ^ (0x11D if powers[i - 1] & 0x80 else 0)
    logarithms = [0] * 256
    for i in range(255):
        logarithms[powers[i]] = i
    return powers, logarithms


_GF_EXP, _GF_LOG = _galois_field()


def _gf_multiply(a: int, b: int) -> int:
    return 0 if a == 0 or b == 0 else _GF_EXP[_GF_LOG[a] + _GF_LOG[b]]


@lru_cache(maxsize=16)
def _generator_products(count: int) -> tuple[tuple[int, ...], ...]:
    """For each byte, its products with the coefficients (but the first, 1) of the
    generator polynomial (x - 1)(x - 2)(x - 2^2)...(x - 2^(count-1))."""
    generator = [1]
    for i in range(count):
        generator = [
            a ^ _gf_multiply(b, _GF_EXP[i])
            for a, b in zip([*generator, 0], [0, *generator], strict=True)
        ]
    return tuple(tuple(_gf_multiply(factor, c) for c in generator[1:]) for factor in range(256))


def _draw_qr(pdf: Canvas, url: str, left: float, top: float) -> None:
    """The QR code with its quiet zone filling a QR_SIDE square, as vector rectangles."""
    count, path = _qr_path(url)
    module = QR_SIDE / (count + 2 * QUIET_ZONE)
    pdf.saveState()
    pdf.setFillColor(BLACK)
    pdf.transform(module, 0, 0, -module, left + QUIET_ZONE * module, top - QUIET_ZONE * module)
    pdf.addLiteral(f"{path}\nf")
    pdf.restoreState()


def _draw_verification(pdf: Canvas, url: str, top: float) -> float:
    """The QR code at the right with its caption and URL; returns the lowest point."""
    fonts = _fonts()
    left = PAGE_WIDTH - MARGIN - QR_SIDE
    _draw_qr(pdf, url, left, top)
    top -= QR_SIDE
    pdf.setFillColor(INK)
    pdf.setFont(fonts.bold, 8)
    pdf.drawCentredString(left + QR_SIDE / 2, top - 8, "Vérifier ce reçu")
    pdf.setFillColor(MUTED)
    pdf.setFont(fonts.regular, 6.5)
    lines = _wrap(url, fonts.regular, 6.5, URL_WIDTH, 3)
    for line in lines:
        top -= _line_height(6.5)
        pdf.drawRightString(PAGE_WIDTH - MARGIN, top - 12, line)
    return top - 14


def _draw_closing(pdf: Canvas, document: ReceiptDocument, top: float) -> float:
    """Date and signature at the left, QR code at the right; returns the lowest point."""
    top = _draw_section_title(pdf, "Date et signature", top)
    pdf.setFillColor(INK)
    dated = _draw_lines(
        pdf, [f"Date : {_format_date(document.issued_on)}"], INDENT, top, _fonts().regular
    )
    return min(
        _draw_signature(pdf, document.organisation, dated - 2 * mm),
        _draw_verification(pdf, document.verify_url, top),
    )


def _draw_content(pdf: Canvas, document: ReceiptDocument) -> float:
    """Everything but the footer and watermark, from the top; returns the lowest point."""
    top = _draw_header(pdf, document, PAGE_HEIGHT - MARGIN)
    notices = [CANCELLED_NOTICE] * document.cancelled + [DUPLICATE_NOTICE] * document.duplicate
    if notices:
        top = _draw_notice(pdf, notices, top)
    top = _draw_beneficiary(pdf, document.organisation, top)
    top = _draw_donor(pdf, document, top)
    top = _draw_gift(pdf, document, top)
    return _draw_closing(pdf, document, top)


def _draw_footer(pdf: Canvas, number: str) -> None:
    pdf.setStrokeColor(RULE)
    pdf.setLineWidth(0.5)
    pdf.line(MARGIN, MARGIN + 10, PAGE_WIDTH - MARGIN, MARGIN + 10)
    pdf.setFillColor(MUTED)
    pdf.setFont(_fonts().regular, 7)
    pdf.drawString(MARGIN, MARGIN, KEEP_NOTICE)
    pdf.drawRightString(PAGE_WIDTH - MARGIN, MARGIN, f"Reçu n° {number}")


def _draw_watermark(pdf: Canvas, text: str, color: Color) -> None:
    """Large translucent text along the page's diagonal, over everything."""
    font = _fonts().bold
    size = min(170, 0.75 * math.hypot(PAGE_WIDTH, PAGE_HEIGHT) / _width(text, font, 1))
    pdf.saveState()
    pdf.setFillColor(color, alpha=0.16)
    pdf.translate(PAGE_WIDTH / 2, PAGE_HEIGHT / 2)
    pdf.rotate(math.degrees(math.atan2(PAGE_HEIGHT, PAGE_WIDTH)))
    pdf.setFont(font, size)
    pdf.drawCentredString(0, -size * 0.36, text)
    pdf.restoreState()


def _new_canvas(buffer: io.BytesIO, document: ReceiptDocument) -> Canvas:
    pdf = Canvas(buffer, pagesize=A4, pageCompression=1)
    pdf.setTitle(f"Reçu fiscal n° {document.number}")
    pdf.setAuthor(document.organisation.name)
    pdf.setCreator("Relais")
    return pdf


def _fitted_content(buffer: io.BytesIO, document: ReceiptDocument) -> Canvas:
    """A canvas with the content drawn; when very long texts push it into the footer,
    drawn again on a fresh canvas, scaled down about the top centre to fit."""
    pdf = _new_canvas(buffer, document)
    lowest = _draw_content(pdf, document)
    if lowest >= CONTENT_BOTTOM:
        return pdf
    top = PAGE_HEIGHT - MARGIN
    scale = (top - CONTENT_BOTTOM) / (top - lowest)
    pdf = _new_canvas(buffer, document)
    pdf.saveState()
    pdf.translate(PAGE_WIDTH / 2, top)
    pdf.scale(scale, scale)
    pdf.translate(-PAGE_WIDTH / 2, -top)
    _draw_content(pdf, document)
    pdf.restoreState()
    return pdf


def render_receipt(document: ReceiptDocument) -> bytes:
    """The receipt as the bytes of a one-page A4 PDF with its fonts embedded."""
    buffer = io.BytesIO()
    pdf = _fitted_content(buffer, document)
    _draw_footer(pdf, document.number)
    if document.cancelled:
        _draw_watermark(pdf, "ANNULÉ", ALERT)
    elif document.duplicate:
        _draw_watermark(pdf, "DUPLICATA", MUTED)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
