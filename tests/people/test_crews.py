"""The day board's crews: the people on the team's shifts that overlap each
distribution, what each run lacks on its own, and what runs at the same time lack
together."""

from collections.abc import Callable
from datetime import time
from typing import Any

import pytest
from flask.testing import FlaskClient

from app.clock import local_today
from app.models import User
from logistics import services as logistics
from logistics.models import Distribution, Vehicle
from people.models import Shift, Volunteer
from people.services import shifts
from people.services.crews import distribution_crews
from tests.logistics.factories import add_vehicle, distribution_input
from tests.people.conftest import TeamWorld

PEOPLE_SHORT = "Runs at the same time need 6 people together; 4 on shift."
DRIVERS_SHORT = "2 vans out at the same time, 1 driver with a licence on shift."


@pytest.fixture
def plan_run(db_session: Any, world: TeamWorld) -> Callable[..., Distribution]:
    """A run of the world's team today, 18:00 to 20:00 for 3 people unless told."""

    def plan(vehicle: Vehicle | None = None, **overrides: Any) -> Distribution:
        values = {"starts_at": time(18), "ends_at": time(20), "team_size": 3, **overrides}
        distribution = logistics.plan_distribution(
            db_session,
            actor=world.coordinator,
            team_id=world.team.id,
            day=local_today(),
            data=distribution_input(
                world.place.id, vehicle_id=vehicle.id if vehicle else None, **values
            ),
        )
        db_session.commit()
        return distribution

    return plan


@pytest.fixture
def van(db_session: Any, world: TeamWorld) -> Callable[[str], Vehicle]:
    def add(name: str) -> Vehicle:
        return add_vehicle(
            db_session, world.coordinator, world.warehouse.id, name=name, plate=name.upper()
        )

    return add


@pytest.fixture
def staff(
    db_session: Any, make_volunteer: Callable[..., Volunteer], make_shift: Callable[..., Shift]
) -> Callable[..., Shift]:
    """A shift of the evening (17:00 to 21:00 unless told) with so many people on it,
    the first `drivers` of them with a driving licence."""

    def put_on_shift(people: int, *, drivers: int, **times: time) -> Shift:
        shift = make_shift(**{"starts_at": time(17), "ends_at": time(21), **times}, needed=9)
        for number in range(people):
            volunteer = make_volunteer(driving_licence=number < drivers)
            shifts.take_shift(
                db_session, actor=volunteer.user, shift_id=shift.id, today=local_today()
            )
        db_session.commit()
        return shift

    return put_on_shift


def problems_of(db_session: Any, *runs: Distribution) -> list[tuple[str, ...]]:
    crews = distribution_crews(db_session, runs)
    return [crews[run.id].problems for run in runs]


# --- runs at the same time ------------------------------------------------------------


def test_runs_at_the_same_time_are_short_of_people_together(
    db_session: Any,
    plan_run: Callable[..., Distribution],
    staff: Callable[..., Shift],
) -> None:
    first, second = plan_run(), plan_run(starts_at=time(18, 30))
    staff(4, drivers=1)
    assert problems_of(db_session, first, second) == [(PEOPLE_SHORT,), (PEOPLE_SHORT,)]


def test_vans_out_at_the_same_time_are_short_of_drivers(
    db_session: Any,
    plan_run: Callable[..., Distribution],
    van: Callable[[str], Vehicle],
    staff: Callable[..., Shift],
) -> None:
    first = plan_run(van("North van"), team_size=2)
    second = plan_run(van("South van"), team_size=2)
    staff(4, drivers=1)
    assert problems_of(db_session, first, second) == [(DRIVERS_SHORT,), (DRIVERS_SHORT,)]


def test_a_shortfall_together_is_said_once_in_place_of_each_runs_own(
    db_session: Any,
    plan_run: Callable[..., Distribution],
    van: Callable[[str], Vehicle],
    staff: Callable[..., Shift],
) -> None:
    first, second = plan_run(van("North van")), plan_run(van("South van"))
    staff(2, drivers=0)
    together = (
        "2 vans out at the same time, 0 drivers with a licence on shift.",
        "Runs at the same time need 6 people together; 2 on shift.",
    )
    assert problems_of(db_session, first, second) == [together, together]


def test_runs_at_the_same_time_with_enough_people_and_drivers_are_not_flagged(
    db_session: Any,
    plan_run: Callable[..., Distribution],
    van: Callable[[str], Vehicle],
    staff: Callable[..., Shift],
) -> None:
    first, second = plan_run(van("North van")), plan_run(van("South van"))
    staff(6, drivers=2)
    assert problems_of(db_session, first, second) == [(), ()]


def test_runs_at_different_times_are_judged_alone(
    db_session: Any,
    plan_run: Callable[..., Distribution],
    van: Callable[[str], Vehicle],
    staff: Callable[..., Shift],
) -> None:
    lunch = plan_run(van("North van"), starts_at=time(12), ends_at=time(13, 30))
    evening = plan_run(van("South van"))
    staff(3, drivers=1, starts_at=time(11))
    assert problems_of(db_session, lunch, evening) == [(), ()]
    short = plan_run(starts_at=time(14), ends_at=time(15), team_size=4)
    assert problems_of(db_session, short) == [("3 on shift, the team needs 4.",)]


def test_runs_overlapping_one_after_another_are_judged_by_the_time_they_share(
    db_session: Any,
    plan_run: Callable[..., Distribution],
    staff: Callable[..., Shift],
) -> None:
    """The middle run overlaps both others, which never run at the same time: at most
    two runs, 4 people, are out at once."""
    runs = (
        plan_run(starts_at=time(17), ends_at=time(19), team_size=2),
        plan_run(starts_at=time(18, 30), ends_at=time(20), team_size=2),
        plan_run(starts_at=time(19, 30), ends_at=time(21), team_size=2),
    )
    staff(4, drivers=0)
    assert problems_of(db_session, *runs) == [(), (), ()]
    plan_run(starts_at=time(18, 45), ends_at=time(19), team_size=1)
    need_5 = ("Runs at the same time need 5 people together; 4 on shift.",)
    assert problems_of(db_session, *runs) == [need_5, need_5, ()]


def test_a_cancelled_run_frees_its_crew(
    db_session: Any,
    world: TeamWorld,
    plan_run: Callable[..., Distribution],
    staff: Callable[..., Shift],
) -> None:
    first, second = plan_run(), plan_run()
    staff(4, drivers=1)
    logistics.cancel_distribution(db_session, actor=world.coordinator, distribution_id=second.id)
    db_session.commit()
    assert problems_of(db_session, first) == [()]


# --- the day board --------------------------------------------------------------------


def test_the_day_board_flags_runs_at_the_same_time_short_together(
    login: Callable[[User], FlaskClient],
    db_session: Any,
    world: TeamWorld,
    plan_run: Callable[..., Distribution],
    van: Callable[[str], Vehicle],
    staff: Callable[..., Shift],
) -> None:
    plan_run(van("North van"))
    plan_run(van("South van"))
    staff(4, drivers=1)
    today = local_today().isoformat()
    page = login(world.coordinator).get(f"/logistics/day/{today}").get_data(as_text=True)
    assert page.count(PEOPLE_SHORT) == 2 and page.count(DRIVERS_SHORT) == 2
    assert "the team needs" not in page and "has no driver" not in page


def test_the_day_board_shows_the_crew_and_flags_what_is_missing(
    login: Callable[[User], FlaskClient],
    db_session: Any,
    world: TeamWorld,
    make_volunteer: Callable[..., Volunteer],
    make_shift: Callable[..., Shift],
) -> None:
    today = local_today()
    van = add_vehicle(
        db_session, world.coordinator, world.warehouse.id, name="Board van", plate="BV-1"
    )
    lead = make_volunteer(name="Lena Lead")
    walker = make_volunteer(name="Walter Walker", driving_licence=False)
    distribution = logistics.plan_distribution(
        db_session,
        actor=world.coordinator,
        team_id=world.team.id,
        day=today,
        data=distribution_input(
            world.place.id, vehicle_id=van.id, lead_id=lead.user_id, team_size=3,
            starts_at=time(12), ends_at=time(13, 30),
        ),
    )  # fmt: skip
    shift = make_shift(starts_at=time(11), ends_at=time(14), needed=5)
    shifts.take_shift(db_session, actor=walker.user, shift_id=shift.id, today=today)
    db_session.commit()
    board = login(world.coordinator).get(f"/logistics/day/{today.isoformat()}?team={world.team.id}")
    page = board.get_data(as_text=True)
    assert "On shift: Walter Walker" in page
    assert "Board van has no driver with a licence on shift." in page
    assert "1 on shift, the team needs 3." in page
    assert "The lead, Lena Lead, is not on shift." in page
    driver = make_volunteer(name="Dana Driver", driving_licence=True)
    for person in (lead, driver):
        shifts.take_shift(db_session, actor=person.user, shift_id=shift.id, today=today)
    db_session.commit()
    page = (
        login(world.coordinator).get(f"/logistics/day/{today.isoformat()}").get_data(as_text=True)
    )
    assert "no driver with a licence" not in page and "is not on shift" not in page
    assert "the team needs" not in page and distribution.label in page


def test_a_team_without_shifts_that_day_is_not_judged_by_them(
    login: Callable[[User], FlaskClient], db_session: Any, world: TeamWorld
) -> None:
    logistics.plan_distribution(
        db_session,
        actor=world.coordinator,
        team_id=world.team.id,
        day=local_today(),
        data=distribution_input(world.place.id),
    )
    db_session.commit()
    page = login(world.coordinator).get(f"/logistics/day/{local_today().isoformat()}")
    assert "On shift" not in page.get_data(as_text=True)
