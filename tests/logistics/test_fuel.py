"""The fill-up form on a phone, the receipt photo, every refused input (with nothing
written), a double press, the fuel log and its CSV, and voiding a wrong entry."""

import csv
import io
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from PIL import Image

from app.models import Role
from donations.models import FundSpending
from logistics.models import FillUp, Vehicle
from tests.logistics.conftest import count, file_part, image_bytes

DAY = "2025-06-02"


def fill_form(**overrides: Any) -> dict[str, Any]:
    """What a volunteer types at the pump: French decimal commas."""
    return {
        "filled_on": DAY,
        "odometer_km": "10500",
        "litres": "42,57",
        "cost": "73,20",
        "full_tank": "y",
        "paid_by": "organisation_card",
        "fund": "",
        "station": "Total Calais",
        **overrides,
    }


def post_fill_up(client: FlaskClient, vehicle: Vehicle, **form: Any) -> Any:
    return client.post(
        f"/logistics/vehicles/{vehicle.id}/fuel",
        data=fill_form(**form),
        content_type="multipart/form-data",
    )


@pytest.fixture
def van(make_vehicle: Callable[..., Vehicle]) -> Vehicle:
    return make_vehicle(name="Calais van", tank_litres=80, odometer_km=10_000)


def test_a_volunteer_records_a_fill_up_with_the_photo_of_its_receipt(
    volunteer: FlaskClient, db_session: Any, van: Vehicle, receipts_folder: Callable[[], set[str]]
) -> None:
    form = volunteer.get(f"/logistics/vehicles/{van.id}/fuel")
    assert form.status_code == 200
    html = form.get_data(as_text=True)
    assert (
        'enctype="multipart/form-data"' in html
        and 'accept="image/jpeg,image/png,image/webp"' in html
    )
    assert "Last odometer reading: 10,000 km. The tank holds 80 litres." in html

    exif = Image.Exif()
    exif[0x010E] = "Rue des Fontinettes, 48.9N 2.3E"  # ImageDescription
    exif[0x0112] = 6  # Orientation: turned a quarter
    photo = image_bytes("JPEG", (60, 40), exif=exif.tobytes())
    response = post_fill_up(volunteer, van, receipt=file_part(photo, "IMG_0042.HEIC.jpg"))

    assert response.status_code == 303, response.get_data(as_text=True)
    assert response.headers["Location"] == f"/logistics/vehicles/{van.id}"
    fill_up = db_session.query(FillUp).one()
    assert (fill_up.litres_cl, fill_up.cost_cents, fill_up.odometer_km) == (4257, 7320, 10500)
    assert fill_up.full_tank and not fill_up.missed_previous and fill_up.station == "Total Calais"
    assert receipts_folder() == {fill_up.receipt_photo}
    assert "IMG" not in fill_up.receipt_photo and fill_up.receipt_photo.endswith(".jpg")
    assert "Fill-up recorded: 42.57 litres, €73.20." in volunteer.get(
        response.headers["Location"]
    ).get_data(as_text=True)

    served = volunteer.get(f"/logistics/fuel/{fill_up.id}/receipt")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    stored = Image.open(io.BytesIO(served.data))
    assert stored.format == "JPEG" and stored.size == (40, 60), "turned upright"
    assert not stored.getexif(), "a phone's metadata (where it was) is not kept"


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"litres": "-5"}, "The litres must be more than 0."),
        ({"litres": "0"}, "The litres must be more than 0."),
        ({"litres": "5000"}, "5,000 litres is more than the tank of Calais van holds (80 litres)."),
        ({"litres": "80,5"}, "80.5 litres is more than the tank of Calais van holds (80 litres)."),
        ({"litres": "42,575"}, "Litres have at most two decimals, such as 42.57."),
        ({"litres": "lots"}, "“lots” is not a number."),
        ({"litres": ""}, "Please fill in this field."),
        ({"cost": "73,205"}, "An amount has at most two decimals."),
        ({"cost": "0"}, "The cost must be more than 0."),
        ({"cost": "2,00"}, "That makes €0.05 a litre: check the litres and the cost."),
        ({"cost": "7320"}, "€7,320.00 for one fill-up is too much to be right: check the cost."),
        ({"odometer_km": "-3"}, "The odometer reading must be between 0 and 2,000,000 km."),
        (
            {"odometer_km": "9999"},
            "The odometer reads 9,999 km, but 10,000 km was already recorded",
        ),
        ({"odometer_km": "12.5"}, "“12.5” is not a whole number."),
        ({"filled_on": "2999-01-01"}, "The date cannot be in the future."),
        ({"filled_on": "yesterday"}, "“yesterday” is not a date."),
        ({"paid_by": "the mayor"}, "Say who paid."),
        ({"fund": "no-such-fund"}, "There is no fund no-such-fund."),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_written(
    volunteer: FlaskClient,
    db_session: Any,
    van: Vehicle,
    receipts_folder: Callable[[], set[str]],
    form: dict[str, str],
    message: str,
) -> None:
    photo = file_part(image_bytes())
    response = post_fill_up(volunteer, van, receipt=photo, **form)
    assert response.status_code in (404, 422)
    page = response.get_data(as_text=True)
    assert message in page.replace("&#34;", '"').replace("&#39;", "'")
    assert 'name="litres"' in page, "the form is shown again to be corrected"
    assert count(db_session, FillUp) == 0 and count(db_session, FundSpending) == 0
    assert receipts_folder() == set()


def test_an_odometer_lower_than_the_previous_fill_up_is_refused(
    volunteer: FlaskClient, db_session: Any, van: Vehicle, fill: Callable[..., FillUp]
) -> None:
    fill(van, date(2025, 6, 1), 10_600, "40", 6800)
    response = post_fill_up(volunteer, van, odometer_km="10450")
    assert response.status_code == 422
    assert (
        "The odometer reads 10,450 km, but 10,600 km was already recorded on 1 Jun 2025. "
        "Check the reading." in response.get_data(as_text=True)
    )
    assert count(db_session, FillUp) == 1


def test_a_fill_up_typed_in_late_must_fit_before_the_later_readings(
    volunteer: FlaskClient, db_session: Any, van: Vehicle, fill: Callable[..., FillUp]
) -> None:
    fill(van, date(2025, 6, 10), 11_000, "40", 6800)
    too_high = post_fill_up(volunteer, van, filled_on="2025-06-05", odometer_km="11200")
    assert too_high.status_code == 422
    assert "but 11,000 km was recorded later, on 10 Jun 2025" in too_high.get_data(as_text=True)
    fits = post_fill_up(volunteer, van, filled_on="2025-06-05", odometer_km="10700")
    assert fits.status_code == 303
    assert count(db_session, FillUp) == 2


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (image_bytes("GIF"), "receipt.gif", "This file is not a photo Relais accepts"),
        (
            b"%PDF-1.7\n1 0 obj <<>> endobj\n",
            "receipt.jpg",
            "This file is not a photo Relais accepts",
        ),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "receipt.png", "not a photo Relais accepts"),
        (image_bytes("JPEG")[:200], "cut-short.jpg", "This file is not a photo Relais accepts"),
        (image_bytes() + bytes(1_600_000), "huge.jpg", "The photo is larger than 1.5 MB"),
    ],
)
def test_a_bad_photo_is_refused_and_nothing_is_written(
    volunteer: FlaskClient,
    db_session: Any,
    van: Vehicle,
    receipts_folder: Callable[[], set[str]],
    data: bytes,
    name: str,
    message: str,
) -> None:
    response = post_fill_up(volunteer, van, receipt=file_part(data, name))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count(db_session, FillUp) == 0 and receipts_folder() == set()


def test_an_upload_beyond_the_request_limit_is_refused(
    volunteer: FlaskClient, db_session: Any, van: Vehicle, receipts_folder: Callable[[], set[str]]
) -> None:
    response = post_fill_up(volunteer, van, receipt=file_part(b"\xff" * 2_200_000))
    assert response.status_code == 413
    assert "The upload is too large." in response.get_data(as_text=True)
    assert count(db_session, FillUp) == 0 and receipts_folder() == set()


def test_png_and_webp_photos_are_accepted_as_they_are(
    volunteer: FlaskClient, db_session: Any, van: Vehicle
) -> None:
    for number, (kind, mimetype) in enumerate([("PNG", "image/png"), ("WEBP", "image/webp")]):
        response = post_fill_up(
            volunteer,
            van,
            odometer_km=str(10_500 + number),
            receipt=file_part(image_bytes(kind), "photo.jpg"),
        )
        assert response.status_code == 303
        fill_up = db_session.query(FillUp).order_by(FillUp.id.desc()).first()
        assert volunteer.get(f"/logistics/fuel/{fill_up.id}/receipt").mimetype == mimetype


def test_pressing_twice_records_one_fill_up(
    volunteer: FlaskClient, db_session: Any, van: Vehicle, receipts_folder: Callable[[], set[str]]
) -> None:
    for _ in range(2):
        response = post_fill_up(
            volunteer,
            van,
            event_id="fill-up-press-1",
            fund="fuel",
            receipt=file_part(image_bytes()),
        )
        assert response.status_code == 303
    assert count(db_session, FillUp) == 1 and count(db_session, FundSpending) == 1
    assert len(receipts_folder()) == 1


def test_the_receipt_is_shown_only_to_those_who_see_the_fuel_log(
    app: Any,
    client_as: Callable[[Role], FlaskClient],
    db_session: Any,
    van: Vehicle,
    volunteer: FlaskClient,
) -> None:
    post_fill_up(volunteer, van, receipt=file_part(image_bytes()))
    fill_up = db_session.query(FillUp).one()
    url = f"/logistics/fuel/{fill_up.id}/receipt"
    assert client_as(Role.TREASURER).get(url).status_code == 200
    anonymous = app.test_client().get(url)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    post_fill_up(volunteer, van, odometer_km="10600")
    without = db_session.query(FillUp).order_by(FillUp.id.desc()).first()
    assert volunteer.get(f"/logistics/fuel/{without.id}/receipt").status_code == 404


def test_the_fuel_log_lists_every_vehicle_and_exports_a_csv(
    client_as: Callable[[Role], FlaskClient],
    make_vehicle: Callable[..., Vehicle],
    van: Vehicle,
    fill: Callable[..., FillUp],
) -> None:
    minibus = make_vehicle(name="=Paris minibus", tank_litres=70)
    fill(van, date(2025, 6, 1), 10_400, "42.57", 7320, fund_code="fuel")
    fill(minibus, date(2025, 6, 3), 10_300, "30", 5100, full_tank=False)
    treasurer = client_as(Role.TREASURER)
    page = treasurer.get("/logistics/fuel").get_data(as_text=True)
    assert "2 fill-ups" in page and "Calais van" in page and "=Paris minibus" in page
    assert "from the Fuel fund" in page and "Partial" in page
    only_van = treasurer.get(f"/logistics/fuel?vehicle={van.id}").get_data(as_text=True)
    assert "1 fill-up" in only_van and "=Paris minibus</a>" not in only_van
    assert "Void" not in page, "the treasurer reads the log; coordinators correct it"

    rows = list(
        csv.reader(io.StringIO(treasurer.get("/logistics/fuel.csv").get_data(as_text=True)))
    )
    assert rows[0][:5] == ["Date", "Vehicle", "Odometer (km)", "Litres", "Cost"]
    assert rows[1][:5] == ["2025-06-03", "'=Paris minibus", "10300", "30.00", "51.00"]
    assert rows[2][9] == "fuel" and rows[2][5] == "yes" and rows[1][5] == "no"


def test_a_coordinator_voids_a_wrong_fill_up_and_its_money_goes_back(
    coordinator: FlaskClient,
    volunteer: FlaskClient,
    db_session: Any,
    van: Vehicle,
    fill: Callable[..., FillUp],
) -> None:
    wrong = fill(van, date(2025, 6, 1), 10_400, "42.57", 7320, fund_code="fuel")
    assert volunteer.post(f"/logistics/fuel/{wrong.id}/void").status_code == 403
    response = coordinator.post(f"/logistics/fuel/{wrong.id}/void", data={"reason": "typed twice"})
    assert response.status_code == 303
    db_session.refresh(wrong)
    assert wrong.voided and wrong.void_reason == "typed twice"
    spending = db_session.query(FundSpending).one()
    assert spending.cancelled
    page = coordinator.get(response.headers["Location"]).get_data(as_text=True)
    assert "The fill-up is voided: it no longer counts." in page and "Voided" in page
    again = coordinator.post(f"/logistics/fuel/{wrong.id}/void")
    assert again.status_code == 409
    assert "This fill-up was already voided." in again.get_data(as_text=True)


def test_today_is_the_default_date_and_the_last_reading_is_shown(
    volunteer: FlaskClient, van: Vehicle
) -> None:
    from app.clock import local_today

    html = volunteer.get(f"/logistics/vehicles/{van.id}/fuel").get_data(as_text=True)
    assert f'value="{local_today().isoformat()}"' in html
    assert (local_today() - timedelta(days=1)).isoformat() not in html
