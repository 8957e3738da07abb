"""A hosting coordinator on a phone, in the evening: records three groups asking for a
roof (counts only), places two with hosts who have the beds and take them, books the van
that takes them, and closes the night with one group not placed."""

from typing import Any

import pytest
from flask import Flask

from app.extensions import db
from app.models import Role, User
from inventory.models import Site, SiteKind
from logistics.models import Trip, TripPurpose
from tests.conftest import PASSWORD
from tests.e2e.conftest import numbers, sign_in
from tests.logistics.factories import add_vehicle
from tests.people.hosting_factories import add_host, hosting_team


@pytest.fixture
def night(live_app: Flask) -> dict[str, Any]:
    """A team with a nine-seater van and two hosts tonight, neither taking minors alone:
    one with four beds for families, one with two beds for adults."""
    number = next(numbers)
    with live_app.app_context():
        site = Site(name=f"Porte {number}", kind=SiteKind.WAREHOUSE, city="Paris")
        coordinator = User(
            email=f"hosting{number}@relais.test",
            role=Role.HOSTING_COORDINATOR,
            display_name=f"Hélène {number}",
        )
        coordinator.set_password(PASSWORD)
        coordinator.sites = [site]
        db.session.add_all([site, coordinator])
        db.session.flush()
        team = hosting_team(db.session, site)
        add_host(
            db.session, coordinator, team, name="Host A", town=f"Montreuil {number}", beds=4,
            takes_minors_alone=False,
        )  # fmt: skip
        add_host(
            db.session, coordinator, team, name="Host B", town=f"Pantin {number}", beds=2,
            takes_families=False, takes_children_under_10=False, takes_minors_alone=False,
        )  # fmt: skip
        van = add_vehicle(
            db.session, coordinator, site.id, name=f"Minibus {number}",
            plate=f"MB-{number:03d}-PA", seats=9, odometer_km=121_500,
        )  # fmt: skip
        found = {
            "email": coordinator.email,
            "team": team.name,
            "van_id": van.id,
            "van": van.name,
            "towns": (f"Montreuil {number}", f"Pantin {number}"),
        }
        db.session.commit()
        db.session.remove()
    return found


def record(page: Any, adults: str, minors: str, children: str, family: bool) -> None:
    page.get_by_label("Adults").fill(adults)
    page.get_by_label("Minors (10 to 17)").fill(minors)
    page.get_by_label("Children under 10").fill(children)
    if family:
        page.get_by_label("A family").check()
    page.get_by_role("button", name="Record the group").click()
    people = int(adults or 0) + int(minors or 0) + int(children or 0)
    who = "1 person" if people == 1 else f"{people} people"
    page.get_by_text(f"A group of {who} is recorded.").wait_for()


def place(page: Any, index: int, town: str) -> None:
    group = page.locator("li[data-group]").nth(index)
    option = group.locator("option", has_text=town).get_attribute("value")
    group.get_by_label("Host").select_option(option)
    group.get_by_role("button", name="Place").click()
    page.get_by_text(f"The group is placed in {town}.").wait_for()


def trips_for_hosts(live_app: Flask, van_id: int) -> list[str]:
    with live_app.app_context():
        found = [
            trip.destination
            for trip in db.session.query(Trip).filter_by(
                vehicle_id=van_id, purpose=TripPurpose.EMERGENCY_HOSTING
            )
        ]
        db.session.remove()
        return found


def test_record_three_groups_place_two_book_the_van_and_close_the_night(
    phone: Any, live_server: str, live_app: Flask, night: dict[str, Any]
) -> None:
    page = phone()
    sign_in(page, live_server, night["email"])
    page.get_by_role("link", name="Hosting").first.click()
    page.get_by_role("link", name=f"Tonight · {night['team']}").click()
    assert page.get_by_text("never write a name").is_visible()

    record(page, "2", "", "2", family=True)
    record(page, "2", "0", "0", family=False)
    record(page, "0", "1", "0", family=False)

    montreuil, pantin = night["towns"]
    place(page, 0, montreuil)
    place(page, 1, pantin)
    minor_alone = page.locator("li[data-group]").nth(2)
    assert minor_alone.get_by_text("No host available takes this group tonight.").is_visible()

    page.get_by_label("Vehicle").select_option(label=f"{night['van']} (9)")
    page.get_by_label("Odometer when leaving (km)").fill("121500")
    page.get_by_role("button", name="Book the van").click()
    page.get_by_text(f"{night['van']} is booked for 6 people.").wait_for()
    assert trips_for_hosts(live_app, night["van_id"]) == [f"{montreuil}, {pantin}"]

    page.get_by_role("button", name="Close the night").click()
    page.get_by_text("The night is closed: 2 groups placed, 1 group not placed.").wait_for()
    assert page.get_by_text("1 group not placed").first.is_visible()
    assert page.get_by_role("button", name="Record the group").count() == 0
    assert page.problems == []
