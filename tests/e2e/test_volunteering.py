"""A volunteer's first days, on a phone: they sign up on the public page, a coordinator
accepts them, they sign in through the emailed link, take a shift and book a bed, paid
through the demo gateway."""

import re
from datetime import time, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from app.clock import local_today
from app.extensions import db
from app.models import Role, User
from inventory.models import Site, SiteKind
from logistics.models import Team
from people.models import BedBooking, BedPlace, BookingStatus, Shift, ShiftKind
from tests.conftest import PASSWORD
from tests.e2e.conftest import numbers, sign_in


@pytest.fixture
def camp(live_app: Flask) -> dict[str, Any]:
    """A team with a shift today that needs two people, a bungalow at 5 € a night, and a
    coordinator."""
    number = next(numbers)
    with live_app.app_context():
        site = Site(name=f"Entrepôt bénévoles {number}", kind=SiteKind.WAREHOUSE, city="Calais")
        coordinator = User(
            email=f"volunteer-coordinator{number}@relais.test", role=Role.COORDINATOR
        )
        coordinator.set_password(PASSWORD)
        db.session.add_all([site, coordinator])
        db.session.flush()
        team = Team(name=f"Calais {number}", departure_site_id=site.id)
        db.session.add(team)
        db.session.flush()
        db.session.add_all(
            [
                Shift(
                    team_id=team.id,
                    day=local_today(),
                    kind=ShiftKind.EVENING,
                    starts_at=time(18),
                    ends_at=time(22),
                    needed=2,
                ),
                BedPlace(name=f"Bungalow {number}", beds=6, price_cents=500, team_id=team.id),
            ]
        )
        names = {
            "team": team.name,
            "coordinator": coordinator.email,
            "place": f"Bungalow {number}",
            "email": f"marie{number}@example.org",
            "name": f"Marie Bénévole {number}",
        }
        db.session.commit()
        db.session.remove()
    return names


def sign_in_link(live_app: Flask, email: str) -> str:
    for path in sorted((Path(live_app.instance_path) / "outbox").glob("*.eml"), reverse=True):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        if message["To"] == email:
            found = re.search(r"(http://\S+/volunteer/sign-in/\S+)", message.get_content())
            assert found is not None
            return found.group(1)
    raise AssertionError(f"no sign-in link was sent to {email}")


def test_a_volunteer_signs_up_is_accepted_takes_a_shift_and_books_a_bed(
    phone: Any, live_server: str, live_app: Flask, camp: dict[str, Any]
) -> None:
    today = local_today()
    page = phone()
    page.goto(f"{live_server}/volunteer")
    page.get_by_label("Your name").fill(camp["name"])
    page.get_by_label("Email").fill(camp["email"])
    page.get_by_label("Languages you speak").fill("French, Arabic")
    page.get_by_label("Yes").check()
    page.get_by_label("Arrival day").fill(today.isoformat())
    page.get_by_label("Departure day").fill((today + timedelta(days=3)).isoformat())
    page.get_by_label("Team").select_option(label=camp["team"])
    page.get_by_label("I need a bed").check()
    page.get_by_label("I agree that the coordinators contact me").check()
    page.get_by_role("button", name="Sign up").click()
    page.get_by_text("A coordinator will read your sign-up").wait_for()

    desk = phone()
    sign_in(desk, live_server, camp["coordinator"])
    desk.goto(f"{live_server}/people/volunteers")
    desk.get_by_role("button", name=f"Accept {camp['name']}").click()
    desk.get_by_text(f"{camp['name']} is accepted").wait_for()

    page.goto(sign_in_link(live_app, camp["email"]))
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text(f"Welcome, {camp['name']}!").wait_for()
    page.get_by_role("button", name="Take this shift").click()
    page.get_by_text("You are on Evening").wait_for()
    assert page.get_by_text(f"On: {camp['name']}").is_visible()

    page.goto(f"{live_server}/people/beds/book")
    page.get_by_label("Place").select_option(label=f"{camp['place']} · €5.00 a night")
    page.get_by_role("button", name="Book", exact=True).click()
    page.get_by_text("3 nights").wait_for()
    page.get_by_role("button", name="Pay €15.00 online").click()
    page.get_by_role("button", name="Pay (demo)").click()
    page.get_by_text("Paid: thank you, your bed is waiting.").wait_for()
    assert page.problems == [] and desk.problems == []
    with live_app.app_context():
        booking = db.session.scalars(
            select(BedBooking).join(BedPlace).where(BedPlace.name == camp["place"])
        ).one()
        assert booking.status == BookingStatus.PAID and booking.amount_cents == 1500
        db.session.remove()
