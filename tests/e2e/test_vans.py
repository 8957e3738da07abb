"""A volunteer with a phone by the van: records a fill-up with a photo of the receipt
(a camera's photo of several MB, shrunk by the page before it is sent), then checks the
van out for a distribution and back in."""

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from PIL import Image

from app.extensions import db
from app.models import Role, User
from donations.models import FundSpending
from inventory.models import Site, SiteKind
from logistics import photos
from logistics.models import FillUp, Trip
from tests.conftest import PASSWORD
from tests.e2e.conftest import follow_menu, numbers, sign_in, wait_until
from tests.logistics.factories import add_vehicle


@pytest.fixture
def van(live_app: Flask) -> dict[str, Any]:
    """The Calais van at 84,200 km, and a volunteer working where it is based."""
    number = next(numbers)
    with live_app.app_context():
        site = Site(name=f"Entrepôt {number}", kind=SiteKind.WAREHOUSE, city="Calais")
        volunteer = User(
            email=f"driver{number}@relais.test", role=Role.VOLUNTEER, display_name="Victor"
        )
        volunteer.set_password(PASSWORD)
        volunteer.sites = [site]
        db.session.add_all([site, volunteer])
        db.session.flush()
        vehicle = add_vehicle(
            db.session,
            volunteer,
            site.id,
            name=f"Calais van {number}",
            plate=f"GH-{number:03d}-KT",
            odometer_km=84_200,
        )
        names = {"email": volunteer.email, "id": vehicle.id, "name": vehicle.name}
        db.session.commit()
        db.session.remove()
    return names


def camera_photo(path: Path) -> Path:
    """A 4000 by 3000 JPEG of about 4 MB, as a phone's camera takes them: more than the
    2 MB a request may carry."""
    gradient = Image.linear_gradient("L").resize((4000, 3000)).convert("RGB")
    grain = Image.effect_noise((1000, 750), 60).resize((4000, 3000)).convert("RGB")
    Image.blend(gradient, grain, 0.5).save(path, "JPEG", quality=95)
    assert path.stat().st_size > 2 * 1024 * 1024
    return path


def stored(live_app: Flask, vehicle_id: int) -> list[Any]:
    """Each fill-up of the vehicle: litres, cost, photo, and what it drew from a fund."""
    with live_app.app_context():
        found = [
            (
                fill_up.litres_cl,
                fill_up.cost_cents,
                fill_up.receipt_photo,
                [
                    spending.amount_cents
                    for spending in db.session.query(FundSpending).filter_by(
                        reference=fill_up.spending_reference
                    )
                ],
            )
            for fill_up in db.session.query(FillUp).filter_by(vehicle_id=vehicle_id)
        ]
        db.session.remove()
        return found


def test_a_fill_up_with_a_photo_of_the_receipt(
    phone: Any, live_server: str, live_app: Flask, van: dict[str, Any], tmp_path: Path
) -> None:
    page = phone()
    sign_in(page, live_server, van["email"])
    follow_menu(page, "Vans")
    page.get_by_role("link", name=f"Record a fill-up {van['name']}").click()
    assert page.get_by_text("Last odometer reading: 84,200 km.").is_visible()

    page.get_by_label("Odometer (km)").fill("84650")
    page.get_by_label("Litres").fill("42,57")
    page.get_by_label("Total cost (€)").fill("73,20")
    page.get_by_label("Cash").check()
    page.get_by_label("Paid from a donations fund").select_option(label="Fuel")
    page.get_by_label("Station").fill("Esso Marck")
    receipt = page.get_by_label("Photo of the receipt")
    receipt.set_input_files(str(camera_photo(tmp_path / "IMG_2041.jpg")))
    wait_until(
        page,
        "input => input.files[0].size < 1500000 && !input.hasAttribute('aria-busy')",
        receipt.element_handle(),
    )
    page.get_by_role("button", name="Record the fill-up").click()

    page.get_by_text("Fill-up recorded: 42.57 litres, €73.20.").wait_for()
    ((litres_cl, cost_cents, photo, drawn),) = stored(live_app, van["id"])
    assert (litres_cl, cost_cents, drawn) == (4257, 7320, [7320])
    with live_app.test_request_context():
        path = photos.photo_path(photo)
        assert path is not None
        assert Image.open(path).size == (2000, 1500)

    page.get_by_role("link", name="Photo").first.click()
    page.wait_for_url("**/receipt")
    assert page.evaluate("document.contentType") == "image/jpeg"
    assert page.problems == []


def test_a_bad_reading_is_refused_and_can_be_corrected(
    phone: Any, live_server: str, live_app: Flask, van: dict[str, Any]
) -> None:
    page = phone()
    sign_in(page, live_server, van["email"])
    page.goto(f"{live_server}/logistics/vehicles/{van['id']}/fuel")
    page.get_by_label("Odometer (km)").fill("84100")
    page.get_by_label("Litres").fill("95")
    page.get_by_label("Total cost (€)").fill("160")
    page.get_by_role("button", name="Record the fill-up").click()
    page.locator("#litres-error").get_by_text("95 litres is more than the tank of").wait_for()
    page.get_by_role("link", name="Litres: 95 litres is more than the tank of").wait_for()
    assert stored(live_app, van["id"]) == []
    page.get_by_label("Litres").fill("41")
    page.get_by_role("button", name="Record the fill-up").click()
    odometer = page.locator("#odometer_km-error")
    odometer.get_by_text(
        "The odometer reads 84,100 km, but 84,200 km was already recorded"
    ).wait_for()
    page.get_by_label("Odometer (km)").fill("84300")
    page.get_by_role("button", name="Record the fill-up").click()
    page.get_by_text("Fill-up recorded: 41 litres, €160.00.").wait_for()
    assert len(stored(live_app, van["id"])) == 1
    assert page.problems == []


def test_check_the_van_out_and_back_in(
    phone: Any, live_server: str, live_app: Flask, van: dict[str, Any]
) -> None:
    page = phone()
    sign_in(page, live_server, van["email"])
    page.goto(f"{live_server}/logistics/")
    page.get_by_role("link", name=f"Check out {van['name']}").click()
    page.get_by_label("Distribution").check()
    page.get_by_label("Where to (optional)").fill("Fort Nieulay")
    assert page.get_by_label("Odometer when leaving (km)").input_value() == "84200"
    page.get_by_role("button", name="Check out").click()

    page.get_by_text(f"{van['name']} is out with Victor.").wait_for()
    card = page.locator("#board li", has_text=van["name"])
    assert card.get_by_text("Out with Victor").is_visible()
    assert card.get_by_text("Fort Nieulay").is_visible()

    card.get_by_role("link", name=f"Check in {van['name']}").click()
    page.get_by_label("Odometer on return (km)").fill("84263")
    page.get_by_label("Notes").fill("Plus de couvertures demain")
    page.get_by_role("button", name="Check in").click()
    page.get_by_text(f"{van['name']} is back: 63 km driven.").wait_for()
    card = page.locator("#board li", has_text=van["name"])
    assert card.get_by_text("Available, based at").is_visible()
    with live_app.app_context():
        (trip,) = db.session.query(Trip).filter_by(vehicle_id=van["id"]).all()
        assert (trip.odometer_out, trip.odometer_in) == (84_200, 84_263)
        db.session.remove()
    assert page.problems == []
