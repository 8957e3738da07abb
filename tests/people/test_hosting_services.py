"""Hosting services: hosts and their calendar link, groups as counts, placing them with
a host who has the beds and takes that kind of group, the van run, closing the night,
and longer stays."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import inspect

from app.clock import local_today
from app.errors import Conflict, InvalidInput, NotFound
from app.models import Role, User
from inventory.models import Site
from logistics.models import Trip, TripPurpose
from people import queries
from people.models import HostingGroup, HostingKind, Placement
from people.services import hosting, placements
from people.services.placements import Counts, PlacementInput
from tests.logistics.factories import add_vehicle
from tests.people.hosting_factories import add_group, add_host, hosting_team

TONIGHT = local_today()


@pytest.fixture
def world(db_session: Any, make_site: Callable[..., Site], make_user: Callable[..., User]) -> Any:
    site = make_site()
    coordinator = make_user(Role.HOSTING_COORDINATOR, sites=[site])
    team = hosting_team(db_session, site)
    return site, coordinator, team


def test_a_group_placed_takes_beds_and_the_next_one_is_told_how_many_are_left(
    db_session: Any, world: Any
) -> None:
    _site, actor, team = world
    host = add_host(db_session, actor, team, beds=4)
    first = add_group(db_session, actor, team, adults=1, children_under_10=2, family=True)
    placements.place_group(db_session, actor=actor, group_id=first.id, host_id=host.id)
    assert placements.beds_free(db_session, host, TONIGHT) == 1
    second = add_group(db_session, actor, team, adults=2)
    with pytest.raises(Conflict, match="1 beds left that night, too few for 2 people"):
        placements.place_group(db_session, actor=actor, group_id=second.id, host_id=host.id)
    assert second.host_id is None


def test_a_host_not_available_that_night_is_refused(db_session: Any, world: Any) -> None:
    _site, actor, team = world
    host = add_host(db_session, actor, team, nights={TONIGHT + timedelta(days=1)})
    group = add_group(db_session, actor, team)
    with pytest.raises(Conflict, match="not available that night"):
        placements.place_group(db_session, actor=actor, group_id=group.id, host_id=host.id)


@pytest.mark.parametrize(
    ("refuses", "counts", "reason"),
    [
        ("takes_minors_alone", {"adults": 0, "minors": 1}, "does not take minors alone"),
        ("takes_families", {"adults": 1, "children_under_10": 1, "family": True}, "families"),
        ("takes_children_under_10", {"adults": 1, "children_under_10": 1}, "children under 10"),
    ],
)
def test_a_host_who_does_not_take_that_kind_of_group_is_refused(
    db_session: Any, world: Any, refuses: str, counts: dict[str, Any], reason: str
) -> None:
    _site, actor, team = world
    host = add_host(db_session, actor, team, **{refuses: False})
    group = add_group(db_session, actor, team, **counts)
    with pytest.raises(Conflict, match=reason):
        placements.place_group(db_session, actor=actor, group_id=group.id, host_id=host.id)


def test_only_a_host_with_a_signed_agreement_is_given_people(db_session: Any, world: Any) -> None:
    _site, actor, team = world
    host = add_host(db_session, actor, team, agreement_signed_on=None)
    group = add_group(db_session, actor, team)
    with pytest.raises(Conflict, match="has not signed the agreement"):
        placements.place_group(db_session, actor=actor, group_id=group.id, host_id=host.id)
    assert queries.available_hosts(db_session, team.id, TONIGHT) == []


@pytest.mark.parametrize(
    ("counts", "field"),
    [
        ({"adults": -1}, "adults"),
        ({"adults": 0}, "adults"),
        ({"minors": 31}, "minors"),
        ({"adults": 15, "minors": 10, "children_under_10": 10}, "adults"),
        ({"note": "x" * 201}, "note"),
    ],
)
def test_a_group_with_a_wrong_count_is_refused_and_nothing_is_written(
    db_session: Any, world: Any, counts: dict[str, Any], field: str
) -> None:
    _site, actor, team = world
    with pytest.raises(InvalidInput) as refused:
        add_group(db_session, actor, team, **counts)
    assert refused.value.field == field
    assert db_session.query(HostingGroup).count() == 0


def test_the_people_hosted_have_no_column_that_could_name_them() -> None:
    for model in (HostingGroup, Placement):
        columns = {column.key for column in inspect(model).columns}
        assert columns.isdisjoint(
            {"name", "first_name", "last_name", "photo", "birth_date", "date_of_birth",
             "nationality", "document_number", "email", "phone"}
        ), columns  # fmt: skip


def test_the_van_takes_placed_groups_within_its_seats(db_session: Any, world: Any) -> None:
    site, actor, team = world
    host = add_host(db_session, actor, team, beds=12)
    van = add_vehicle(db_session, actor, site.id, name="Hosting van", plate="HV-1", seats=9)
    big = add_group(db_session, actor, team, adults=2, minors=2, children_under_10=4, family=True)
    small = add_group(db_session, actor, team, adults=1)
    for group in (big, small):
        placements.place_group(db_session, actor=actor, group_id=group.id, host_id=host.id)
    board = big.board
    with pytest.raises(Conflict, match="8 seats beside the driver's, too few for 9 people"):
        placements.book_run(
            db_session, actor=actor, board_id=board.id, group_ids=[big.id, small.id],
            vehicle_id=van.id, driver_id=actor.id, odometer_km=1000,
        )  # fmt: skip
    run = placements.book_run(
        db_session, actor=actor, board_id=board.id, group_ids=[big.id],
        vehicle_id=van.id, driver_id=actor.id, odometer_km=1000,
    )  # fmt: skip
    trip = db_session.get(Trip, run.trip_id)
    assert trip.purpose == TripPurpose.EMERGENCY_HOSTING
    assert trip.destination == "Montreuil"
    assert run.people == 8 and big.run_id == run.id and small.run_id is None


def test_a_group_not_placed_cannot_go_on_the_van(db_session: Any, world: Any) -> None:
    site, actor, team = world
    van = add_vehicle(db_session, actor, site.id, name="Hosting van", plate="HV-2", seats=9)
    group = add_group(db_session, actor, team)
    with pytest.raises(Conflict, match="Only placed groups"):
        placements.book_run(
            db_session, actor=actor, board_id=group.board_id, group_ids=[group.id],
            vehicle_id=van.id, driver_id=actor.id, odometer_km=1000,
        )  # fmt: skip


def test_closing_the_night_counts_placed_and_not_placed_and_freezes_it(
    db_session: Any, world: Any
) -> None:
    _site, actor, team = world
    host = add_host(db_session, actor, team, beds=3)
    placed = add_group(db_session, actor, team, adults=2)
    left = add_group(db_session, actor, team, adults=3)
    placements.place_group(db_session, actor=actor, group_id=placed.id, host_id=host.id)
    closed = placements.close_night(db_session, actor=actor, team_id=team.id, night=TONIGHT)
    assert (closed.groups_placed, closed.groups_not_placed) == (1, 1)
    assert (closed.people_placed, closed.people_not_placed) == (2, 3)
    with pytest.raises(Conflict, match="closed"):
        add_group(db_session, actor, team)
    with pytest.raises(Conflict, match="closed"):
        placements.place_group(db_session, actor=actor, group_id=left.id, host_id=host.id)
    with pytest.raises(Conflict, match="already closed"):
        placements.close_night(db_session, actor=actor, team_id=team.id, night=TONIGHT)


def test_a_longer_stay_takes_beds_every_night_and_is_reminded_before_it_ends(
    db_session: Any, world: Any
) -> None:
    _site, actor, team = world
    nights = {TONIGHT + timedelta(days=n) for n in range(10)}
    host = add_host(db_session, actor, team, kind=HostingKind.LONGER, beds=2, nights=nights)
    stay = placements.add_placement(
        db_session,
        actor=actor,
        data=PlacementInput(
            team.id, host.id, TONIGHT, TONIGHT + timedelta(days=3), Counts(0, 2, 0)
        ),
    )
    assert stay.nights == 3
    assert placements.beds_free(db_session, host, TONIGHT + timedelta(days=2)) == 0
    assert placements.beds_free(db_session, host, TONIGHT + timedelta(days=3)) == 2
    assert list(queries.placements_ending_soon(db_session, TONIGHT)) == [stay]
    assert list(queries.placements_ending_soon(db_session, TONIGHT - timedelta(days=1))) == []
    with pytest.raises(Conflict, match="too few"):
        placements.add_placement(
            db_session,
            actor=actor,
            data=PlacementInput(
                team.id, host.id, TONIGHT + timedelta(days=2), TONIGHT + timedelta(days=5),
                Counts(0, 1, 0),
            ),
        )  # fmt: skip
    with pytest.raises(Conflict, match="not available"):
        placements.add_placement(
            db_session,
            actor=actor,
            data=PlacementInput(
                team.id, host.id, TONIGHT + timedelta(days=8), TONIGHT + timedelta(days=12),
                Counts(0, 1, 0),
            ),
        )  # fmt: skip


def test_the_calendar_link_works_until_a_new_one_is_sent(db_session: Any, world: Any) -> None:
    _site, actor, team = world
    host = add_host(db_session, actor, team)
    old = hosting.issue_calendar_token(db_session, host)
    assert hosting.host_for_calendar_token(db_session, old) is host
    new = hosting.issue_calendar_token(db_session, host)
    assert hosting.host_for_calendar_token(db_session, new) is host
    with pytest.raises(Conflict, match="replaced by a newer one"):
        hosting.host_for_calendar_token(db_session, old)
    with pytest.raises(NotFound):
        hosting.host_for_calendar_token(db_session, new[:-3])


def test_a_host_cannot_take_off_a_night_with_people_placed(db_session: Any, world: Any) -> None:
    _site, actor, team = world
    host = add_host(db_session, actor, team)
    group = add_group(db_session, actor, team)
    placements.place_group(db_session, actor=actor, group_id=group.id, host_id=host.id)
    with pytest.raises(Conflict, match="People are placed with you"):
        hosting.set_host_nights(db_session, host=host, nights=set())
    tomorrow = {TONIGHT, TONIGHT + timedelta(days=1)}
    assert hosting.set_host_nights(db_session, host=host, nights=tomorrow) == tomorrow


def test_only_hosting_coordinators_read_addresses(make_user: Callable[..., User]) -> None:
    assert hosting.sees_addresses(make_user(Role.HOSTING_COORDINATOR))
    for role in (Role.ADMIN, Role.COORDINATOR, Role.VOLUNTEER, Role.TREASURER):
        assert not hosting.sees_addresses(make_user(role))
