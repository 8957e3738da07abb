"""PDF labels: every QR code on every page must scan to exactly its label's URL.

Pages are rasterised with pdfium and read back with zxing-cpp, as a phone would."""

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pypdfium2
import pytest
import zxingcpp

from app import pdf_text
from app.pdf_text import ONE_PDF_AT_A_TIME
from inventory import labels as labels_module
from inventory.labels import Label, LabelFormat, render_labels

SCALE = 200 / 72  # 200 dpi: about 6 pixels per module on an A4 label
PER_SHEET = 24
CONTENTS = (
    "Trousers \u00b7 Men \u00b7 M \u00d7 12",
    "Toothbrush \u00d7 40",
    "Sous-v\u00eatements \u00b7 Femme \u00b7 S \u00d7 25",
    "Couvertures de survie (grand mod\u00e8le) \u00d7 8",
    "Chaussettes \u00b7 Enfant \u00b7 31\u201334 \u00d7 60",
    "Savon \u00d7 30",
    "Gants d'hiver \u00b7 Homme \u00b7 L \u00d7 6",
    "Lait infantile 1er \u00e2ge \u00d7 4",
    "Bonnets \u00d7 15",
)


def crate(number: int, lines: tuple[str, ...] = (), **extra: str) -> Label:
    code = f"7K3M{number:04d}"
    return Label(
        url=f"https://relais.example/c/{code}",
        code=f"{code[:4]}-{code[4:]}",
        lines=lines,
        **extra,
    )


def crates(count: int) -> list[Label]:
    return [
        crate(
            number,
            CONTENTS[: number % 7],
            site="Entrep\u00f4t Calais" if number % 2 else "",
            expiry="2027-03-01" if number % 3 else "",
        )
        for number in range(count)
    ]


def pages(pdf_bytes: bytes) -> list[pypdfium2.PdfPage]:
    assert pdf_bytes.startswith(b"%PDF-")
    return list(pypdfium2.PdfDocument(pdf_bytes))


def decoded(page: pypdfium2.PdfPage) -> list[zxingcpp.Barcode]:
    image = page.render(scale=SCALE).to_pil()
    return zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)


def page_text(page: pypdfium2.PdfPage) -> str:
    return page.get_textpage().get_text_range()


def assert_scans(pdf_bytes: bytes, labels: list[Label], per_page: int) -> None:
    """Each page holds the next per_page labels, and each of their QR codes reads as
    exactly its URL, once."""
    rendered = pages(pdf_bytes)
    assert len(rendered) == -(-len(labels) // per_page)
    for number, page in enumerate(rendered):
        expected = [label.url for label in labels[number * per_page : (number + 1) * per_page]]
        texts = [barcode.text for barcode in decoded(page)]
        assert sorted(texts) == sorted(expected), f"page {number + 1}"


def test_full_a4_sheet_is_one_page_of_24_scannable_labels() -> None:
    labels = crates(24)
    pdf = render_labels(labels, LabelFormat.A4_SHEET)
    assert_scans(pdf, labels, PER_SHEET)


def around(box: tuple[float, ...], by: float) -> tuple[float, float, float, float]:
    left, top, right, bottom = box
    return left - by, top - by, right + by, bottom + by


def symbol_box(barcode: zxingcpp.Barcode) -> tuple[tuple[float, ...], float]:
    """The symbol's left, top, right and bottom edges in pixels, and its module size."""
    where = barcode.position
    corners = (where.top_left, where.top_right, where.bottom_right, where.bottom_left)
    xs, ys = [corner.x for corner in corners], [corner.y for corner in corners]
    modules = 17 + 4 * int(barcode.extra["Version"])
    return (min(xs), min(ys), max(xs), max(ys)), (max(xs) - min(xs)) / modules


@pytest.mark.parametrize(
    ("label_format", "cell_mm"),
    [(LabelFormat.A4_SHEET, (70, 37)), (LabelFormat.THERMAL_62, (62, 40))],
)
def test_qr_codes_are_big_with_a_clear_quiet_zone_on_the_label(
    label_format: LabelFormat, cell_mm: tuple[int, int]
) -> None:
    """At least 25 mm, and four white modules all round each symbol inside its own cell."""
    labels = crates(24 if label_format is LabelFormat.A4_SHEET else 1)
    image = pages(render_labels(labels, label_format))[0].render(scale=SCALE).to_pil()
    image = image.convert("L")
    px_per_mm = SCALE * 72 / 25.4
    cell_width, cell_height = (side * px_per_mm for side in cell_mm)
    top_margin = (image.height - 8 * cell_height) / 2 if len(labels) > 1 else 0
    barcodes = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    assert len(barcodes) == len(labels)
    for barcode in barcodes:
        symbol, module = symbol_box(barcode)
        assert (symbol[2] - symbol[0]) / px_per_mm >= 25
        inner, outer = around(symbol, module / 2), around(symbol, 3.8 * module)
        for strip in (
            (outer[0], outer[1], outer[2], inner[1]),
            (outer[0], inner[3], outer[2], outer[3]),
            (outer[0], inner[1], inner[0], inner[3]),
            (inner[2], inner[1], outer[2], inner[3]),
        ):
            darkest, _ = image.crop(tuple(round(edge) for edge in strip)).getextrema()
            assert darkest > 200, f"ink in the quiet zone of {barcode.text}"
        column = outer[0] // cell_width
        row = (outer[1] - top_margin) // cell_height
        assert outer[2] <= (column + 1) * cell_width
        assert top_margin + row * cell_height <= outer[1]
        assert outer[3] <= top_margin + (row + 1) * cell_height
        if label_format is LabelFormat.THERMAL_62:
            assert outer[3] - outer[1] > 0.9 * cell_height  # as big as fits


def test_25_labels_spill_onto_a_second_a4_sheet() -> None:
    labels = crates(25)
    pdf = render_labels(labels, LabelFormat.A4_SHEET)
    rendered = pages(pdf)
    assert len(rendered) == 2
    assert_scans(pdf, labels, PER_SHEET)
    assert [barcode.text for barcode in decoded(rendered[1])] == [labels[24].url]


def test_thermal_roll_is_one_62_mm_label_per_page() -> None:
    labels = crates(5)
    pdf = render_labels(labels, LabelFormat.THERMAL_62)
    assert_scans(pdf, labels, 1)
    width, height = pages(pdf)[0].get_size()
    assert width == pytest.approx(62 / 25.4 * 72, abs=0.5)
    assert 30 / 25.4 * 72 < height < 60 / 25.4 * 72


def test_format_may_be_given_by_its_value() -> None:
    labels = crates(2)
    assert_scans(render_labels(labels, "thermal62"), labels, 1)  # type: ignore[arg-type]


@pytest.mark.parametrize("label_format", list(LabelFormat))
def test_qr_codes_use_error_correction_q_or_higher(label_format: LabelFormat) -> None:
    page = pages(render_labels(crates(3), label_format))[0]
    barcodes = decoded(page)
    assert barcodes
    if not hasattr(barcodes[0], "ec_level"):
        pytest.skip("this zxing-cpp does not report the error correction level")
    assert {barcode.ec_level for barcode in barcodes} <= {"Q", "H"}


@pytest.mark.parametrize("label_format", list(LabelFormat))
def test_long_contents_are_cut_and_counted(label_format: LabelFormat) -> None:
    long_line = "Couvertures de survie isothermes, grand mod\u00e8le, emballage individuel " * 3
    items = [f"Lot {number} \u00d7 {number}" for number in range(1, 30)]
    label = crate(1, (long_line, *items), site="Entrep\u00f4t Calais", expiry="2027-03-01")
    labels = [label, crate(2)]
    pdf = render_labels(labels, label_format, more_template="+{count} de plus")
    assert_scans(pdf, labels, PER_SHEET if label_format is LabelFormat.A4_SHEET else 1)

    text = page_text(pages(pdf)[0])
    assert long_line.strip() not in text
    assert "Couvertures de" in text
    assert "\u2026\r" in text  # the cut line ends with an ellipsis
    shown = [item for item in items if f"{item}\r" in text]
    assert len(shown) >= 2
    assert shown == items[: len(shown)]
    assert f"+{len(items) - len(shown)} de plus" in text
    assert "Entrep\u00f4t Calais" in text
    assert "2027-03-01" in text


@pytest.mark.parametrize("label_format", list(LabelFormat))
def test_lists_that_fit_are_shown_whole(label_format: LabelFormat) -> None:
    lines = ("Toothbrush \u00d7 40", "Savon \u00d7 30", "Bonnets \u00d7 15")
    text = page_text(pages(render_labels([crate(1, lines)], label_format))[0])
    assert all(f"{line}\r" in text or text.endswith(line) for line in lines)
    assert "more" not in text
    assert "\u2026" not in text


@pytest.mark.parametrize("label_format", list(LabelFormat))
def test_accented_text_survives(label_format: LabelFormat) -> None:
    lines = ("\u0152ufs \u00e0 la coque \u00d7 6", "Cr\u00e8me \u00b7 b\u00e9b\u00e9 \u00d7 3")
    site = "D\u00e9p\u00f4t Saint-\u00c9tienne"
    label = crate(1, lines, site=site, expiry="2027-12-31")
    pdf = render_labels([label], label_format, expiry_template="DLUO {expiry}")
    assert_scans(pdf, [label], PER_SHEET)
    text = page_text(pages(pdf)[0])
    for expected in (*lines, site, "DLUO 2027-12-31"):
        assert expected in text


@pytest.mark.parametrize("label_format", list(LabelFormat))
def test_cut_lines_keep_their_quantity(label_format: LabelFormat) -> None:
    line = "Couvertures de survie isothermes, grand mod\u00e8le \u00d7 120"
    text = page_text(pages(render_labels([crate(1, (line,))], label_format))[0])
    assert line not in text
    assert "Couvertures" in text
    assert "\u2026 \u00d7 120\r" in text or text.endswith("\u2026 \u00d7 120")


def test_falls_back_to_helvetica_without_dejavu(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(pdf_text, "FONT_DIR", tmp_path)
    labels_module.label_fonts.cache_clear()
    try:
        label = crate(7, ("Trousers \u00b7 Men \u00b7 M \u00d7 12",), site="Entrep\u00f4t Calais")
        pdf = render_labels([label], LabelFormat.A4_SHEET)
    finally:
        labels_module.label_fonts.cache_clear()
    assert b"Helvetica" in pdf
    assert_scans(pdf, [label], PER_SHEET)
    text = page_text(pages(pdf)[0])
    assert all(part in text for part in (label.code, *label.lines, label.site))


def test_code_is_printed_in_large_type_with_the_site() -> None:
    label = crate(42, CONTENTS[:2], site="Entrep\u00f4t Calais")
    page = pages(render_labels([label], LabelFormat.A4_SHEET))[0]
    textpage = page.get_textpage()
    text = textpage.get_text_range()
    assert label.code in text
    assert "Entrep\u00f4t Calais" in text

    def font_size_of(wanted: str) -> float:
        found = textpage.search(wanted, match_case=True).get_next()
        assert found, wanted
        return pypdfium2.raw.FPDFText_GetFontSize(textpage, found[0])

    assert font_size_of(label.code) >= 14
    assert font_size_of("Entrep\u00f4t Calais") <= 8
    assert font_size_of(label.code) >= 2 * font_size_of(CONTENTS[1])


def test_blank_labels_have_only_the_code() -> None:
    labels = [crate(number) for number in range(3)]
    pdf = render_labels(labels, LabelFormat.A4_SHEET)
    assert_scans(pdf, labels, PER_SHEET)
    text = page_text(pages(pdf)[0])
    assert all(label.code in text for label in labels)


def test_no_labels_is_an_error() -> None:
    with pytest.raises(ValueError):
        render_labels([], LabelFormat.A4_SHEET)


def test_labels_wait_while_another_pdf_is_being_built() -> None:
    """ReportLab is not thread-safe: under a threaded server PDFs are built one at a time."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        with ONE_PDF_AT_A_TIME:
            sheet = pool.submit(render_labels, crates(2), LabelFormat.A4_SHEET)
            with pytest.raises(TimeoutError):
                sheet.result(timeout=0.3)
        assert sheet.result(timeout=30).startswith(b"%PDF-")
