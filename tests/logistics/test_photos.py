"""Receipt photos that are small files but huge images: the pixels are counted before
anything is decoded, a JPEG is decoded already shrunk, and the memory a photo costs
stays small (measured in a process of its own)."""

import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from PIL import Image

from logistics.models import FillUp, Vehicle
from tests.logistics.conftest import count, file_part

ROOT = Path(__file__).resolve().parents[2]

# In a fresh process: the peak memory (resident set) grows by how much while Relais reads
# the photo given as argument, and what it answers.
MEASURE = """
import io, json, resource, sys
from pathlib import Path
from werkzeug.datastructures import FileStorage
from app import create_app
from app.errors import InvalidInput
from logistics import photos
from tests.conftest import config_for_tests

app = create_app(config_for_tests("sqlite://", Path(sys.argv[2])))
data = Path(sys.argv[1]).read_bytes()
with app.test_request_context(headers={"Accept-Language": "en"}):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        photo = photos.read_photo(FileStorage(io.BytesIO(data)))
        outcome = "kept" if photo else "none"
    except InvalidInput as error:
        outcome = error.message
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
print(json.dumps({"outcome": outcome, "grown_mb": grown / 1024}))
"""


# Made once per size (bytes do not change): encoding tens of megapixels takes a while.
@cache
def png_of_one_colour(size: tuple[int, int]) -> bytes:
    """A PNG of one colour: a few hundred kilobytes for millions of pixels."""
    buffer = io.BytesIO()
    Image.new("1", size, 1).save(buffer, "PNG")
    return buffer.getvalue()


@cache
def grey_jpeg(size: tuple[int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("L", size, 200).save(buffer, "JPEG", quality=50)
    return buffer.getvalue()


def measured(data: bytes, tmp_path: Path) -> dict[str, Any]:
    photo = tmp_path / "photo"
    photo.write_bytes(data)
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(photo), str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(sys.platform != "linux", reason="reads the peak memory as Linux counts it")
def test_a_small_png_of_8000_by_5000_pixels_is_refused_without_decoding_it(
    tmp_path: Path,
) -> None:
    data = png_of_one_colour((8000, 5000))
    assert len(data) < 200_000
    result = measured(data, tmp_path)
    assert result["outcome"].startswith("This photo is 8,000 × 5,000 pixels, too many to read")
    assert result["grown_mb"] < 30, result


@pytest.mark.skipif(sys.platform != "linux", reason="reads the peak memory as Linux counts it")
def test_a_48_megapixel_jpeg_is_decoded_small(tmp_path: Path) -> None:
    result = measured(grey_jpeg((8000, 6000)), tmp_path)
    assert result["outcome"] == "kept"
    assert result["grown_mb"] < 60, result


@pytest.fixture
def van(make_vehicle: Callable[..., Vehicle]) -> Vehicle:
    return make_vehicle(name="Calais van", tank_litres=80, odometer_km=10_000)


def post_fill_up(client: FlaskClient, vehicle: Vehicle, photo: bytes, name: str) -> Any:
    return client.post(
        f"/logistics/vehicles/{vehicle.id}/fuel",
        data={
            "filled_on": "2025-06-02",
            "odometer_km": "10500",
            "litres": "42,57",
            "cost": "73,20",
            "paid_by": "organisation_card",
            "receipt": file_part(photo, name),
        },
        content_type="multipart/form-data",
    )


def test_the_fill_up_form_says_the_photo_has_too_many_pixels(
    volunteer: FlaskClient,
    db_session: Any,
    van: Vehicle,
    receipts_folder: Callable[[], set[str]],
) -> None:
    response = post_fill_up(volunteer, van, png_of_one_colour((8000, 5000)), "scan.png")
    assert response.status_code == 422
    assert (
        "This photo is 8,000 × 5,000 pixels, too many to read: send one of at most 12 "
        "megapixels, or take it again at a lower resolution."
    ) in response.get_data(as_text=True)
    assert count(db_session, FillUp) == 0 and receipts_folder() == set()


def test_a_large_phone_photo_is_kept_at_2000_pixels_a_side(
    volunteer: FlaskClient, db_session: Any, van: Vehicle
) -> None:
    response = post_fill_up(volunteer, van, grey_jpeg((8000, 6000)), "IMG_0001.jpg")
    assert response.status_code == 303, response.get_data(as_text=True)
    fill_up = db_session.query(FillUp).one()
    stored = volunteer.get(f"/logistics/fuel/{fill_up.id}/receipt")
    assert Image.open(io.BytesIO(stored.data)).size == (2000, 1500)
