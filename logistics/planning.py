"""The day plan checking itself: every distribution of a day with its pick list measured
against stock at the departure warehouse, and the van, lead and team checked.

Stock is shared out in the order the distributions start: the lunch run claims its
meals first, and the evening run is short of what is left. The whole board is read in
five queries whatever the number of distributions."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.extensions import Session
from inventory.models import NeedLine, StockItem, StockLevel
from logistics.models import (
    Distribution,
    DistributionLoad,
    DistributionStatus,
    VehicleStatus,
)
from logistics.staffing import Crew, crews_of


@dataclass
class LineCheck:
    """One pick-list line: planned, already on the van, and what the warehouse lacks."""

    stock_item: StockItem
    planned: int
    loaded: int = 0
    available: int = 0
    short: int = 0
    need: NeedLine | None = None

    @property
    def to_load(self) -> int:
        return max(self.planned - self.loaded, 0)


@dataclass
class DistributionCheck:
    distribution: Distribution
    lines: list[LineCheck] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    crew: Crew | None = None

    @property
    def shortfalls(self) -> list[LineCheck]:
        return [line for line in self.lines if line.short]

    @property
    def is_fine(self) -> bool:
        return not self.problems and not self.shortfalls


@dataclass
class DayBoard:
    day: date
    checks: list[DistributionCheck]

    def count(self, status: DistributionStatus) -> int:
        return sum(1 for check in self.checks if check.distribution.status == status)


def day_board(session: Session, day: date, team_id: int | None = None) -> DayBoard:
    query = (
        select(Distribution)
        .where(Distribution.day == day)
        .options(selectinload(Distribution.lines))
        .order_by(Distribution.starts_at, Distribution.id)
    )
    if team_id is not None:
        query = query.where(Distribution.team_id == team_id)
    distributions = session.scalars(query).unique().all()
    checks = check_distributions(session, distributions)
    return DayBoard(day=day, checks=checks)


def check_distributions(
    session: Session, distributions: Sequence[Distribution]
) -> list[DistributionCheck]:
    """Checks for distributions of one day, in the order they start."""
    checks = [
        DistributionCheck(
            distribution=distribution,
            lines=[LineCheck(line.stock_item, line.quantity) for line in distribution.lines],
        )
        for distribution in distributions
    ]
    live = [check for check in checks if check.distribution.status != DistributionStatus.CANCELLED]
    check_stock(session, live)
    check_people_and_vans(live)
    check_crews(session, live)
    return checks


def check_crews(session: Session, checks: Sequence[DistributionCheck]) -> None:
    """The people on shift for each distribution still to run, where a registered
    lookup (logistics.staffing) knows them, with the problems it sees."""
    open_checks = [check for check in checks if check.distribution.is_open]
    if not open_checks:
        return
    crews = crews_of(session, [check.distribution for check in open_checks])
    for check in open_checks:
        check.crew = crews.get(check.distribution.id)
        if check.crew is not None:
            check.problems.extend(check.crew.problems)


def check_stock(session: Session, checks: Sequence[DistributionCheck]) -> None:
    """What each line has on the van, and, for distributions still to run, what the
    warehouse lacks."""
    with_lines = [check for check in checks if check.lines]
    if not with_lines:
        return
    loaded = loaded_quantities(session, [check.distribution.id for check in with_lines])
    for check in with_lines:
        for line in check.lines:
            line.loaded = loaded.get((check.distribution.id, line.stock_item.id), 0)
    open_checks = [check for check in with_lines if check.distribution.is_open]
    if open_checks:
        measure_against_stock(session, open_checks)


def measure_against_stock(session: Session, open_checks: Sequence[DistributionCheck]) -> None:
    keys = {
        (check.distribution.departure_site_id, line.stock_item.id)
        for check in open_checks
        for line in check.lines
    }
    stock = stock_levels(session, keys)
    stock_items = {
        line.stock_item.id: line.stock_item for check in open_checks for line in check.lines
    }
    needs = need_lines(session, keys, stock_items)
    claimed: dict[tuple[int, int], int] = defaultdict(int)
    for check in open_checks:
        for line in check.lines:
            key = (check.distribution.departure_site_id, line.stock_item.id)
            line.available = max(stock.get(key, 0) - claimed[key], 0)
            line.short = max(line.to_load - line.available, 0)
            claimed[key] += line.to_load
            if line.short:
                line.need = needs.get(key)


def loaded_quantities(
    session: Session, distribution_ids: Sequence[int]
) -> dict[tuple[int, int], int]:
    rows = session.execute(
        select(
            DistributionLoad.distribution_id,
            DistributionLoad.stock_item_id,
            func.sum(DistributionLoad.quantity),
        )
        .where(DistributionLoad.distribution_id.in_(distribution_ids))
        .group_by(DistributionLoad.distribution_id, DistributionLoad.stock_item_id)
    )
    return {(distribution_id, item): quantity for distribution_id, item, quantity in rows}


def stock_levels(session: Session, keys: set[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """Balances by (site, item). Asked as two lists (a few sites, their items), which
    the balances' primary key answers directly; pairs the board does not need are
    dropped here."""
    rows = session.execute(
        select(StockLevel.site_id, StockLevel.stock_item_id, StockLevel.quantity).where(
            StockLevel.site_id.in_({site_id for site_id, _item in keys}),
            StockLevel.stock_item_id.in_({item for _site, item in keys}),
        )
    )
    found = {(site_id, item): quantity for site_id, item, quantity in rows}
    return {key: found[key] for key in keys if key in found}


def need_lines(
    session: Session, keys: set[tuple[int, int]], stock_items: dict[int, StockItem]
) -> dict[tuple[int, int], NeedLine]:
    """The departure warehouse's need-list line for each item: for its exact variant, or
    for the item in any variant."""
    site_ids = {site_id for site_id, _item in keys}
    item_ids = {stock_item.item_id for stock_item in stock_items.values()}
    by_item: dict[tuple[int, int], list[NeedLine]] = defaultdict(list)
    for line in session.scalars(
        select(NeedLine).where(NeedLine.site_id.in_(site_ids), NeedLine.item_id.in_(item_ids))
    ):
        by_item[(line.site_id, line.item_id)].append(line)
    found = {}
    for site_id, stock_item_id in keys:
        stock_item = stock_items[stock_item_id]
        matching = [
            line
            for line in by_item[(site_id, stock_item.item_id)]
            if line.gender in ("", stock_item.gender) and line.size in ("", stock_item.size)
        ]
        if matching:
            found[(site_id, stock_item_id)] = max(matching, key=lambda line: bool(line.size))
    return found


def overlaps(first: Distribution, second: Distribution) -> bool:
    return first.starts_at < second.ends_at and second.starts_at < first.ends_at


def describe(distribution: Distribution) -> str:
    return f"{distribution.label} · {distribution.place.name}"


def check_people_and_vans(checks: Sequence[DistributionCheck]) -> None:
    for check in checks:
        distribution = check.distribution
        vehicle = distribution.vehicle
        if vehicle is None:
            check.problems.append(_("No van yet."))
        else:
            if vehicle.status != VehicleStatus.AVAILABLE:
                check.problems.append(
                    _(
                        "%(vehicle)s is %(status)s.",
                        vehicle=vehicle.name,
                        status=vehicle.status.label.lower(),
                    )
                )
            if vehicle.seats < distribution.team_size:
                check.problems.append(
                    _(
                        "%(vehicle)s seats %(seats)s, the team is %(team)s.",
                        vehicle=vehicle.name,
                        seats=vehicle.seats,
                        team=distribution.team_size,
                    )
                )
        if distribution.lead is None:
            check.problems.append(_("No lead yet."))
        for other in checks:
            if other is check or not overlaps(distribution, other.distribution):
                continue
            if vehicle is not None and other.distribution.vehicle_id == vehicle.id:
                check.problems.append(
                    _(
                        "%(vehicle)s is also at %(other)s at the same time.",
                        vehicle=vehicle.name,
                        other=describe(other.distribution),
                    )
                )
            if (
                distribution.lead_id is not None
                and other.distribution.lead_id == distribution.lead_id
            ):
                check.problems.append(
                    _(
                        "%(lead)s also leads %(other)s at the same time.",
                        lead=distribution.lead.name if distribution.lead else "",
                        other=describe(other.distribution),
                    )
                )
