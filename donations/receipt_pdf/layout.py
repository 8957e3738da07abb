"""The receipt's one A4 page, drawn top down with reportlab's canvas: each part returns
where the next one starts."""

import io
import math
from collections.abc import Sequence

from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from app.pdf_text import ONE_PDF_AT_A_TIME
from donations.receipt_pdf.document import (
    ACKNOWLEDGEMENT,
    CANCELLED_NOTICE,
    CERFA,
    DUPLICATE_NOTICE,
    KEEP_NOTICE,
    LEGAL_BASIS,
    NBSP,
    TITLE,
    Organisation,
    ReceiptDocument,
    certification,
    format_amount,
    format_date,
    gift_when,
)
from donations.receipt_pdf.pictures import draw_qr, draw_signature
from donations.receipt_pdf.text import draw_lines, fonts, line_height, width_of, wrap, wrap_url

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 16 * mm
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
CONTENT_BOTTOM = MARGIN + 8 * mm  # the footer is below
INDENT = MARGIN + 8  # of the text in a section
LABEL_WIDTH = 53 * mm  # from the margin to a field's value ("Adresse :   12 rue ...")
SECTION_GAP = 4 * mm
NUMBER_BOX_WIDTH = 80 * mm  # at most
URL_WIDTH = 62 * mm  # under the QR code
URL_LINES = 4
TEXT_SIZE = 10
QR_SIDE = 32 * mm  # with its quiet zone: 0.6 mm modules for a 90-character URL
SIGNATURE_BOX = (60 * mm, 18 * mm)

INK = Color(0.1, 0.1, 0.12)
MUTED = Color(0.36, 0.38, 0.42)
ACCENT = Color(0.11, 0.23, 0.4)
BAND = Color(0.92, 0.94, 0.97)
RULE = Color(0.75, 0.79, 0.85)
ALERT = Color(0.72, 0.09, 0.09)
ALERT_BAND = Color(0.99, 0.92, 0.92)


def draw_number_box(pdf: Canvas, document: ReceiptDocument, top: float) -> tuple[float, float]:
    """The receipt's number framed at the top right; returns the box's left and bottom."""
    font, pad = fonts(), 10
    room = NUMBER_BOX_WIDTH - 2 * pad
    lines = wrap(f"N° d’ordre du reçu{NBSP}: {document.number}", font.bold, 10, room, 2)
    replaces = f"Remplace le reçu n°{NBSP}{document.replaces}"
    notes = wrap(replaces, font.regular, 8.5, room, 2) if document.replaces else ()
    widest = max(
        [width_of(line, font.bold, 10) for line in lines]
        + [width_of(line, font.regular, 8.5) for line in notes]
    )
    width = widest + 2 * pad
    height = 2 * pad + len(lines) * line_height(10) + len(notes) * line_height(8.5) - 3
    left = PAGE_WIDTH - MARGIN - width
    pdf.setStrokeColor(ACCENT)
    pdf.setLineWidth(1.2)
    pdf.rect(left, top - height, width, height, stroke=1, fill=0)
    pdf.setFillColor(INK)
    below = draw_lines(pdf, lines, left + pad, top - pad + 2, font.bold, 10)
    draw_lines(pdf, notes, left + pad, below, font.regular, 8.5)
    return left, top - height


def draw_header(pdf: Canvas, document: ReceiptDocument, top: float) -> float:
    """Organisation and number, then the title across the page with the legal basis and
    the Cerfa model's number, underlined."""
    font = fonts()
    box_left, box_bottom = draw_number_box(pdf, document, top)
    pdf.setFillColor(ACCENT)
    name = wrap(document.organisation.name, font.bold, 11, box_left - MARGIN - 6 * mm, 3)
    below = min(draw_lines(pdf, name, MARGIN, top, font.bold, 11), box_bottom) - 4 * mm
    title = wrap(TITLE, font.bold, 13.5, CONTENT_WIDTH, 2)
    below = draw_lines(pdf, title, MARGIN, below, font.bold, 13.5)
    pdf.setFillColor(MUTED)
    pdf.setFont(font.regular, 8.5)
    pdf.drawRightString(PAGE_WIDTH - MARGIN, below - 1 - 8.5, CERFA)
    below = draw_lines(pdf, [LEGAL_BASIS], MARGIN, below - 1, font.regular, 8.5) - 3 * mm
    pdf.setStrokeColor(ACCENT)
    pdf.setLineWidth(1.5)
    pdf.line(MARGIN, below, PAGE_WIDTH - MARGIN, below)
    return below - 5 * mm


def draw_notice(pdf: Canvas, notices: Sequence[str], top: float) -> float:
    """Warnings (cancelled, duplicate) in a red frame across the page."""
    bold = fonts().bold
    lines = [line for notice in notices for line in wrap(notice, bold, 10, CONTENT_WIDTH - 20, 2)]
    height = len(lines) * line_height(10) + 12
    pdf.setFillColor(ALERT_BAND)
    pdf.setStrokeColor(ALERT)
    pdf.setLineWidth(1.5)
    pdf.rect(MARGIN, top - height, CONTENT_WIDTH, height, stroke=1, fill=1)
    pdf.setFillColor(ALERT)
    draw_lines(pdf, lines, MARGIN + 10, top - 6, bold, 10)
    return top - height - 5 * mm


def draw_section_title(pdf: Canvas, title: str, top: float) -> float:
    height = 16
    pdf.setFillColor(BAND)
    pdf.rect(MARGIN, top - height, CONTENT_WIDTH, height, stroke=0, fill=1)
    pdf.setFillColor(ACCENT)
    pdf.rect(MARGIN, top - height, 3, height, stroke=0, fill=1)
    draw_lines(pdf, [title], INDENT, top - 3, fonts().bold, 10)
    return top - height - 6


def draw_field(pdf: Canvas, label: str, value: str, top: float, max_lines: int) -> float:
    """A 'Label : value' row, the value wrapped in the column right of the labels."""
    font = fonts().regular
    value_left = MARGIN + LABEL_WIDTH
    lines = wrap(value, font, TEXT_SIZE, PAGE_WIDTH - MARGIN - value_left, max_lines)
    pdf.setFillColor(MUTED)
    below_label = draw_lines(pdf, [f"{label}{NBSP}:"], INDENT, top, font, TEXT_SIZE)
    pdf.setFillColor(INK)
    return min(below_label, draw_lines(pdf, lines, value_left, top, font, TEXT_SIZE)) - 3


def draw_paragraph(pdf: Canvas, text: str, top: float, max_lines: int) -> float:
    font = fonts().regular
    pdf.setFillColor(INK)
    lines = wrap(text, font, TEXT_SIZE, PAGE_WIDTH - MARGIN - INDENT, max_lines)
    return draw_lines(pdf, lines, INDENT, top, font, TEXT_SIZE) - 5


def draw_beneficiary(pdf: Canvas, organisation: Organisation, top: float) -> float:
    top = draw_section_title(pdf, "Bénéficiaire des versements", top)
    top = draw_field(pdf, "Nom ou dénomination", organisation.name, top, 3)
    top = draw_field(pdf, "Adresse", organisation.address, top, 5)
    top = draw_field(pdf, "Objet", organisation.object, top, 4)
    top = draw_field(pdf, "Type d’organisme", organisation.kind, top, 2)
    return draw_field(pdf, "Identification", organisation.registration, top, 2) - SECTION_GAP


def draw_donor(pdf: Canvas, document: ReceiptDocument, top: float) -> float:
    top = draw_section_title(pdf, "Donateur", top)
    top = draw_field(pdf, "Nom et prénoms", document.donor_name, top, 6)
    return draw_field(pdf, "Adresse", document.donor_address, top, 6) - SECTION_GAP


def draw_amount(pdf: Canvas, cents: int, top: float) -> float:
    """The amount in figures framed by asterisks, in a box: hard to alter by hand."""
    font, size = fonts().bold, 16
    figures = f"***{format_amount(cents)}***"
    height = size + 16
    width = width_of(figures, font, size) + 16 * mm
    pdf.setStrokeColor(ACCENT)
    pdf.setLineWidth(1.2)
    pdf.rect(INDENT, top - height, width, height, stroke=1, fill=0)
    pdf.setFillColor(INK)
    draw_lines(pdf, [figures], INDENT + 8 * mm, top - 7, font, size)
    return top - height - 7


def draw_gift(pdf: Canvas, document: ReceiptDocument, top: float) -> float:
    top = draw_section_title(pdf, "Dons et versements", top)
    top = draw_paragraph(pdf, ACKNOWLEDGEMENT, top, 2)
    top = draw_amount(pdf, document.amount_cents, top)
    top = draw_field(pdf, "Somme en toutes lettres", document.amount_in_words, top, 3)
    top = draw_field(pdf, *gift_when(document), top, 1)
    top = draw_field(pdf, "Forme du don", "Déclaration de don manuel", top, 1)
    top = draw_field(pdf, "Nature du don", "Numéraire", top, 1)
    top = draw_field(pdf, "Mode de versement", document.payment_method, top, 1) - 5
    return draw_paragraph(pdf, certification(document), top, 3) - SECTION_GAP


def draw_signatory(pdf: Canvas, organisation: Organisation, top: float) -> float:
    """The signature and the signatory's name and role; returns the lowest point."""
    font = fonts()
    width = CONTENT_WIDTH - URL_WIDTH - 6 * mm
    if organisation.signature_png:
        draw_signature(pdf, organisation.signature_png, INDENT, top, SIGNATURE_BOX)
    top -= SIGNATURE_BOX[1] + 2 * mm
    pdf.setFillColor(INK)
    name = wrap(organisation.signatory_name, font.bold, TEXT_SIZE, width, 2)
    top = draw_lines(pdf, name, INDENT, top, font.bold, TEXT_SIZE)
    pdf.setFillColor(MUTED)
    role = wrap(organisation.signatory_role, font.regular, TEXT_SIZE, width, 2)
    return draw_lines(pdf, role, INDENT, top, font.regular, TEXT_SIZE)


def draw_verification(pdf: Canvas, url: str, top: float) -> float:
    """The QR code at the right with its caption and URL; returns the lowest point."""
    font = fonts()
    left = PAGE_WIDTH - MARGIN - QR_SIDE
    draw_qr(pdf, url, left, top, QR_SIDE)
    top -= QR_SIDE
    pdf.setFillColor(INK)
    pdf.setFont(font.bold, 8)
    pdf.drawCentredString(left + QR_SIDE / 2, top - 8, "Vérifier ce reçu")
    pdf.setFillColor(MUTED)
    pdf.setFont(font.regular, 6.5)
    for line in wrap_url(url, font.regular, 6.5, URL_WIDTH, URL_LINES):
        top -= line_height(6.5)
        pdf.drawRightString(PAGE_WIDTH - MARGIN, top - 12, line)
    return top - 14


def draw_closing(pdf: Canvas, document: ReceiptDocument, top: float) -> float:
    """Date and signature at the left, QR code at the right; returns the lowest point."""
    top = draw_section_title(pdf, "Date et signature", top)
    pdf.setFillColor(INK)
    issued = [f"Date{NBSP}: {format_date(document.issued_on)}"]
    dated = draw_lines(pdf, issued, INDENT, top, fonts().regular, TEXT_SIZE)
    return min(
        draw_signatory(pdf, document.organisation, dated - 2 * mm),
        draw_verification(pdf, document.verify_url, top),
    )


def draw_content(pdf: Canvas, document: ReceiptDocument) -> float:
    """Everything but the footer and watermark, from the top; returns the lowest point."""
    top = draw_header(pdf, document, PAGE_HEIGHT - MARGIN)
    notices = [CANCELLED_NOTICE] * document.cancelled + [DUPLICATE_NOTICE] * document.duplicate
    if notices:
        top = draw_notice(pdf, notices, top)
    top = draw_beneficiary(pdf, document.organisation, top)
    top = draw_donor(pdf, document, top)
    top = draw_gift(pdf, document, top)
    return draw_closing(pdf, document, top)


def draw_footer(pdf: Canvas, number: str) -> None:
    pdf.setStrokeColor(RULE)
    pdf.setLineWidth(0.5)
    pdf.line(MARGIN, MARGIN + 10, PAGE_WIDTH - MARGIN, MARGIN + 10)
    pdf.setFillColor(MUTED)
    pdf.setFont(fonts().regular, 7)
    pdf.drawString(MARGIN, MARGIN, KEEP_NOTICE)
    pdf.drawRightString(PAGE_WIDTH - MARGIN, MARGIN, f"Reçu n°{NBSP}{number}")


def draw_watermark(pdf: Canvas, text: str, color: Color) -> None:
    """Large translucent text along the page's diagonal, over everything."""
    font = fonts().bold
    size = min(170, 0.75 * math.hypot(PAGE_WIDTH, PAGE_HEIGHT) / width_of(text, font, 1))
    pdf.saveState()
    pdf.setFillColor(color, alpha=0.16)
    pdf.translate(PAGE_WIDTH / 2, PAGE_HEIGHT / 2)
    pdf.rotate(math.degrees(math.atan2(PAGE_HEIGHT, PAGE_WIDTH)))
    pdf.setFont(font, size)
    pdf.drawCentredString(0, -size * 0.36, text)
    pdf.restoreState()


def new_canvas(buffer: io.BytesIO, document: ReceiptDocument) -> Canvas:
    pdf = Canvas(buffer, pagesize=A4, pageCompression=1)
    pdf.setTitle(f"Reçu fiscal n°{NBSP}{document.number}")
    pdf.setAuthor(document.organisation.name)
    pdf.setCreator("Relais")
    return pdf


def fitted_content(buffer: io.BytesIO, document: ReceiptDocument) -> Canvas:
    """A canvas with the content drawn; when very long texts push it into the footer,
    drawn again on a fresh canvas, scaled down about the top centre to fit."""
    pdf = new_canvas(buffer, document)
    lowest = draw_content(pdf, document)
    if lowest >= CONTENT_BOTTOM:
        return pdf
    top = PAGE_HEIGHT - MARGIN
    scale = (top - CONTENT_BOTTOM) / (top - lowest)
    pdf = new_canvas(buffer, document)
    pdf.saveState()
    pdf.translate(PAGE_WIDTH / 2, top)
    pdf.scale(scale, scale)
    pdf.translate(-PAGE_WIDTH / 2, -top)
    draw_content(pdf, document)
    pdf.restoreState()
    return pdf


def render_receipt(document: ReceiptDocument) -> bytes:
    """The receipt as the bytes of a one-page A4 PDF with its fonts embedded."""
    buffer = io.BytesIO()
    with ONE_PDF_AT_A_TIME:
        pdf = fitted_content(buffer, document)
        draw_footer(pdf, document.number)
        if document.cancelled:
            draw_watermark(pdf, "ANNULÉ", ALERT)
        elif document.duplicate:
            draw_watermark(pdf, "DUPLICATA", MUTED)
        pdf.showPage()
        pdf.save()
    return buffer.getvalue()
