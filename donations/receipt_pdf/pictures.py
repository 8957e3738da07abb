"""The receipt's pictures: its QR code, made by the qrcode library and drawn as vector
rectangles, and the signature, an uploaded PNG."""

import io
import re
from functools import lru_cache

import qrcode
from PIL import Image
from qrcode.constants import ERROR_CORRECT_Q
from reportlab.lib.colors import Color
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

QUIET_ZONE = 4  # modules of white around the symbol, as ISO/IEC 18004 requires
LARGEST_SIGNATURE = (900, 300)  # pixels kept of an uploaded signature: 380 dpi in the box
DARK_RUN = re.compile("1+")
BLACK = Color(0, 0, 0)


@lru_cache(maxsize=64)  # a receipt is drawn twice when it is shrunk to fit
def qr_rows(url: str) -> tuple[str, ...]:
    """The URL's QR code at error correction level Q, one string per row ("1" dark).

    The mask is fixed: searching the eight for the least penalty costs more than the rest
    of the receipt, and a code printed black on white scans whichever mask it has."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_Q, border=0, mask_pattern=0)
    code.add_data(url, optimize=0)
    code.make(fit=True)
    return tuple("".join("1" if dark else "0" for dark in row) for row in code.get_matrix())


def draw_qr(pdf: Canvas, url: str, left: float, top: float, side: float) -> None:
    """The QR code with its quiet zone filling a square of `side` at (left, top), one
    rectangle per horizontal run of dark modules."""
    rows = qr_rows(url)
    module = side / (len(rows) + 2 * QUIET_ZONE)
    path = pdf.beginPath()
    for y, row in enumerate(rows):
        for run in DARK_RUN.finditer(row):
            path.rect(run.start(), y, run.end() - run.start(), 1)
    pdf.saveState()
    pdf.setFillColor(BLACK)
    pdf.transform(module, 0, 0, -module, left + QUIET_ZONE * module, top - QUIET_ZONE * module)
    pdf.drawPath(path, stroke=0, fill=1)
    pdf.restoreState()


@lru_cache(maxsize=8)
def signature_picture(png: bytes) -> Image.Image:
    """Decodes a signature once per process, cropped to its ink and no larger than
    needed."""
    image = Image.open(io.BytesIO(png)).convert("RGBA")
    image = image.crop(image.getchannel("A").getbbox() or (0, 0, *image.size))
    image.thumbnail(LARGEST_SIGNATURE)
    return image


def draw_signature(
    pdf: Canvas, png: bytes, left: float, top: float, box: tuple[float, float]
) -> None:
    """The signature in a box of `box` (width, height) at (left, top), aligned left and at
    the bottom, on the paper where the picture is transparent."""
    width, height = box
    pdf.drawImage(
        ImageReader(signature_picture(png)),
        left,
        top - height,
        width,
        height,
        mask="auto",
        preserveAspectRatio=True,
        anchor="sw",
    )
