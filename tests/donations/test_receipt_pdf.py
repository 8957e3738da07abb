"""The tax receipt PDF: one A4 page carrying every mention of the Cerfa 11580*05 model,
read back as the tax office or the donor would: its text extracted with pdfium, its
QR code rendered and scanned with zxing-cpp."""

import itertools
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date
from pathlib import Path

import pypdfium2
import pytest
import zxingcpp
from PIL import Image

from app import pdf_text
from app.pdf_text import ONE_PDF_AT_A_TIME
from donations.receipt_pdf import Organisation, ReceiptDocument, layout, render_receipt, text
from donations.receipt_pdf.document import (
    ACKNOWLEDGEMENT,
    CANCELLED_NOTICE,
    CERFA,
    DUPLICATE_NOTICE,
    KEEP_NOTICE,
)

SIGNATURE = Path(__file__).parents[2] / "static" / "img" / "signature-demo.png"
SCALE = 200 / 72  # 200 dpi
A4_POINTS = (595.28, 841.89)
FOOTER_TOP = layout.CONTENT_BOTTOM
VERIFY_URL = (
    "https://relais.example/recus/verifier/2026-000123?cle=9f86d081884c7d659a2feaa0c55ad015"
)

ORGANISATION = Organisation(
    name="Relais Solidarité Calais",
    address="12 rue des Quatre-Coins\n62100 Calais",
    object="Aide alimentaire et hébergement d'urgence des personnes exilées",
    kind="Association loi 1901 reconnue d'intérêt général",
    registration="RNA W623012345",
    signatory_name="Élise Dubois-Laurent",
    signatory_role="Trésorière",
    signature_png=SIGNATURE.read_bytes(),
)
RECEIPT = ReceiptDocument(
    organisation=ORGANISATION,
    number="2026-000123",
    donor_name="Françoise Lefèvre-Nguyễn",
    donor_address="Appartement 4B, 27 avenue Jean-Jaurès\n59000 Lille",
    amount_cents=5020,
    amount_in_words="cinquante euros et vingt centimes",
    gift_date=date(2026, 12, 12),
    period=None,
    payment_method="Carte bancaire",
    articles=("200",),
    issued_on=date(2027, 1, 15),
    verify_url=VERIFY_URL,
)
NO_SIGNATURE = replace(RECEIPT, organisation=replace(ORGANISATION, signature_png=None))


def only_page(pdf_bytes: bytes) -> pypdfium2.PdfPage:
    assert pdf_bytes.startswith(b"%PDF-")
    document = pypdfium2.PdfDocument(pdf_bytes)
    assert len(document) == 1
    page = document[0]
    assert page.get_size() == pytest.approx(A4_POINTS, abs=0.5)
    return page


def text_of(document: ReceiptDocument) -> str:
    """The page's text with every run of white space (line breaks from wrapping,
    non-breaking spaces) as one space."""
    text = only_page(render_receipt(document)).get_textpage().get_text_range()
    return " ".join(text.split())


def rendered(document: ReceiptDocument) -> Image.Image:
    return only_page(render_receipt(document)).render(scale=SCALE).to_pil().convert("RGB")


def test_every_mention_of_the_cerfa_model_is_printed() -> None:
    text = text_of(RECEIPT)
    for mention in (
        "Cerfa n° 11580*05",
        "Reçu au titre des dons à certains organismes d’intérêt général",
        "Articles 200, 238 bis et 978 du code général des impôts",
        "N° d’ordre du reçu : 2026-000123",
        "Bénéficiaire des versements",
        "Relais Solidarité Calais",
        "12 rue des Quatre-Coins",
        "62100 Calais",
        "Aide alimentaire et hébergement d’urgence des personnes exilées",
        "Association loi 1901 reconnue d’intérêt général",
        "RNA W623012345",
        "Donateur",
        "Françoise Lefèvre-Nguyễn",
        "Appartement 4B, 27 avenue Jean-Jaurès",
        "59000 Lille",
        "Le bénéficiaire reconnaît avoir reçu au titre des dons et versements "
        "ouvrant droit à réduction d’impôt, la somme de : ***50,20 €***",
        "Somme en toutes lettres : cinquante euros et vingt centimes",
        "Date du versement : 12/12/2026",
        "Le bénéficiaire certifie sur l’honneur que les dons et versements qu’il "
        "reçoit ouvrent droit à la réduction d’impôt prévue à "
        "l’article 200 du CGI.",
        "Forme du don : Déclaration de don manuel",
        "Nature du don : Numéraire",
        "Mode de versement : Carte bancaire",
        "Date : 15/01/2027",
        "Élise Dubois-Laurent",
        "Trésorière",
        "Vérifier ce reçu",
    ):
        assert mention in text, mention
    for absent in ("ANNULÉ", "DUPLICATA", "Remplace", "Période"):
        assert absent not in text


def test_fonts_are_embedded() -> None:
    assert render_receipt(RECEIPT).count(b"/FontFile2") == 2


def test_a_receipt_is_the_same_whatever_receipts_came_before() -> None:
    """A receipt whose donor's name has other letters embeds them, and the next
    receipts are drawn as before."""
    first = rendered(RECEIPT)
    for name in ("Ольга Петрова", "Γιώργος Παπαδόπουλος", "Łukasz Wójcik"):
        other = replace(RECEIPT, donor_name=name)
        assert name in text_of(other)
        assert render_receipt(other).count(b"/FontFile2") == 2
    assert rendered(RECEIPT).tobytes() == first.tobytes()
    assert "Françoise Lefèvre-Nguyễn" in text_of(RECEIPT)


@pytest.mark.parametrize(
    "method",
    ["Carte bancaire", "Prélèvement SEPA", "Virement", "Chèque", "Espèces"],
)
def test_payment_method_is_named(method: str) -> None:
    assert f"Mode de versement : {method}" in text_of(replace(RECEIPT, payment_method=method))


@pytest.mark.parametrize(
    ("cents", "figures"),
    [
        (1, "***0,01 €***"),
        (100, "***1,00 €***"),
        (123456, "***1 234,56 €***"),
        (99_999_999_999, "***999 999 999,99 €***"),
    ],
)
def test_amount_is_in_french_figures_framed_by_asterisks(cents: int, figures: str) -> None:
    assert figures in text_of(replace(RECEIPT, amount_cents=cents))


@pytest.mark.parametrize(
    ("articles", "wording"),
    [
        (("200",), "prévue à l’article 200 du CGI."),
        (("200", "978"), "prévue aux articles 200 et 978 du CGI."),
        (("200", "238 bis", "978"), "prévue aux articles 200, 238 bis et 978 du CGI."),
    ],
)
def test_certification_names_the_articles(articles: tuple[str, ...], wording: str) -> None:
    assert wording in text_of(replace(RECEIPT, articles=articles))


def test_summary_receipt_gives_the_period_not_a_date() -> None:
    summary = replace(RECEIPT, gift_date=None, period=(date(2026, 1, 1), date(2026, 12, 31)))
    text = text_of(summary)
    assert "Période : du 01/01/2026 au 31/12/2026" in text
    assert "Date du versement" not in text
    assert "12/12/2026" not in text


def watermark_size(document: ReceiptDocument, word: str) -> float:
    """The largest font size the word is set in on the page."""
    textpage = only_page(render_receipt(document)).get_textpage()
    searcher = textpage.search(word, match_case=True)
    sizes = [
        pypdfium2.raw.FPDFText_GetFontSize(textpage, found[0])
        for found in iter(searcher.get_next, None)
    ]
    assert sizes, word
    return max(sizes)


def test_cancelled_receipt_says_so_prominently() -> None:
    cancelled = replace(RECEIPT, cancelled=True)
    text = text_of(cancelled)
    assert "ANNULÉ : ce reçu a été annulé." in text
    assert "ne doit pas être utilisé" in text
    assert watermark_size(cancelled, "ANNULÉ") >= 100


def test_duplicate_says_so_prominently() -> None:
    duplicate = replace(RECEIPT, duplicate=True)
    assert "DUPLICATA" in text_of(duplicate)
    assert watermark_size(duplicate, "DUPLICATA") >= 60


def test_cancelled_duplicate_shows_both() -> None:
    both = replace(RECEIPT, cancelled=True, duplicate=True)
    text = text_of(both)
    assert "ANNULÉ : ce reçu" in text
    assert "DUPLICATA : copie" in text
    assert watermark_size(both, "ANNULÉ") >= 100


def test_replacement_names_the_earlier_receipt() -> None:
    text = text_of(replace(RECEIPT, number="2026-000130", replaces="2026-000123"))
    assert "N° d’ordre du reçu : 2026-000130" in text
    assert "Remplace le reçu n° 2026-000123" in text


def scanned(image: Image.Image) -> list[zxingcpp.Barcode]:
    return zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)


@pytest.mark.parametrize("url", [VERIFY_URL, "https://relais.example/r/" + "a1b2c3" * 45])
def test_qr_code_scans_as_the_verification_url(url: str) -> None:
    barcodes = scanned(rendered(replace(RECEIPT, verify_url=url)))
    assert [barcode.text for barcode in barcodes] == [url]
    assert barcodes[0].ec_level in {"Q", "H"}


def verification_lines(document: ReceiptDocument) -> list[str]:
    """The lines printed under the QR code, between its caption and the footer."""
    page_text = only_page(render_receipt(document)).get_textpage().get_text_range()
    printed = page_text.split("Vérifier ce reçu")[1].split("Conservez ce reçu")[0]
    return printed.split()


@pytest.mark.parametrize("number", ["2026-000123", "2027-104857"])
@pytest.mark.parametrize(
    "host",
    ["relais.example", "relais.example.org", "dons.relais-solidarite.example.org", "r.fr"],
)
def test_the_verification_address_breaks_only_after_a_slash(host: str, number: str) -> None:
    url = f"https://{host}/donations/receipts/{number}/verify?k=9f86d081884c7d659a2f"
    lines = verification_lines(replace(RECEIPT, number=number, verify_url=url))
    assert "".join(lines) == url
    assert len(lines) > 1 and all(line.endswith("/") for line in lines[:-1])
    assert [line for line in lines if number in line]


def test_one_kind_of_apostrophe_throughout() -> None:
    """The organisation's and the donor's texts as typed, with typewriter apostrophes,
    are printed with the typographic one of the fixed wording."""
    donor = replace(RECEIPT, donor_name="Jeanne d'Arc", donor_address="1 rue de l'Église")
    page_text = text_of(donor)
    assert "'" not in page_text
    assert "Jeanne d’Arc" in page_text and "1 rue de l’Église" in page_text
    assert "hébergement d’urgence" in page_text  # ORGANISATION's object is typed with '


def test_qr_code_still_scans_under_the_cancelled_watermark() -> None:
    barcodes = scanned(rendered(replace(RECEIPT, cancelled=True)))
    assert [barcode.text for barcode in barcodes] == [VERIFY_URL]


def image_count(document: ReceiptDocument) -> int:
    page = only_page(render_receipt(document))
    return len(list(page.get_objects(filter=[pypdfium2.raw.FPDF_PAGEOBJ_IMAGE])))


def signature_area(image: Image.Image) -> Image.Image:
    """Where the signature goes: left of the page, above the signatory's name."""
    textpage = only_page(render_receipt(NO_SIGNATURE)).get_textpage()
    found = textpage.search(ORGANISATION.signatory_name, match_case=True).get_next()
    assert found
    _, _, _, name_top = textpage.get_charbox(found[0])
    box_width, box_height = layout.SIGNATURE_BOX
    left, bottom = layout.INDENT, name_top + 2
    top = bottom + box_height
    corners = (left, A4_POINTS[1] - top, left + box_width, A4_POINTS[1] - bottom)
    return image.crop(tuple(round(edge * SCALE) for edge in corners))


def test_signature_is_drawn_on_white_when_given() -> None:
    assert image_count(RECEIPT) == 1
    assert image_count(NO_SIGNATURE) == 0
    signed = signature_area(rendered(RECEIPT)).convert("L")
    unsigned = signature_area(rendered(NO_SIGNATURE)).convert("L")
    assert unsigned.getextrema() == (255, 255)
    ink = sum(signed.histogram()[:128])
    assert ink > 0.02 * signed.width * signed.height  # strokes are drawn
    assert signed.histogram()[255] > 0.5 * signed.width * signed.height  # around them: paper


def test_signature_is_drawn_on_every_receipt_of_a_batch() -> None:
    """The signature is prepared once per process and added to each document anew."""
    for number in range(200, 203):
        assert image_count(replace(RECEIPT, number=f"2026-{number:06d}")) == 1


@pytest.mark.parametrize("mode", ["RGB", "L", "P", "LA"])
def test_signature_may_be_any_png(mode: str, tmp_path: Path) -> None:
    picture = Image.open(SIGNATURE)
    white = Image.new("RGBA", picture.size, "white")
    path = tmp_path / "signature.png"
    Image.alpha_composite(white, picture).convert(mode).save(path)
    organisation = replace(ORGANISATION, signature_png=path.read_bytes())
    assert image_count(replace(RECEIPT, organisation=organisation)) == 1


def text_rects(textpage: pypdfium2.PdfTextPage) -> list[tuple[float, float, float, float]]:
    return [textpage.get_rect(index) for index in range(textpage.count_rects())]


def overlap(
    a: tuple[float, float, float, float], b: tuple[float, float, float, float], by: float = 0.5
) -> bool:
    return a[0] + by < b[2] and b[0] + by < a[2] and a[1] + by < b[3] and b[1] + by < a[3]


def assert_laid_out_cleanly(pdf_bytes: bytes) -> None:
    """No text outside the margins or over other text, but for the diagonal watermark
    (meant to lie over it); only the footer below the footer's rule."""
    page = only_page(pdf_bytes)
    textpage = page.get_textpage()
    rects = [rect for rect in text_rects(textpage) if rect[3] - rect[1] < 40]
    margin = layout.MARGIN - 1
    for left, bottom, right, top in rects:
        assert margin <= left and right <= A4_POINTS[0] - margin
        assert margin - 3 <= bottom and top <= A4_POINTS[1] - margin
    for a, b in itertools.combinations(rects, 2):
        assert not overlap(a, b), (a, b)
    footer = textpage.get_text_bounded(0, 0, A4_POINTS[0], FOOTER_TOP)
    assert " ".join(footer.split()).startswith("Conservez ce reçu")


@pytest.mark.parametrize(
    "document",
    [
        RECEIPT,
        replace(RECEIPT, organisation=replace(ORGANISATION, address="", object="")),
        replace(RECEIPT, cancelled=True, duplicate=True),
    ],
    ids=["ordinary", "empty fields", "cancelled duplicate"],
)
def test_layout_is_clean(document: ReceiptDocument) -> None:
    assert_laid_out_cleanly(render_receipt(document))


def test_long_donor_name_is_wrapped_whole_on_one_page() -> None:
    name = " ".join(["Marie-Thérèse de la Tour d’Auvergne-Lauraguais"] * 6)[:300]
    pdf = render_receipt(replace(RECEIPT, donor_name=name))
    assert_laid_out_cleanly(pdf)
    assert name.strip() in " ".join(only_page(pdf).get_textpage().get_text_range().split())


def glyph_height(pdf_bytes: bytes, word: str) -> float:
    textpage = only_page(pdf_bytes).get_textpage()
    found = textpage.search(word, match_case=True).get_next()
    assert found, word
    _, bottom, _, top = textpage.get_charbox(found[0])
    return top - bottom


def test_absurdly_long_texts_are_cut_and_shrunk_to_one_page() -> None:
    word = "Wolfeschlegelsteinhausenbergerdorff"
    long = " ".join([word, "Bartholomé-Maximilien"] * 20)
    lines = "\n".join([long] * 10)
    organisation = replace(
        ORGANISATION,
        name=long,
        address=lines,
        object=long,
        kind=long,
        registration=word * 8,
        signatory_name=long,
        signatory_role=long,
    )
    document = replace(
        RECEIPT,
        organisation=organisation,
        donor_name=word * 20,
        donor_address=lines,
        amount_in_words=long,
        replaces=word * 3,
        cancelled=True,
        duplicate=True,
        verify_url="https://relais.example/r/" + "x" * 400,
    )
    pdf = render_receipt(document)
    assert_laid_out_cleanly(pdf)
    page = only_page(pdf)
    assert "\u2026" in page.get_textpage().get_text_range()  # what could not fit is cut visibly
    shrunk = glyph_height(pdf, "Donateur") / glyph_height(render_receipt(RECEIPT), "Donateur")
    assert 0.7 < shrunk < 0.95  # still legible
    assert [barcode.text for barcode in scanned(page.render(scale=300 / 72).to_pil())] == [
        document.verify_url
    ]


def test_falls_back_to_helvetica_without_dejavu(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(pdf_text, "FONT_DIR", tmp_path)
    text.fonts.cache_clear()
    latin = replace(RECEIPT, donor_name="Françoise Lefèvre")
    try:
        pdf = render_receipt(latin)
    finally:
        text.fonts.cache_clear()
    assert b"Helvetica" in pdf
    printed = " ".join(only_page(pdf).get_textpage().get_text_range().split())
    assert "Françoise Lefèvre" in printed
    assert "***50,20 €***" in printed
    assert "Cerfa n° 11580*05" in printed and "d’intérêt général" in printed


@pytest.mark.parametrize(
    "change",
    [
        {"amount_cents": 0},
        {"amount_cents": -500},
        {"gift_date": None},
        {"period": (date(2026, 1, 1), date(2026, 12, 31))},
        {"gift_date": None, "period": (date(2026, 12, 31), date(2026, 1, 1))},
        {"articles": ()},
    ],
)
def test_impossible_receipts_are_refused(change: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        replace(RECEIPT, **change)


HIGH_PUNCTUATION = re.compile("[:;?!€]")


@pytest.mark.parametrize(
    "document",
    [
        RECEIPT,
        replace(RECEIPT, cancelled=True, duplicate=True, replaces="2026-000100"),
        replace(RECEIPT, gift_date=None, period=(date(2026, 1, 1), date(2026, 12, 31))),
    ],
    ids=["ordinary", "cancelled duplicate replacing another", "yearly summary"],
)
def test_french_punctuation_stays_on_the_line_of_the_word_before_it(
    document: ReceiptDocument,
) -> None:
    """Every ":", ";", "?", "!" and "€" the page prints has a space before it, on the same
    line, and "n°" never ends a line. (pdfium reads a non-breaking space back as a space:
    reportlab prints U+00A0 with the space's glyph and code.)"""
    without_url = replace(document, verify_url="relais.example/recus/2026-000123")
    page = only_page(render_receipt(without_url)).get_textpage().get_text_range()
    marks = 0
    for line in page.splitlines():
        for mark in HIGH_PUNCTUATION.finditer(line):
            assert line[: mark.start()].endswith(" "), line
            marks += 1
        assert not line.rstrip().endswith(("n°", "N°")), line
    assert marks >= 15  # a label's colon on each field, the amount's euro sign...


@pytest.mark.parametrize(
    "wording",
    [CERFA, ACKNOWLEDGEMENT, CANCELLED_NOTICE, DUPLICATE_NOTICE, KEEP_NOTICE],
    ids=["cerfa", "acknowledgement", "cancelled", "duplicate", "keep"],
)
def test_the_fixed_wording_never_breaks_a_line_before_its_punctuation(wording: str) -> None:
    """Its spaces before ":", ";", "?", "!" and after "n°" are non-breaking, whatever the
    width of the column it is wrapped in."""
    assert re.search(r"[:;?!]", wording) or "n°" in wording
    for width in range(80, 400):
        for line in text.wrap(wording, text.fonts().regular, 9, float(width), 99):
            assert not HIGH_PUNCTUATION.match(line) and not line.endswith("n°"), (width, line)


def test_a_receipt_waits_while_another_pdf_is_being_built() -> None:
    """ReportLab is not thread-safe: two receipt senders, or a threaded server, build
    their PDFs one at a time."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        with ONE_PDF_AT_A_TIME:
            receipt = pool.submit(render_receipt, RECEIPT)
            with pytest.raises(TimeoutError):
                receipt.result(timeout=0.3)
        assert only_page(receipt.result(timeout=30))
