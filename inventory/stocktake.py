"""Stocktakes: a coordinator counts a site by scanning its crates and entering loose
quantities; on confirmation the differences become adjustments, crates found here are
checked in, and crates that should be here but were not scanned are marked lost."""

from collections import defaultdict
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.clock import utcnow
from app.errors import Conflict, InvalidInput, NotFound
from app.extensions import Session
from app.models import User
from inventory import ledger, services
from inventory.models import (
    Crate,
    CrateLine,
    CrateState,
    MovementReason,
    StockItem,
    StockLevel,
    Stocktake,
    StocktakeCount,
    StocktakeScan,
    StocktakeStatus,
)
from inventory.services.crates import crate_balance_keys

FINAL_STATES = (CrateState.DISTRIBUTED, CrateState.SCRAPPED)


def start_stocktake(session: Session, *, actor: User, site_id: int) -> Stocktake:
    site = services.get_site(session, site_id)
    services.ensure_may_act_at(actor, site)
    if open_stocktake(session, site.id) is not None:
        raise Conflict(_("A stocktake is already open at %(site)s.", site=site.name))
    stocktake = Stocktake(site_id=site.id, started_by_id=actor.id)
    try:
        with session.begin_nested():
            session.add(stocktake)
    except IntegrityError:
        raise Conflict(_("A stocktake is already open at %(site)s.", site=site.name)) from None
    return stocktake


def open_stocktake(session: Session, site_id: int) -> Stocktake | None:
    return session.scalar(
        select(Stocktake).where(
            Stocktake.site_id == site_id, Stocktake.status == StocktakeStatus.OPEN
        )
    )


def get_open_stocktake(
    session: Session, stocktake_id: int, *, for_update: bool = False
) -> Stocktake:
    query = select(Stocktake).where(Stocktake.id == stocktake_id)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    stocktake = session.scalar(query)
    if stocktake is None:
        raise NotFound(_("There is no stocktake number %(id)s.", id=stocktake_id))
    if stocktake.status != StocktakeStatus.OPEN:
        raise Conflict(_("This stocktake is already closed."))
    return stocktake


def scan_into_stocktake(session: Session, *, actor: User, stocktake: Stocktake, code: str) -> Crate:
    """Count a crate as present; scanning it twice counts it once."""
    services.ensure_may_act_at(actor, stocktake.site)
    crate = services.get_crate(session, code)
    if crate.state == CrateState.EMPTY:
        raise InvalidInput(
            _(
                "Crate %(code)s was never packed: there is nothing in it to count.",
                code=crate.display_code,
            ),
            field="code",
        )
    if not any(scan.crate_id == crate.id for scan in stocktake.scans):
        stocktake.scans.append(StocktakeScan(crate=crate))
        session.flush()
    return crate


def count_loose(
    session: Session, *, actor: User, stocktake: Stocktake, line: services.LineInput
) -> None:
    """Record a loose quantity counted (0 is a real count: none left)."""
    services.ensure_may_act_at(actor, stocktake.site)
    if isinstance(line.quantity, bool) or not 0 <= line.quantity <= services.MAX_LOOSE_QUANTITY:
        raise InvalidInput(
            _("The count must be a whole number from 0 to 100,000."), field="quantity"
        )
    stock_item = services.get_stock_item(session, line.item_id, line.gender, line.size)
    for count in stocktake.counts:
        if count.stock_item_id == stock_item.id:
            count.counted = line.quantity
            break
    else:
        stocktake.counts.append(StocktakeCount(stock_item=stock_item, counted=line.quantity))
    session.flush()


@dataclass(frozen=True)
class LooseDifference:
    stock_item: StockItem
    expected: int
    counted: int

    @property
    def difference(self) -> int:
        return self.counted - self.expected


@dataclass(frozen=True)
class StocktakePlan:
    """What confirming would change, shown to the coordinator before they confirm."""

    found_here: list[Crate]
    missing: list[Crate]
    closed_crates: list[Crate]
    loose: list[LooseDifference]
    uncounted_loose: list[tuple[StockItem, int]]

    @property
    def changes(self) -> int:
        return (
            len(self.found_here)
            + len(self.missing)
            + sum(1 for row in self.loose if row.difference)
        )


def expected_loose(session: Session, site_id: int) -> dict[int, int]:
    """Per stock item, what the ledger says is at the site outside any crate."""
    levels = session.execute(
        select(StockLevel.stock_item_id, StockLevel.quantity).where(StockLevel.site_id == site_id)
    )
    in_crates = session.execute(
        select(CrateLine.stock_item_id, func.sum(CrateLine.quantity))
        .join(Crate, Crate.id == CrateLine.crate_id)
        .where(Crate.site_id == site_id, Crate.state == CrateState.IN_STOCK)
        .group_by(CrateLine.stock_item_id)
    )
    loose: dict[int, int] = defaultdict(int, {item: quantity for item, quantity in levels})
    for stock_item_id, quantity in in_crates:
        loose[stock_item_id] -= int(quantity)
    return loose


def plan_stocktake(session: Session, stocktake: Stocktake) -> StocktakePlan:
    site_id = stocktake.site_id
    scanned = [scan.crate for scan in stocktake.scans]
    scanned_ids = {crate.id for crate in scanned}
    here = session.scalars(
        select(Crate)
        .where(Crate.site_id == site_id, Crate.state == CrateState.IN_STOCK)
        .order_by(Crate.code)
    ).all()
    loose = expected_loose(session, site_id)
    counted = {count.stock_item_id: count for count in stocktake.counts}
    uncounted = [
        (session.get_one(StockItem, stock_item_id), quantity)
        for stock_item_id, quantity in sorted(loose.items())
        if quantity and stock_item_id not in counted
    ]
    return StocktakePlan(
        found_here=[
            crate
            for crate in scanned
            if crate.state not in FINAL_STATES
            and not (crate.state == CrateState.IN_STOCK and crate.site_id == site_id)
        ],
        missing=[crate for crate in here if crate.id not in scanned_ids],
        closed_crates=[crate for crate in scanned if crate.state in FINAL_STATES],
        loose=[
            LooseDifference(count.stock_item, loose.get(stock_item_id, 0), count.counted)
            for stock_item_id, count in counted.items()
        ],
        uncounted_loose=uncounted,
    )


def confirm_stocktake(session: Session, *, actor: User, stocktake: Stocktake) -> StocktakePlan:
    """Apply the plan in one transaction. Loose counts are applied after the crates
    move, against what the ledger then says is outside crates."""
    services.ensure_may_act_at(actor, stocktake.site)
    plan = plan_stocktake(session, stocktake)
    locked = services.lock_crates(
        session, [crate.code for crate in [*plan.found_here, *plan.missing]]
    )
    found, missing = locked[: len(plan.found_here)], locked[len(plan.found_here) :]
    # Every balance this can change, locked at once in the global order: the crates'
    # contents where they are and here, and the loose counts here.
    ledger.lock_balances(
        session,
        [
            *(
                key
                for crate in locked
                for key in crate_balance_keys(crate, crate.site_id, stocktake.site_id)
            ),
            *((stocktake.site_id, count.stock_item_id) for count in stocktake.counts),
        ],
    )
    for crate in found:
        services.book_crate_in(session, actor=actor, crate=crate, site=stocktake.site)
    services.mark_crates_lost(session, actor=actor, crates=missing)
    session.flush()
    loose_now = expected_loose(session, stocktake.site_id)
    ledger.post_movements(
        session,
        [
            ledger.Posting(
                site_id=stocktake.site_id,
                stock_item_id=count.stock_item_id,
                quantity=difference,
                reason=MovementReason.ADJUSTED,
                reference=f"stocktake:{stocktake.id}",
                note=_("Stocktake"),
            )
            for count in stocktake.counts
            if (difference := count.counted - loose_now.get(count.stock_item_id, 0))
        ],
        actor_id=actor.id,
        allow_negative=True,
    )
    close_stocktake(stocktake, actor, StocktakeStatus.CONFIRMED)
    return plan


def cancel_stocktake(session: Session, *, actor: User, stocktake: Stocktake) -> None:
    services.ensure_may_act_at(actor, stocktake.site)
    close_stocktake(stocktake, actor, StocktakeStatus.CANCELLED)
    session.flush()


def close_stocktake(stocktake: Stocktake, actor: User, status: StocktakeStatus) -> None:
    stocktake.status = status
    stocktake.closed_by_id = actor.id
    stocktake.closed_at = utcnow()
