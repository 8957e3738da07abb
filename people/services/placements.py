"""Tonight's board of a team: groups asking for a roof (counts only), placed with hosts
who have the beds and take that kind of group, the van runs that take them, and the
close of the night; and longer placements with a host.

Placing locks the host's row first, so two coordinators filling a host's last beds at
the same moment are served one after the other: the second is told the beds are gone."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.clock import local_today, utcnow
from app.errors import Conflict, InvalidInput, NotFound
from app.extensions import Session
from app.lookup import get_one
from app.models import User
from logistics.models import TripPurpose
from logistics.services import check_out_vehicle, get_team, get_vehicle
from people.models import (
    Host,
    HostingBoard,
    HostingGroup,
    HostingRun,
    HostNight,
    Placement,
)
from people.models.hosting import MAX_NOTE_LENGTH
from people.services.hosting import get_host

# More than this many people in one group is a typing mistake, not a group.
MAX_GROUP_PEOPLE = 30
# How far ahead a board may be filled in; past nights stay open until closed.
MAX_NIGHTS_AHEAD = 14
MAX_PLACEMENT_NIGHTS = 366
# The driver takes one of the van's seats.
DRIVER_SEATS = 1


@dataclass(frozen=True)
class Counts:
    """What a group or a placement is: counts of people, never who they are."""

    adults: int
    minors: int
    children_under_10: int
    family: bool = False
    note: str = ""

    @property
    def people(self) -> int:
        return self.adults + self.minors + self.children_under_10

    def columns(self) -> dict[str, object]:
        """The columns a group or a stay keeps of it."""
        return {
            "adults": self.adults,
            "minors": self.minors,
            "children_under_10": self.children_under_10,
            "family": self.family,
            "note": self.note,
        }


def check_counts(counts: Counts) -> Counts:
    numbers = {
        "adults": counts.adults,
        "minors": counts.minors,
        "children_under_10": counts.children_under_10,
    }
    for field, value in numbers.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise InvalidInput(_("Give a count of 0 or more."), field=field)
        if value > MAX_GROUP_PEOPLE:
            raise InvalidInput(
                _("A group has at most %(max)s people.", max=MAX_GROUP_PEOPLE), field=field
            )
    total = sum(numbers.values())
    if total == 0:
        raise InvalidInput(_("A group has at least one person."), field="adults")
    if total > MAX_GROUP_PEOPLE:
        raise InvalidInput(
            _("A group has at most %(max)s people.", max=MAX_GROUP_PEOPLE), field="adults"
        )
    note = " ".join(str(counts.note).split())
    if len(note) > MAX_NOTE_LENGTH:
        raise InvalidInput(
            _("A note has at most %(count)s characters.", count=MAX_NOTE_LENGTH), field="note"
        )
    return Counts(counts.adults, counts.minors, counts.children_under_10, bool(counts.family), note)


# --- the board of a night -------------------------------------------------------------


def find_board(session: Session, team_id: int, night: date) -> HostingBoard | None:
    return session.scalar(
        select(HostingBoard).where(HostingBoard.team_id == team_id, HostingBoard.night == night)
    )


def open_board(session: Session, team_id: int, night: date) -> HostingBoard:
    """The team's board of the night, made when its first group is recorded."""
    team = get_team(session, team_id)
    if night > local_today() + timedelta(days=MAX_NIGHTS_AHEAD):
        raise InvalidInput(
            _("A night at most %(days)s days ahead, please.", days=MAX_NIGHTS_AHEAD),
            field="night",
        )
    board = find_board(session, team.id, night)
    if board is None:
        try:
            with session.begin_nested():
                board = HostingBoard(team=team, night=night)
                session.add(board)
                session.flush()
        except IntegrityError:
            board = find_board(session, team.id, night)
    assert board is not None
    if board.closed:
        raise Conflict(_("This night is closed: nothing on it changes any more."))
    return board


def record_group(
    session: Session, *, actor: User, team_id: int, night: date, counts: Counts
) -> HostingGroup:
    """A group asks for a roof on the team's board of the night."""
    checked = check_counts(counts)
    board = open_board(session, team_id, night)
    group = HostingGroup(board=board, recorded_by_id=actor.id, **checked.columns())
    session.add(group)
    session.flush()
    return group


def get_group(session: Session, group_id: int, *, for_update: bool = False) -> HostingGroup:
    missing = _("There is no group number %(id)s.", id=group_id)
    return get_one(session, HostingGroup, group_id, lock=for_update, missing=missing)


# --- beds -----------------------------------------------------------------------------


def beds_taken(session: Session, host_ids: Sequence[int], night: date) -> dict[int, int]:
    """People already with each host that night: groups of the night's boards and
    longer placements that cover it."""
    taken = dict.fromkeys(host_ids, 0)
    people = HostingGroup.adults + HostingGroup.minors + HostingGroup.children_under_10
    for host_id, count in session.execute(
        select(HostingGroup.host_id, func.sum(people))
        .join(HostingBoard, HostingBoard.id == HostingGroup.board_id)
        .where(HostingGroup.host_id.in_(host_ids), HostingBoard.night == night)
        .group_by(HostingGroup.host_id)
    ):
        assert host_id is not None  # the IN above matches no NULL
        taken[host_id] += int(count)
    staying = Placement.adults + Placement.minors + Placement.children_under_10
    for host_id, count in session.execute(
        select(Placement.host_id, func.sum(staying))
        .where(
            Placement.host_id.in_(host_ids),
            Placement.starts_on <= night,
            Placement.ends_on > night,
        )
        .group_by(Placement.host_id)
    ):
        taken[host_id] += int(count)
    return taken


def beds_free(session: Session, host: Host, night: date) -> int:
    return host.beds - beds_taken(session, [host.id], night)[host.id]


def is_available(session: Session, host_id: int, night: date) -> bool:
    return (
        session.scalar(
            select(HostNight.night).where(HostNight.host_id == host_id, HostNight.night == night)
        )
        is not None
    )


def kind_refusal(host: Host, counts: Counts | HostingGroup | Placement) -> str | None:
    """Why this host does not take this kind of group, or None."""
    if counts.family and not host.takes_families:
        return _("%(host)s does not take families.", host=host.town)
    if counts.children_under_10 and not host.takes_children_under_10:
        return _("%(host)s does not take children under 10.", host=host.town)
    if counts.adults == 0 and not host.takes_minors_alone:
        return _("%(host)s does not take minors alone.", host=host.town)
    return None


def check_host_takes(host: Host, team_id: int, counts: Counts | HostingGroup | Placement) -> None:
    if host.agreement_signed_on is None:
        raise Conflict(
            _(
                "%(host)s has not signed the agreement yet: no one can be placed there.",
                host=host.town,
            ),
            field="host_id",
        )
    if host.team_id != team_id:
        raise Conflict(_("This host hosts for another team."), field="host_id")
    refusal = kind_refusal(host, counts)
    if refusal is not None:
        raise Conflict(refusal, field="host_id")


def check_beds(session: Session, host: Host, night: date, people: int) -> None:
    if not is_available(session, host.id, night):
        raise Conflict(_("%(host)s is not available that night.", host=host.town), field="host_id")
    free = beds_free(session, host, night)
    if free < people:
        raise Conflict(
            _(
                "%(host)s has %(free)s beds left that night, too few for %(people)s people.",
                host=host.town,
                free=free,
                people=people,
            ),
            field="host_id",
        )


def place_group(session: Session, *, actor: User, group_id: int, host_id: int) -> HostingGroup:
    """Give a group to a host for the night: the host has signed the agreement, is
    available, takes that kind of group and has the beds free."""
    host = get_host(session, host_id, for_update=True)
    group = get_group(session, group_id, for_update=True)
    board = group.board
    if board.closed:
        raise Conflict(_("This night is closed: nothing on it changes any more."))
    if group.placed:
        raise Conflict(_("This group is already placed."))
    check_host_takes(host, board.team_id, group)
    check_beds(session, host, board.night, group.people)
    group.host_id = host.id
    group.placed_at = utcnow()
    session.flush()
    return group


# --- van runs -------------------------------------------------------------------------


def book_run(
    session: Session,
    *,
    actor: User,
    board_id: int,
    group_ids: Iterable[int],
    vehicle_id: int,
    driver_id: int,
    odometer_km: int,
) -> HostingRun:
    """The van takes placed groups of the night to their hosts: a logistics trip for
    "taking people to emergency hosts", with no more people than the seats beside the
    driver's."""
    board = get_one(session, HostingBoard, board_id, missing=_("There is no such night."))
    if board.closed:
        raise Conflict(_("This night is closed: nothing on it changes any more."))
    wanted = set(group_ids)
    groups = [group for group in board.groups if group.id in wanted]
    if not groups or len(groups) != len(wanted):
        raise InvalidInput(_("Choose the groups the van takes."), field="group_ids")
    if any(not group.placed or group.run_id is not None for group in groups):
        raise Conflict(
            _("Only placed groups not on a run yet can go on the van."), field="group_ids"
        )
    vehicle = get_vehicle(session, vehicle_id)
    people = sum(group.people for group in groups)
    seats = vehicle.seats - DRIVER_SEATS
    if people > seats:
        raise Conflict(
            _(
                "%(vehicle)s has %(seats)s seats beside the driver's, too few for "
                "%(people)s people.",
                vehicle=vehicle.name,
                seats=seats,
                people=people,
            ),
            field="vehicle_id",
        )
    towns = sorted({group.host.town for group in groups if group.host is not None})
    trip = check_out_vehicle(
        session,
        actor=actor,
        vehicle_id=vehicle.id,
        driver_id=driver_id,
        purpose=TripPurpose.EMERGENCY_HOSTING,
        odometer_km=odometer_km,
        destination=", ".join(towns)[:200],
    )
    run = HostingRun(board_id=board.id, trip=trip, booked_by_id=actor.id)
    session.add(run)
    session.flush()
    for group in groups:
        group.run_id = run.id
    session.flush()
    return run


# --- the end of the night -------------------------------------------------------------


@dataclass(frozen=True)
class NightClosed:
    groups_placed: int
    groups_not_placed: int
    people_placed: int
    people_not_placed: int


def close_night(session: Session, *, actor: User, team_id: int, night: date) -> NightClosed:
    """Close the team's night: the figures of who was placed and who was not stay."""
    board = session.scalar(
        select(HostingBoard)
        .where(HostingBoard.team_id == team_id, HostingBoard.night == night)
        .with_for_update(of=HostingBoard)
        .execution_options(populate_existing=True)
    )
    if board is None:
        raise NotFound(_("No group was recorded that night: there is nothing to close."))
    if board.closed:
        raise Conflict(_("This night is already closed."))
    board.closed_at = utcnow()
    board.closed_by_id = actor.id
    session.flush()
    placed = [group for group in board.groups if group.placed]
    not_placed = [group for group in board.groups if not group.placed]
    return NightClosed(
        groups_placed=len(placed),
        groups_not_placed=len(not_placed),
        people_placed=sum(group.people for group in placed),
        people_not_placed=sum(group.people for group in not_placed),
    )


# --- longer placements ----------------------------------------------------------------


@dataclass(frozen=True)
class PlacementInput:
    team_id: int
    host_id: int
    starts_on: date
    ends_on: date
    counts: Counts


def add_placement(session: Session, *, actor: User, data: PlacementInput) -> Placement:
    """A group stays with a host for a while: the host is available and has the beds
    every night of the stay."""
    checked = check_counts(data.counts)
    team = get_team(session, data.team_id)
    if data.ends_on <= data.starts_on:
        raise InvalidInput(_("A stay ends after the day it starts."), field="ends_on")
    nights = (data.ends_on - data.starts_on).days
    if nights > MAX_PLACEMENT_NIGHTS:
        raise InvalidInput(
            _("A stay lasts at most %(nights)s nights.", nights=MAX_PLACEMENT_NIGHTS),
            field="ends_on",
        )
    host = get_host(session, data.host_id, for_update=True)
    check_host_takes(host, team.id, checked)
    for n in range(nights):
        check_beds(session, host, data.starts_on + timedelta(days=n), checked.people)
    placement = Placement(
        team=team,
        host=host,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        recorded_by_id=actor.id,
        **checked.columns(),
    )
    session.add(placement)
    session.flush()
    return placement
