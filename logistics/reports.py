"""Reports of distributions and vans: people served per week and per place, what was
handed out per category, fuel per vehicle and month, the fuel cost of a distribution,
and the figures a coordinator shares with partner organisations.

Only distributions marked done count. Their day is a date, so weeks (ISO, from Monday)
and months need no time zone; fill-ups count on the day they were made, voided ones
never. Everything is summed in SQL, and a period is at most MAX_PERIOD_DAYS long, so
what is read is bounded by weeks, months, places, categories and vehicles. Counts only:
no name, email or donor reaches a report."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, func, select

from app.clock import local_today, paris_midnight
from app.errors import InvalidInput
from app.extensions import Session
from inventory.models import Category, Item, Site, StockItem, Unit
from logistics.models import (
    Distribution,
    DistributionResult,
    DistributionStatus,
    FillUp,
    Trip,
    Vehicle,
)
from logistics.services.common import EARLIEST_DAY, LATEST_DAY
from logistics.sql_dates import MonthStart, WeekStart

DEFAULT_WEEKS = 12
MAX_YEARS = 3
MAX_PERIOD_DAYS = MAX_YEARS * 366


# --- the period -----------------------------------------------------------------------


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def next_month(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """The days a report covers, both included, and the team it keeps to (None: all)."""

    start: date
    end: date
    team_id: int | None = None

    @property
    def weeks(self) -> list[date]:
        """The Monday of each week the period touches."""
        first = monday_of(self.start)
        return [first + timedelta(weeks=n) for n in range((self.end - first).days // 7 + 1)]

    @property
    def months(self) -> list[date]:
        """The first day of each month the period touches."""
        firsts = [self.start.replace(day=1)]
        while next_month(firsts[-1]) <= self.end:
            firsts.append(next_month(firsts[-1]))
        return firsts

    @property
    def args(self) -> dict[str, str]:
        """The URL arguments that name this period again (a CSV link, the form)."""
        args = {"from": self.start.isoformat(), "to": self.end.isoformat()}
        if self.team_id is not None:
            args["team"] = str(self.team_id)
        return args


def make_period(
    start: date | None, end: date | None, team_id: int | None = None, today: date | None = None
) -> Period:
    """The period asked for: up to today unless told, and the DEFAULT_WEEKS weeks up to
    its end unless told where it starts."""
    for day, name in ((start, "from"), (end, "to")):
        if day is not None and not EARLIEST_DAY <= day <= LATEST_DAY:
            raise InvalidInput(_("Choose a date from 2000 to 2999."), field=name)
    end = end or today or local_today()
    start = start or max(EARLIEST_DAY, monday_of(end) - timedelta(weeks=DEFAULT_WEEKS - 1))
    if end < start:
        raise InvalidInput(_("The period must end on or after the day it starts."), field="to")
    if (end - start).days >= MAX_PERIOD_DAYS:
        raise InvalidInput(
            _("Choose a period of at most %(years)s years.", years=MAX_YEARS), field="from"
        )
    return Period(start, end, team_id)


def latest_done_day(session: Session, team_id: int | None = None) -> date | None:
    """The day of the latest distribution done (by the team, if one is given)."""
    query = select(func.max(Distribution.day)).where(Distribution.status == DistributionStatus.DONE)
    if team_id is not None:
        query = query.where(Distribution.team_id == team_id)
    return session.scalar(query)


def default_period(
    session: Session, team_id: int | None = None, today: date | None = None
) -> Period:
    """The DEFAULT_WEEKS weeks up to today or, when no distribution was done in them,
    the DEFAULT_WEEKS weeks up to the latest one done: a report opens on figures."""
    recent = make_period(None, None, team_id, today)
    if session.scalar(select(func.count(Distribution.id)).where(*done_in(recent))):
        return recent
    latest = latest_done_day(session, team_id)
    if latest is None:
        return recent
    return make_period(None, latest, team_id)


def done_in(period: Period, *, any_team: bool = False) -> list[ColumnElement[bool]]:
    """The distributions done in the period (of its team, unless `any_team`)."""
    conditions = [
        Distribution.status == DistributionStatus.DONE,
        Distribution.day >= period.start,
        Distribution.day <= period.end,
    ]
    if period.team_id is not None and not any_team:
        conditions.append(Distribution.team_id == period.team_id)
    return conditions


def fill_ups_in(period: Period) -> list[ColumnElement[bool]]:
    return [
        FillUp.voided_at.is_(None),
        FillUp.filled_on >= period.start,
        FillUp.filled_on <= period.end,
    ]


# --- people served --------------------------------------------------------------------


@dataclass(frozen=True)
class Served:
    """What distributions add up to: how many there were and whom they served."""

    distributions: int = 0
    adults: int = 0
    minors: int = 0
    families: int = 0

    @property
    def people(self) -> int:
        return self.adults + self.minors


ServedColumns = tuple[
    ColumnElement[int], ColumnElement[int], ColumnElement[int], ColumnElement[int]
]


def served_columns() -> ServedColumns:
    return (
        func.count(Distribution.id),
        func.coalesce(func.sum(Distribution.served_adults), 0),
        func.coalesce(func.sum(Distribution.served_minors), 0),
        func.coalesce(func.sum(Distribution.served_families), 0),
    )


@dataclass(frozen=True)
class WeekServed:
    monday: date
    served: Served

    @property
    def number(self) -> int:
        return self.monday.isocalendar().week

    @property
    def code(self) -> str:
        """The ISO name of the week: 2025-W10."""
        year, week, _ = self.monday.isocalendar()
        return f"{year}-W{week:02d}"


def people_served_by_week(session: Session, period: Period) -> list[WeekServed]:
    """Every week of the period, oldest first, those without a distribution too."""
    week = WeekStart(Distribution.day)
    rows = session.execute(
        select(week, *served_columns()).where(*done_in(period)).group_by(week)
    ).all()
    found = {monday: Served(*counts) for monday, *counts in rows}
    return [WeekServed(monday, found.get(monday, Served())) for monday in period.weeks]


@dataclass(frozen=True)
class PlaceServed:
    place: str
    served: Served


def people_served_by_place(session: Session, period: Period) -> list[PlaceServed]:
    """The places distributions were done at, the most people served first."""
    rows = session.execute(
        select(Site.name, *served_columns())
        .join(Site, Site.id == Distribution.place_site_id)
        .where(*done_in(period))
        .group_by(Site.id, Site.name)
    ).all()
    places = [PlaceServed(name, Served(*counts)) for name, *counts in rows]
    return sorted(places, key=lambda row: (-row.served.people, row.place))


def total_served(session: Session, period: Period) -> Served:
    return Served(*session.execute(select(*served_columns()).where(*done_in(period))).one())


# --- what was handed out --------------------------------------------------------------


@dataclass(frozen=True)
class HandedOut:
    """How much of a category was handed out, in one unit: litres of water are not
    added to pieces of bread."""

    category: Category
    unit: Unit
    quantity: int


def handed_out_by_category(session: Session, period: Period) -> list[HandedOut]:
    """In the catalogue's order of categories, then of units; nothing handed out, no row."""
    total = func.sum(DistributionResult.handed_out)
    rows = session.execute(
        select(Item.category, Item.unit, total)
        .join(Distribution, Distribution.id == DistributionResult.distribution_id)
        .join(StockItem, StockItem.id == DistributionResult.stock_item_id)
        .join(Item, Item.id == StockItem.item_id)
        .where(*done_in(period))
        .group_by(Item.category, Item.unit)
        .having(total > 0)
    ).all()
    found = [
        HandedOut(Category(category), Unit(unit), quantity) for category, unit, quantity in rows
    ]
    order = {value: index for index, value in enumerate([*Category, *Unit])}
    return sorted(found, key=lambda row: (order[row.category], order[row.unit]))


# --- fuel -----------------------------------------------------------------------------


@dataclass(frozen=True)
class VehicleMonthFuel:
    vehicle: str
    month: date  # its first day
    litres_cl: int
    cost_cents: int
    fill_ups: int


def fuel_by_vehicle_month(session: Session, period: Period) -> list[VehicleMonthFuel]:
    """Litres and cost of each vehicle's fill-ups, per month it had any. Vehicles belong
    to no team: the whole fleet counts, whatever the period's team."""
    month = MonthStart(FillUp.filled_on)
    rows = session.execute(
        select(
            Vehicle.name,
            month,
            func.sum(FillUp.litres_cl),
            func.sum(FillUp.cost_cents),
            func.count(FillUp.id),
        )
        .join(Vehicle, Vehicle.id == FillUp.vehicle_id)
        .where(*fill_ups_in(period))
        .group_by(Vehicle.id, Vehicle.name, month)
    ).all()
    return sorted(
        (VehicleMonthFuel(*row) for row in rows), key=lambda row: (row.vehicle, row.month)
    )


@dataclass(frozen=True)
class MonthFuelCost:
    month: date  # its first day
    cost_cents: int
    distributions: int

    @property
    def per_distribution_cents(self) -> int | None:
        """The month's fuel cost shared out over its distributions, to the nearest cent."""
        if not self.distributions:
            return None
        return (2 * self.cost_cents + self.distributions) // (2 * self.distributions)


def fuel_cost_per_distribution(session: Session, period: Period) -> list[MonthFuelCost]:
    """Per month: the cost of every fill-up of the fleet over the distributions done by
    every team. Vans also collect and transfer, so this is what a distribution costs in
    fuel all told, not what its own trip burnt."""
    fill_month, day_month = MonthStart(FillUp.filled_on), MonthStart(Distribution.day)
    costs = dict(
        session.execute(
            select(fill_month, func.sum(FillUp.cost_cents))
            .where(*fill_ups_in(period))
            .group_by(fill_month)
        ).all()
    )
    done = dict(
        session.execute(
            select(day_month, func.count(Distribution.id))
            .where(*done_in(period, any_team=True))
            .group_by(day_month)
        ).all()
    )
    return [
        MonthFuelCost(month, costs.get(month, 0), done.get(month, 0)) for month in period.months
    ]


# --- for partner organisations --------------------------------------------------------


@dataclass(frozen=True)
class PartnerFigures:
    """What a partner may read: counts and totals, nothing about anyone."""

    served: Served
    places: int
    km_driven: int
    litres_cl: int
    handed_out: list[HandedOut] = field(default_factory=list)


def km_driven(session: Session, period: Period) -> int:
    """The distance of the trips that left in the period (days in France) and are back."""
    return session.scalar(
        select(func.coalesce(func.sum(Trip.odometer_in - Trip.odometer_out), 0)).where(
            Trip.odometer_in.is_not(None),
            Trip.checked_out_at >= paris_midnight(period.start),
            Trip.checked_out_at < paris_midnight(period.end + timedelta(days=1)),
        )
    )


def litres_used(session: Session, period: Period) -> int:
    return session.execute(
        select(func.coalesce(func.sum(FillUp.litres_cl), 0)).where(*fill_ups_in(period))
    ).scalar_one()


def partner_figures(session: Session, period: Period) -> PartnerFigures:
    """Distributions, people and places of the period's team (or all); the distance and
    fuel of the whole fleet."""
    places = session.execute(
        select(func.count(func.distinct(Distribution.place_site_id))).where(*done_in(period))
    ).scalar_one()
    return PartnerFigures(
        served=total_served(session, period),
        places=places,
        km_driven=km_driven(session, period),
        litres_cl=litres_used(session, period),
        handed_out=handed_out_by_category(session, period),
    )
