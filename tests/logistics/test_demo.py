"""The demo's distribution planning: the Calais and Paris teams with their week templates,
today's and tomorrow's plans for the day board to check, eight weeks of recorded runs,
and a second run of the demo that adds nothing."""

from collections import defaultdict
from collections.abc import Callable
from datetime import date, time, timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.clock import local_today
from app.models import Role
from inventory import ledger
from inventory.models import SiteKind
from logistics import planning
from logistics.models import (
    Distribution,
    DistributionLoad,
    DistributionResult,
    DistributionStatus,
    Team,
    WeekSlot,
)
from tests.conftest import Demo, run_demo_again
from tests.logistics.demo_truth import assert_the_demo_tells_the_truth

COUNTED = (Team, WeekSlot, Distribution, DistributionLoad, DistributionResult)


def counts(db_session: Any) -> list[int]:
    return [db_session.scalar(select(func.count()).select_from(model)) for model in COUNTED]


def test_the_demo_plans_runs_and_records_distributions(
    demo: Demo, demo_session: Any, demo_login: Callable[[Role], FlaskClient]
) -> None:
    coordinator = demo_login(Role.COORDINATOR)
    assert_the_demo_tells_the_truth(demo_session, coordinator)
    teams = {team.name: team for team in demo_session.scalars(select(Team))}
    assert teams["Calais"].departure_site.name == "Entrepôt Calais"
    assert teams["Paris"].departure_site.kind == SiteKind.WAREHOUSE
    assert teams["Paris"].departure_site.city == "Paris"
    calais_week = demo_session.execute(
        select(WeekSlot.weekday, func.count())
        .where(WeekSlot.team_id == teams["Calais"].id)
        .group_by(WeekSlot.weekday)
    ).all()
    assert dict(calais_week) == dict.fromkeys(range(7), 8)

    today = local_today()
    board = planning.day_board(demo_session, today)
    assert {check.distribution.team.name for check in board.checks} == {"Calais", "Paris"}
    assert len(board.checks) == 9
    assert any(check.is_fine for check in board.checks)
    assert any(check.shortfalls for check in board.checks)
    unassigned = [
        check
        for check in board.checks
        if check.distribution.vehicle_id is None or check.distribution.lead_id is None
    ]
    assert unassigned and all(check.problems for check in unassigned)
    assert_a_van_is_in_two_places(board)
    tomorrow = planning.day_board(demo_session, today + timedelta(days=1))
    assert len(tomorrow.checks) == 9
    page = coordinator.get(f"/logistics/day/{today.isoformat()}")
    assert page.status_code == 200 and "Verrotières" in page.get_data(as_text=True)

    assert_weeks_of_runs_were_recorded(demo_session, today)
    assert ledger.find_drift(demo_session) == []

    before = counts(demo_session)
    run_demo_again(demo)
    assert counts(demo_session) == before


def assert_a_van_is_in_two_places(board: planning.DayBoard) -> None:
    """Two distributions at the same time share a van, and both say so."""
    by_van: dict[tuple[int, time], list[planning.DistributionCheck]] = defaultdict(list)
    for check in board.checks:
        distribution = check.distribution
        if distribution.vehicle_id is not None:
            by_van[(distribution.vehicle_id, distribution.starts_at)].append(check)
    clashes = [checks for checks in by_van.values() if len(checks) > 1]
    assert clashes
    assert all(check.problems for check in clashes[0])


def assert_weeks_of_runs_were_recorded(db_session: Any, today: date) -> None:
    done = db_session.scalars(
        select(Distribution).where(Distribution.status == DistributionStatus.DONE)
    ).all()
    assert len(done) >= 100
    days = {distribution.day for distribution in done}
    assert min(days) <= today - timedelta(weeks=7) and max(days) < today
    assert {distribution.team.name for distribution in done} == {"Calais", "Paris"}
    assert all(
        distribution.served_adults is not None and distribution.served_minors is not None
        for distribution in done
    )
    assert len({distribution.served_adults for distribution in done}) > 20
    handed_out, returned = db_session.execute(
        select(func.sum(DistributionResult.handed_out), func.sum(DistributionResult.returned))
    ).one()
    assert handed_out > 10_000 and returned > 0
