"""The stock ledger: the only code that writes StockMovement and StockLevel.

Each movement is appended and its balance changed in the same transaction by one
atomic UPDATE, so two volunteers scanning at once never lose an update, and a
balance never goes below zero except through an explicit adjustment."""

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app.errors import Conflict, InvalidInput
from inventory.models import MovementReason, StockLevel, StockMovement

MAX_MOVEMENT = 1_000_000

levels = StockLevel.__table__


class InsufficientStock(Conflict):
    code = "insufficient_stock"


def post_movement(
    session: Session,
    *,
    site_id: int,
    stock_item_id: int,
    quantity: int,
    reason: MovementReason,
    actor_id: int | None,
    crate_id: int | None = None,
    reference: str = "",
    note: str = "",
    event_id: str | None = None,
    allow_negative: bool = False,
    reverses_id: int | None = None,
) -> StockMovement:
    if quantity == 0 or abs(quantity) > MAX_MOVEMENT:
        raise InvalidInput(_("A stock movement needs a quantity between 1 and 1,000,000."))
    change_balance(session, site_id, stock_item_id, quantity, allow_negative=allow_negative)
    movement = StockMovement(
        site_id=site_id,
        stock_item_id=stock_item_id,
        quantity=quantity,
        reason=reason,
        actor_id=actor_id,
        crate_id=crate_id,
        reference=reference,
        note=note,
        event_id=event_id,
        reverses_id=reverses_id,
    )
    session.add(movement)
    return movement


def change_balance(
    session: Session, site_id: int, stock_item_id: int, delta: int, *, allow_negative: bool
) -> int:
    if delta > 0 or allow_negative:
        ensure_level_row(session, site_id, stock_item_id)
    statement = (
        update(levels)
        .where(levels.c.site_id == site_id, levels.c.stock_item_id == stock_item_id)
        .values(quantity=levels.c.quantity + delta)
        .returning(levels.c.quantity)
    )
    if delta < 0 and not allow_negative:
        statement = statement.where(levels.c.quantity + delta >= 0)
    balance = session.execute(statement).scalar_one_or_none()
    if balance is None:
        raise InsufficientStock(
            _(
                "Not enough stock here: this would take %(count)s more than there is.",
                count=-delta - balance_of(session, site_id, stock_item_id),
            )
        )
    return balance


def lock_balances(session: Session, keys: Iterable[tuple[int, int]]) -> None:
    """Lock the balances of (site_id, stock_item_id) pairs about to change, in one order
    shared by every transaction, so two that change the same balances in other orders
    (crates packed with lines in another order, crossing transfers) wait for each other
    instead of deadlocking. Missing rows are created at zero first, in the same order."""
    ordered = sorted(set(keys))
    if not ordered:
        return
    for site_id, stock_item_id in ordered:
        ensure_level_row(session, site_id, stock_item_id)
    session.execute(
        select(levels.c.quantity)
        .where(tuple_(levels.c.site_id, levels.c.stock_item_id).in_(ordered))
        .order_by(levels.c.site_id, levels.c.stock_item_id)
        .with_for_update()
    )


def ensure_level_row(session: Session, site_id: int, stock_item_id: int) -> None:
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    session.execute(
        insert(levels)
        .values(site_id=site_id, stock_item_id=stock_item_id, quantity=0)
        .on_conflict_do_nothing()
    )


def balance_of(session: Session, site_id: int, stock_item_id: int) -> int:
    return (
        session.scalar(
            select(levels.c.quantity).where(
                levels.c.site_id == site_id, levels.c.stock_item_id == stock_item_id
            )
        )
        or 0
    )


def reverse_movement(
    session: Session, movement: StockMovement, *, actor_id: int | None, note: str
) -> StockMovement:
    """Undo a mistaken movement by posting its opposite; the original stays."""
    already = session.scalar(
        select(StockMovement.id).where(StockMovement.reverses_id == movement.id)
    )
    if already is not None or movement.reverses_id is not None:
        raise Conflict(_("This movement has already been corrected."))
    return post_movement(
        session,
        site_id=movement.site_id,
        stock_item_id=movement.stock_item_id,
        quantity=-movement.quantity,
        reason=MovementReason.ADJUSTED,
        actor_id=actor_id,
        crate_id=movement.crate_id,
        note=note,
        reverses_id=movement.id,
    )


@dataclass(frozen=True)
class Drift:
    site_id: int
    stock_item_id: int
    balance: int
    sum_of_movements: int


def find_drift(session: Session) -> list[Drift]:
    """Every balance that differs from the sum of its movements (both ways round)."""
    sums = (
        select(
            StockMovement.site_id,
            StockMovement.stock_item_id,
            func.sum(StockMovement.quantity).label("total"),
        )
        .group_by(StockMovement.site_id, StockMovement.stock_item_id)
        .subquery()
    )
    from_levels = (
        select(
            levels.c.site_id,
            levels.c.stock_item_id,
            levels.c.quantity,
            func.coalesce(sums.c.total, 0),
        )
        .outerjoin(
            sums,
            (sums.c.site_id == levels.c.site_id) & (sums.c.stock_item_id == levels.c.stock_item_id),
        )
        .where(levels.c.quantity != func.coalesce(sums.c.total, 0))
    )
    from_movements = (
        select(
            sums.c.site_id, sums.c.stock_item_id, func.coalesce(levels.c.quantity, 0), sums.c.total
        )
        .outerjoin(
            levels,
            (sums.c.site_id == levels.c.site_id) & (sums.c.stock_item_id == levels.c.stock_item_id),
        )
        .where(levels.c.site_id.is_(None), sums.c.total != 0)
    )
    rows = [*session.execute(from_levels), *session.execute(from_movements)]
    return [Drift(*row) for row in rows]
