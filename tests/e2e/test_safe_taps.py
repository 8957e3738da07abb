"""One-tap traps on a phone: distributing and scrapping ask first, a send needs a
destination and is not checked straight back in, a crate on a van says so instead of
offering a check-in, and a distributed crate's label is packed again."""

from typing import Any

import pytest
from flask import Flask

from app.clock import local_today
from app.extensions import db
from app.models import Role, User
from inventory.models import Crate, CrateState, Item, Site, SiteKind, Unit
from logistics import services
from tests.conftest import PASSWORD
from tests.e2e.conftest import numbers, packed_crates, sign_in
from tests.logistics.factories import add_team, add_vehicle, distribution_input


@pytest.fixture
def world(live_app: Flask) -> dict[str, Any]:
    """A coordinator, a warehouse and a distribution point, soap in the catalogue and a
    crate of 10 soaps in the warehouse."""
    number = next(numbers)
    with live_app.app_context():
        warehouse = Site(name=f"Entrepôt taps {number}", kind=SiteKind.WAREHOUSE, city="Calais")
        place = Site(
            name=f"Verrotières taps {number}", kind=SiteKind.DISTRIBUTION_POINT, city="Calais"
        )
        soap = Item(
            category="hygiene", name_fr=f"Savon {number}", name_en=f"Soap {number}", unit=Unit.PIECE
        )
        coordinator = User(email=f"taps{number}@relais.test", role=Role.COORDINATOR)
        coordinator.set_password(PASSWORD)
        db.session.add_all([warehouse, place, soap, coordinator])
        db.session.flush()
        (crate,) = packed_crates(db.session, coordinator, warehouse.id, soap.id, 10)
        names = {
            "email": coordinator.email,
            "coordinator_id": coordinator.id,
            "warehouse": warehouse.name,
            "warehouse_id": warehouse.id,
            "place": place.name,
            "place_id": place.id,
            "soap": soap.name_en,
            "code": crate.code,
        }
        db.session.commit()
        db.session.remove()
    return names


def state_of(live_app: Flask, code: str) -> tuple[CrateState, str | None]:
    with live_app.app_context():
        crate = db.session.query(Crate).filter_by(code=code).one()
        found = (crate.state, crate.site.name if crate.site else None)
        db.session.remove()
        return found


def open_crate(page: Any, live_server: str, world: dict[str, Any]) -> None:
    sign_in(page, live_server, world["email"])
    page.goto(f"{live_server}/inventory/scan")
    with page.expect_navigation():
        page.get_by_label("I am at").select_option(label=world["warehouse"])
    page.goto(f"{live_server}/inventory/crates/{world['code']}")


def test_distribute_asks_first_and_the_label_is_packed_again(
    phone: Any, live_server: str, live_app: Flask, world: dict[str, Any]
) -> None:
    page = phone()
    open_crate(page, live_server, world)
    page.get_by_text("Mark distributed", exact=True).click()
    assert page.get_by_text("Was everything in crate").is_visible()
    assert state_of(live_app, world["code"])[0] == CrateState.IN_STOCK
    page.get_by_role("button", name="Yes, mark distributed").click()
    page.get_by_text("marked distributed").wait_for()
    assert state_of(live_app, world["code"])[0] == CrateState.DISTRIBUTED

    page.goto(f"{live_server}/inventory/scan")
    page.get_by_label("Crate code").fill(world["code"])
    page.get_by_role("button", name="Open crate").click()
    page.wait_for_url(f"**/inventory/crates/{world['code']}")
    page.get_by_role("button", name="Pack this crate again").click()
    page.wait_for_url(f"**/inventory/crates/{world['code']}/pack")
    assert page.get_by_text("is empty again").is_visible()
    page.get_by_label("Find an item").fill(world["soap"][:4].lower())
    page.get_by_role("button", name=world["soap"]).click()
    line = page.locator("fieldset.line").filter(has=page.locator("legend", has_text=world["soap"]))
    line.get_by_label("Quantity").fill("6")
    page.get_by_role("button", name="Pack and check in").click()
    page.wait_for_url(f"**/inventory/crates/{world['code']}")
    assert state_of(live_app, world["code"]) == (CrateState.IN_STOCK, world["warehouse"])
    timeline = page.locator("ol.timeline")
    assert timeline.get_by_text("a new life begins").is_visible()
    assert timeline.get_by_text("Packed", exact=True).count() == 2
    assert page.problems == []


def test_scrap_asks_first(
    phone: Any, live_server: str, live_app: Flask, world: dict[str, Any]
) -> None:
    page = phone()
    open_crate(page, live_server, world)
    page.get_by_text("Scrap this crate").click()
    assert page.get_by_text("This cannot be undone").is_visible()
    page.get_by_label("Why?").fill("Soaked in the rain")
    page.get_by_role("button", name="Yes, scrap it").click()
    page.get_by_text("scrapped.").wait_for()
    assert state_of(live_app, world["code"])[0] == CrateState.SCRAPPED
    assert page.get_by_role("button", name="Pack this crate again").is_visible()
    assert page.problems == []


def test_send_needs_a_destination_and_offers_no_check_in_where_it_left(
    phone: Any, live_server: str, live_app: Flask, world: dict[str, Any]
) -> None:
    page = phone()
    open_crate(page, live_server, world)
    destination = page.get_by_label("Send to")
    assert destination.input_value() == ""
    page.get_by_role("button", name="Send", exact=True).click()
    assert destination.evaluate("select => select.validity.valueMissing")
    assert state_of(live_app, world["code"])[0] == CrateState.IN_STOCK

    destination.select_option(label=world["place"])
    page.get_by_role("button", name="Send", exact=True).click()
    page.get_by_text(f"on its way to {world['place']}").wait_for()
    assert page.get_by_role("button", name="Check in at", exact=False).count() == 0
    page.reload()
    assert page.get_by_role("button", name="Check in at", exact=False).count() == 0
    assert page.get_by_text(f"checked in at {world['place']} when it arrives").is_visible()
    assert state_of(live_app, world["code"])[0] == CrateState.IN_TRANSIT
    assert page.problems == []


def test_a_crate_on_a_van_shows_its_run_and_no_check_in(
    phone: Any, live_server: str, live_app: Flask, world: dict[str, Any]
) -> None:
    number = next(numbers)
    with live_app.app_context():
        coordinator = db.session.get(User, world["coordinator_id"])
        team = add_team(db.session, f"Taps team {number}", world["warehouse_id"])
        van = add_vehicle(
            db.session,
            coordinator,
            world["warehouse_id"],
            name=f"Calais van {number}",
            plate=f"TV-{number:03d}-AA",
            odometer_km=1000,
        )
        distribution = services.plan_distribution(
            db.session,
            actor=coordinator,
            team_id=team.id,
            day=local_today(),
            data=distribution_input(world["place_id"], vehicle_id=van.id, label="Lunch"),
        )
        services.load_crate(
            db.session, actor=coordinator, distribution_id=distribution.id, code=world["code"]
        )
        db.session.commit()
        db.session.remove()

    page = phone()
    open_crate(page, live_server, world)
    assert page.get_by_text("On a van", exact=True).is_visible()
    assert page.get_by_text(f"On Calais van {number}, Lunch at {world['place']}").is_visible()
    assert page.get_by_role("button", name="Check in at", exact=False).count() == 0
    assert page.get_by_text("In stock", exact=True).count() == 0

    page.get_by_role("link", name="Open the run to take it off the van").click()
    page.wait_for_url("**/logistics/distributions/*")
    page.get_by_role("button", name="Take off the van").first.click()
    page.get_by_text("is back in the warehouse").wait_for()
    assert state_of(live_app, world["code"]) == (CrateState.IN_STOCK, world["warehouse"])
    assert page.problems == []
