"""Races on PostgreSQL, with real commits: volunteers pressing "Take this shift" on its
last place at the same moment, and bookings for a bungalow's last bed at once. Exactly
one wins each time; the others are told why.

These tests cannot use the rolled-back `db_session`: the module's fixture commits its own
team, volunteers, shift and place, and empties the tables when the module is done."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import time, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from app.clock import local_today
from app.errors import Conflict
from app.extensions import db
from app.models import Role, User
from inventory.models import Site, SiteKind
from logistics.models import Team
from people.models import BedBooking, Shift, ShiftKind, ShiftPlace, Volunteer
from people.services import beds, volunteers
from tests.conftest import PASSWORD, truncate_all_but_reference_data
from tests.people.conftest import sign_up_of
from tests.races import POSTGRES_ONLY, all_at_once, tokens_for

pytestmark = POSTGRES_ONLY

PEOPLE = 6


@dataclass
class World:
    app: Flask
    team_id: int
    volunteer_ids: list[int]
    tokens: list[str]


@pytest.fixture(scope="module")
def world(app: Flask) -> Iterator[World]:
    with app.app_context():
        site = Site(name="Course Calais", kind=SiteKind.WAREHOUSE, city="Calais")
        coordinator = User(email="race-coordinator@relais.test", role=Role.COORDINATOR)
        coordinator.set_password(PASSWORD)
        db.session.add_all([site, coordinator])
        db.session.flush()
        team = Team(name="Course", departure_site_id=site.id)
        db.session.add(team)
        db.session.flush()
        ids, emails = [], []
        for _ in range(PEOPLE):
            volunteer = volunteers.sign_up(
                db.session, sign_up_of(team.id), today=local_today()
            ).volunteer
            assert volunteer is not None
            volunteers.accept_volunteer(db.session, actor=coordinator, volunteer_id=volunteer.id)
            assert volunteer.user is not None
            volunteer.user.set_password(PASSWORD)
            ids.append(volunteer.id)
            emails.append(volunteer.email)
        db.session.commit()
        team_id = team.id
        db.session.remove()
    try:
        yield World(app, team_id, ids, tokens_for(app, emails))
    finally:
        truncate_all_but_reference_data(app)


def test_volunteers_taking_the_last_place_of_a_shift_at_once(world: World) -> None:
    app = world.app
    with app.app_context():
        shift = Shift(
            team_id=world.team_id,
            day=local_today() + timedelta(days=1),
            kind=ShiftKind.EVENING,
            starts_at=time(18),
            ends_at=time(22),
            needed=1,
        )
        db.session.add(shift)
        db.session.commit()
        shift_id = shift.id
        db.session.remove()

    def take(token: str) -> Callable[[], Any]:
        def post() -> Any:
            response = app.test_client().post(
                f"/api/v1/shifts/{shift_id}/take",
                json={},
                headers={"Authorization": f"Bearer {token}"},
            )
            return response.status_code

        return post

    statuses = all_at_once([take(token) for token in world.tokens])
    assert sorted(statuses) == [200] + [409] * (PEOPLE - 1)
    with app.app_context():
        taken = db.session.scalar(
            select(func.count()).select_from(ShiftPlace).where(ShiftPlace.shift_id == shift_id)
        )
        db.session.remove()
    assert taken == 1


def test_bookings_for_the_last_bed_at_once(world: World) -> None:
    app = world.app
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.role == Role.COORDINATOR))
        place = beds.save_place(
            db.session, actor=admin, data=beds.PlaceInput("Course bungalow", 1, 500, None)
        )
        db.session.commit()
        place_id = place.id
        db.session.remove()
    arrives_on = local_today() + timedelta(days=2)

    def booking(volunteer_id: int) -> Callable[[], str]:
        def book() -> str:
            with app.app_context():
                try:
                    volunteer = db.session.get(Volunteer, volunteer_id)
                    assert volunteer is not None and volunteer.user is not None
                    beds.book_bed(
                        db.session,
                        actor=volunteer.user,
                        volunteer=volunteer,
                        place_id=place_id,
                        arrives_on=arrives_on,
                        leaves_on=arrives_on + timedelta(days=3),
                        today=local_today(),
                    )
                    db.session.commit()
                    return "booked"
                except Conflict as error:
                    db.session.rollback()
                    return error.message
                finally:
                    db.session.remove()

        return book

    answers = all_at_once([booking(volunteer_id) for volunteer_id in world.volunteer_ids])
    assert answers.count("booked") == 1
    assert all("is full on the night of" in answer for answer in answers if answer != "booked")
    with app.app_context():
        held = db.session.scalar(
            select(func.count()).select_from(BedBooking).where(BedBooking.place_id == place_id)
        )
        db.session.remove()
    assert held == 1


def test_the_same_sign_up_sent_twice_at_once_is_kept_once(world: World) -> None:
    app = world.app
    today = local_today()
    form = {
        "name": "Rapide Deux-Fois",
        "email": "twice@example.org",
        "languages": "French",
        "arrives_on": (today + timedelta(days=1)).isoformat(),
        "leaves_on": (today + timedelta(days=4)).isoformat(),
        "team_id": str(world.team_id),
        "consent_contact": "yes",
    }

    def post() -> int:
        return app.test_client().post("/volunteer", data=form).status_code

    statuses = all_at_once([post] * 4)
    assert statuses.count(500) == 0 and 200 in statuses
    with app.app_context():
        kept = db.session.scalar(
            select(func.count()).select_from(Volunteer).where(Volunteer.email == form["email"])
        )
        db.session.remove()
    assert kept == 1
