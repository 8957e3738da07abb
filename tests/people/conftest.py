"""People fixtures: a team with its warehouse and distribution place, volunteers signed
up and accepted through the services, a team week of shifts made into shifts, a
bungalow, and signed-in clients."""

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from app.clock import local_today
from app.models import Role, User
from inventory.models import Site, SiteKind
from logistics.models import Team
from people.models import BedPlace, Shift, ShiftKind, Volunteer
from people.services import beds, volunteers
from tests.conftest import PASSWORD
from tests.donations import conftest as donations_conftest
from tests.logistics.factories import add_slot, add_team

counter = itertools.count(1)
outbox = donations_conftest.outbox
stripe_api = donations_conftest.stripe_api


@dataclass
class TeamWorld:
    warehouse: Site
    place: Site
    team: Team
    coordinator: User


@pytest.fixture
def world(
    db_session: Any, make_site: Callable[..., Site], make_user: Callable[..., User]
) -> TeamWorld:
    warehouse = make_site(kind=SiteKind.WAREHOUSE)
    place = make_site(kind=SiteKind.DISTRIBUTION_POINT)
    team = add_team(db_session, f"Team {next(counter)}", warehouse.id)
    add_slot(db_session, team, place.id, weekday=0)
    db_session.commit()
    return TeamWorld(warehouse, place, team, make_user(Role.COORDINATOR))


def sign_up_of(team_id: int | None, **overrides: Any) -> volunteers.SignUp:
    number = next(counter)
    today = local_today()
    values: dict[str, Any] = {
        "name": f"Volunteer {number}",
        "email": f"volunteer{number}@example.org",
        "phone": "+33 6 12 34 56 78",
        "languages": "French, English",
        "driving_licence": False,
        "arrives_on": today,
        "leaves_on": today + timedelta(days=10),
        "team_id": team_id,
        "local_group": "",
        "needs_bed": True,
        "consent_contact": True,
        "locale": "en",
    }
    return volunteers.SignUp(**{**values, **overrides})


@pytest.fixture
def make_volunteer(db_session: Any, world: TeamWorld) -> Callable[..., Volunteer]:
    """A volunteer of the world's team, signed up and accepted (unless accepted=False)."""

    def make(*, accepted: bool = True, **overrides: Any) -> Volunteer:
        result = volunteers.sign_up(
            db_session, sign_up_of(world.team.id, **overrides), today=local_today()
        )
        volunteer = result.volunteer
        assert volunteer is not None
        if accepted:
            volunteers.accept_volunteer(
                db_session, actor=world.coordinator, volunteer_id=volunteer.id
            )
            assert volunteer.user is not None
            volunteer.user.set_password(PASSWORD)  # so tests sign in as with a link
        db_session.commit()
        return volunteer

    return make


@pytest.fixture
def make_shift(db_session: Any, world: TeamWorld) -> Callable[..., Shift]:
    """A shift of the world's team, today unless told otherwise, made as a day of the
    team's week would be."""

    def make(
        *,
        day: date | None = None,
        kind: ShiftKind = ShiftKind.MORNING,
        starts_at: time = time(9),
        ends_at: time = time(13),
        needed: int = 2,
    ) -> Shift:
        shift = Shift(
            team_id=world.team.id,
            day=day or local_today(),
            kind=kind,
            starts_at=starts_at,
            ends_at=ends_at,
            needed=needed,
        )
        db_session.add(shift)
        db_session.commit()
        return shift

    return make


@pytest.fixture
def bungalow(db_session: Any, world: TeamWorld) -> BedPlace:
    place = beds.save_place(
        db_session,
        actor=world.coordinator,
        data=beds.PlaceInput(f"Bungalow {next(counter)}", 2, 500, world.team.id),
    )
    db_session.commit()
    return place


@pytest.fixture
def as_user(login: Callable[[User], FlaskClient]) -> Callable[[Volunteer], FlaskClient]:
    """A browser signed in as the volunteer's account."""

    def sign_in(volunteer: Volunteer) -> FlaskClient:
        assert volunteer.user is not None
        return login(volunteer.user)

    return sign_in
