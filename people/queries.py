"""Reads of citizen hosting that the pages, the API and the reports share: the hosts
available on a night and their free beds, a night's figures, hosts and placements,
placements ending soon, and figures per week and month. Counts only."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, Select, Subquery, distinct, func, select

from app.extensions import Session
from app.pagination import Page, paginate
from logistics.reports import MonthStart, Period, WeekStart
from people.models import Host, HostingBoard, HostingGroup, HostNight, Placement
from people.services.placements import beds_taken, find_board, kind_refusal

# A team has tens of hosts, not thousands: the night's list is bounded all the same.
MAX_HOSTS_A_NIGHT = 500
REMINDER_DAYS = 3


@dataclass(frozen=True)
class HostAvailable:
    host: Host
    beds_free: int


def available_hosts(session: Session, team_id: int, night: date) -> list[HostAvailable]:
    """The team's hosts with a signed agreement who are available that night, the
    most beds free first."""
    hosts = session.scalars(
        select(Host)
        .join(HostNight, HostNight.host_id == Host.id)
        .where(
            Host.team_id == team_id,
            Host.agreement_signed_on.is_not(None),
            HostNight.night == night,
        )
        .order_by(Host.town, Host.id)
        .limit(MAX_HOSTS_A_NIGHT)
    ).all()
    taken = beds_taken(session, [host.id for host in hosts], night)
    found = [HostAvailable(host, host.beds - taken[host.id]) for host in hosts]
    return sorted(found, key=lambda row: -row.beds_free)


@dataclass(frozen=True)
class People:
    adults: int = 0
    minors: int = 0
    children_under_10: int = 0

    @property
    def total(self) -> int:
        return self.adults + self.minors + self.children_under_10


@dataclass(frozen=True)
class Night:
    team_id: int
    night: date
    board: HostingBoard | None
    groups: Sequence[HostingGroup]
    hosts: list[HostAvailable]

    @property
    def people(self) -> People:
        return People(
            sum(group.adults for group in self.groups),
            sum(group.minors for group in self.groups),
            sum(group.children_under_10 for group in self.groups),
        )

    @property
    def placed(self) -> list[HostingGroup]:
        return [group for group in self.groups if group.placed]

    @property
    def not_placed(self) -> list[HostingGroup]:
        return [group for group in self.groups if not group.placed]

    @property
    def hosts_available(self) -> int:
        return sum(1 for row in self.hosts if row.beds_free > 0)

    @property
    def beds_free(self) -> int:
        return sum(max(row.beds_free, 0) for row in self.hosts)

    @property
    def closed(self) -> bool:
        return self.board is not None and self.board.closed

    @property
    def waiting_for_van(self) -> list[HostingGroup]:
        return [group for group in self.placed if group.run_id is None]


def night_of(session: Session, team_id: int, night: date) -> Night:
    board = find_board(session, team_id, night)
    groups = board.groups if board is not None else []
    return Night(team_id, night, board, groups, available_hosts(session, team_id, night))


def host_list(session: Session, team_id: int | None, page: int, per_page: int) -> Page[Host]:
    """Hosts, those offered on the public page and not yet looked at first."""
    query: Select[Host] = select(Host).order_by(
        Host.offered_publicly.desc(), Host.town, Host.name, Host.id
    )
    if team_id is not None:
        query = query.where(Host.team_id == team_id)
    found = paginate(session, query, page, per_page)
    return Page([row[0] for row in found.rows], found.page, found.per_page, found.total)


def placement_list(session: Session, today: date, page: int, per_page: int) -> Page[Placement]:
    """Placements under way or to come, the soonest ending first."""
    query = (
        select(Placement)
        .where(Placement.ends_on >= today)
        .order_by(Placement.ends_on, Placement.id)
    )
    found = paginate(session, query, page, per_page)
    return Page([row[0] for row in found.rows], found.page, found.per_page, found.total)


def placements_ending_soon(
    session: Session, today: date, team_id: int | None = None, days: int = REMINDER_DAYS
) -> Sequence[Placement]:
    """Placements that end within `days` days: the team looks for what comes next."""
    query = (
        select(Placement)
        .where(Placement.ends_on >= today, Placement.ends_on <= today + timedelta(days=days))
        .order_by(Placement.ends_on, Placement.id)
        .limit(100)
    )
    if team_id is not None:
        query = query.where(Placement.team_id == team_id)
    return session.scalars(query).all()


# --- figures per week and month --------------------------------------------------------


@dataclass(frozen=True)
class HostingFigures:
    """What hosting adds up to over a span: nights with groups, people placed with a
    host (a person a night; a longer stay counts once, in the span it starts), people
    not placed, and the hosts who took someone."""

    start: date
    nights: int = 0
    placed: People = People()
    not_placed: int = 0
    hosts_active: int = 0


def group_people() -> ColumnElement[int]:
    return HostingGroup.adults + HostingGroup.minors + HostingGroup.children_under_10


def board_filters(period: Period) -> list[ColumnElement[bool]]:
    filters = [HostingBoard.night >= period.start, HostingBoard.night <= period.end]
    if period.team_id is not None:
        filters.append(HostingBoard.team_id == period.team_id)
    return filters


def placement_filters(period: Period) -> list[ColumnElement[bool]]:
    filters = [Placement.starts_on >= period.start, Placement.starts_on <= period.end]
    if period.team_id is not None:
        filters.append(Placement.team_id == period.team_id)
    return filters


def hosting_figures(session: Session, period: Period, *, monthly: bool) -> list[HostingFigures]:
    """Every week (or month) of the period, oldest first, empty ones too."""
    span = MonthStart if monthly else WeekStart
    night_span = span(HostingBoard.night)
    placed = HostingGroup.host_id.is_not(None)
    rows = session.execute(
        select(
            night_span,
            func.count(distinct(HostingBoard.id)),
            func.coalesce(func.sum(HostingGroup.adults).filter(placed), 0),
            func.coalesce(func.sum(HostingGroup.minors).filter(placed), 0),
            func.coalesce(func.sum(HostingGroup.children_under_10).filter(placed), 0),
            func.coalesce(func.sum(group_people()).filter(~placed), 0),
        )
        .join(HostingGroup, HostingGroup.board_id == HostingBoard.id)
        .where(*board_filters(period))
        .group_by(night_span)
    ).all()
    # Per week or month: nights, adults, minors and children placed, people not placed.
    found = {start: [int(n) for n in counts] for start, *counts in rows}
    stay_span = span(Placement.starts_on)
    for start, adults, minors, children in session.execute(
        select(
            stay_span,
            func.sum(Placement.adults),
            func.sum(Placement.minors),
            func.sum(Placement.children_under_10),
        )
        .where(*placement_filters(period))
        .group_by(stay_span)
    ):
        counts = found.setdefault(start, [0, 0, 0, 0, 0])
        counts[1:4] = [counts[1] + adults, counts[2] + minors, counts[3] + children]
    active = hosts_active(session, period, span)
    figures = []
    for start in period.months if monthly else period.weeks:
        nights, adults, minors, children, not_placed = found.get(start, [0, 0, 0, 0, 0])
        figures.append(
            HostingFigures(
                start,
                nights=nights,
                placed=People(adults, minors, children),
                not_placed=not_placed,
                hosts_active=active.get(start, 0),
            )
        )
    return figures


def took_someone(period: Period, span: type) -> Subquery:
    """(start of the week or month, host) for each host who took someone then: a
    night's group or a stay begun."""
    nights = (
        select(span(HostingBoard.night).label("start"), HostingGroup.host_id.label("host_id"))
        .join(HostingGroup, HostingGroup.board_id == HostingBoard.id)
        .where(*board_filters(period), HostingGroup.host_id.is_not(None))
    )
    stays = select(
        span(Placement.starts_on).label("start"), Placement.host_id.label("host_id")
    ).where(*placement_filters(period))
    return nights.union(stays).subquery()


def hosts_active(session: Session, period: Period, span: type) -> dict[date, int]:
    both = took_someone(period, span)
    return {
        start: int(count)
        for start, count in session.execute(
            select(both.c.start, func.count(distinct(both.c.host_id))).group_by(both.c.start)
        )
    }


def hosting_total(session: Session, period: Period) -> HostingFigures:
    """The whole period in one line (the partner report)."""
    weeks = hosting_figures(session, period, monthly=False)
    both = took_someone(period, WeekStart)
    active = session.scalar(select(func.count(distinct(both.c.host_id))))
    return HostingFigures(
        period.start,
        nights=sum(week.nights for week in weeks),
        placed=People(
            sum(week.placed.adults for week in weeks),
            sum(week.placed.minors for week in weeks),
            sum(week.placed.children_under_10 for week in weeks),
        ),
        not_placed=sum(week.not_placed for week in weeks),
        hosts_active=int(active or 0),
    )


def hosts_with_agreement(session: Session) -> Sequence[Host]:
    """Hosts people may be given to, for a form's list: tens, bounded all the same."""
    return session.scalars(
        select(Host)
        .where(Host.agreement_signed_on.is_not(None))
        .order_by(Host.town, Host.name, Host.id)
        .limit(MAX_HOSTS_A_NIGHT)
    ).all()


def hosts_fitting(hosts: list[HostAvailable], group: HostingGroup) -> list[HostAvailable]:
    """The hosts of the night a group may go to: enough beds free, and they take that
    kind of group. The service checks again when the group is placed."""
    return [
        row
        for row in hosts
        if row.beds_free >= group.people and kind_refusal(row.host, group) is None
    ]
