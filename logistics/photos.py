"""Photos of fuel receipts. Only JPEG, PNG and WebP are accepted, told apart by their
content (Pillow opens and verifies them; the name and type the phone sends are never
trusted). Each photo is decoded and saved again, at most 2,000 pixels a side and
without its metadata (a phone writes where the photo was taken), under a random name in
the instance folder. Pages serve it only to those who may see the fuel log.

A small file can hold a huge image (a PNG of one colour compresses a thousandfold), so
the pixels are counted from the header before anything is decoded: a JPEG is decoded
already shrunk (its decoder scales by 1/2, 1/4 or 1/8), and what would still be decoded
is at most MAX_DECODED_PIXELS, a few tens of megabytes."""

import io
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import format_decimal
from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError
from werkzeug.datastructures import FileStorage

from app.errors import InvalidInput

FORMATS = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "WEBP": ("webp", "image/webp"),
}
MIMETYPES = {extension: mimetype for extension, mimetype in FORMATS.values()}
STORED_NAME = re.compile(r"[0-9a-f]{32}\.(jpg|png|webp)")
MAX_DECODED_PIXELS = 12_000_000  # a 12-megapixel phone photo: 36 MB as RGB
LONGEST_SIDE = 2000


@dataclass(frozen=True)
class Photo:
    data: bytes
    extension: str


def receipts_folder() -> Path:
    configured = current_app.config.get("FUEL_RECEIPTS_FOLDER")
    return Path(configured or Path(current_app.instance_path) / "uploads" / "fuel-receipts")


def max_bytes() -> int:
    return int(current_app.config["FUEL_RECEIPT_MAX_BYTES"])


def not_a_photo() -> InvalidInput:
    return InvalidInput(
        _("This file is not a photo Relais accepts: send a JPEG, PNG or WebP image."),
        field="receipt",
    )


def read_photo(upload: FileStorage | None) -> Photo | None:
    """The receipt photo of a form, checked and cleaned; None when none was chosen."""
    if upload is None:
        return None
    limit = max_bytes()
    data = upload.stream.read(limit + 1)
    if not data:
        return None
    if len(data) > limit:
        raise InvalidInput(
            _(
                "The photo is larger than %(size)s MB: take it again at a lower resolution.",
                size=format_decimal(limit / 1_000_000, format="#,##0.#"),
            ),
            field="receipt",
        )
    try:
        with Image.open(io.BytesIO(data), formats=list(FORMATS)) as probe:
            kind = probe.format or ""
            if kind not in FORMATS:
                raise not_a_photo()
            probe.verify()
        with Image.open(io.BytesIO(data), formats=[kind]) as image:
            if kind == "JPEG":
                image.draft(None, kept_size(image.size))
            if image.width * image.height > MAX_DECODED_PIXELS:
                raise too_many_pixels(image.size)
            image.thumbnail((LONGEST_SIDE, LONGEST_SIDE))
            return Photo(encode(ImageOps.exif_transpose(image), kind), FORMATS[kind][0])
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise not_a_photo() from None


def kept_size(size: tuple[int, int]) -> tuple[int, int]:
    """The size a photo is kept at: its longest side at most LONGEST_SIDE pixels."""
    width, height = size
    scale = min(1.0, LONGEST_SIDE / max(width, height))
    return max(1, int(width * scale)), max(1, int(height * scale))


def too_many_pixels(size: tuple[int, int]) -> InvalidInput:
    return InvalidInput(
        _(
            "This photo is %(width)s × %(height)s pixels, too many to read: send one of at "
            "most %(megapixels)s megapixels, or take it again at a lower resolution.",
            width=format_decimal(size[0], format="#,##0"),
            height=format_decimal(size[1], format="#,##0"),
            megapixels=MAX_DECODED_PIXELS // 1_000_000,
        ),
        field="receipt",
    )


def encode(image: Image.Image, kind: str) -> bytes:
    """The image saved again with nothing but its pixels."""
    output = io.BytesIO()
    if kind == "JPEG":
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(output, "JPEG", quality=85, optimize=True)
    elif kind == "WEBP":
        image.save(output, "WEBP", quality=85)
    else:
        image.save(output, "PNG", optimize=True)
    return output.getvalue()


def store_photo(photo: Photo) -> str:
    """Write the photo under a new random name; returns the name."""
    folder = receipts_folder()
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}.{photo.extension}"
    partial = folder / f".{name}.part"
    partial.write_bytes(photo.data)
    os.replace(partial, folder / name)
    return name


def photo_path(name: str) -> Path | None:
    """Where a stored photo is, for a name Relais gave (anything else is refused)."""
    if not STORED_NAME.fullmatch(name):
        return None
    path = receipts_folder() / name
    return path if path.is_file() else None


def delete_photo(name: str) -> None:
    path = photo_path(name)
    if path is not None:
        path.unlink(missing_ok=True)
