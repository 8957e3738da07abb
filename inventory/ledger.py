"""The stock ledger: the only code that writes StockMovement and StockLevel.

Each movement is appended and its balance changed in the same transaction by one
atomic UPDATE, so two volunteers scanning at once never lose an update, and a
balance never goes below zero except through an explicit adjustment.

The movements of one action (a crate's lines leaving one site and reaching another)
are posted together by `post_movements`: one statement locks every balance they touch
in the global order and reads it, then one round trip changes them all and one appends
the movements. A refusal (not enough stock) is raised before anything is changed."""

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from flask_babel import gettext as _
from sqlalchemy import Boolean, Integer, bindparam, func, or_, select, update
from sqlalchemy.engine import CursorResult

from app.clock import utcnow
from app.errors import Conflict, InvalidInput
from app.extensions import Session
from app.models import built_per_database, for_database
from inventory.models import MovementReason, StockLevel, StockMovement

MAX_MOVEMENT = 1_000_000

levels = StockLevel.__table__
movements_table = StockMovement.__table__

Key = tuple[int, int]  # (site_id, stock_item_id), the order balances are locked in
DATED_KEY = "relais.ledger.dated"

# The statements, built once. Rows go in as parameters, an executemany: SQLAlchemy sends
# the upsert as one multi-row INSERT (its VALUES in the order given), psycopg sends the
# UPDATEs in one round trip.
LOCK_BALANCES = built_per_database(
    lambda insert: (
        insert(levels)
        .on_conflict_do_update(
            index_elements=[levels.c.site_id, levels.c.stock_item_id],
            set_={"quantity": levels.c.quantity},
        )
        .returning(levels.c.site_id, levels.c.stock_item_id, levels.c.quantity)
    )
)
CHANGE_BALANCE = (
    update(levels)
    .where(
        levels.c.site_id == bindparam("key_site_id"),
        levels.c.stock_item_id == bindparam("key_stock_item_id"),
        or_(
            bindparam("unguarded", type_=Boolean),
            levels.c.quantity + bindparam("delta", type_=Integer) >= 0,
        ),
    )
    .values(quantity=levels.c.quantity + bindparam("delta", type_=Integer))
)
INSERT_MOVEMENTS = movements_table.insert()


class InsufficientStock(Conflict):
    code = "insufficient_stock"


@dataclass(frozen=True)
class Posting:
    """One movement to post with others (see post_movements)."""

    site_id: int
    stock_item_id: int
    quantity: int
    reason: MovementReason
    crate_id: int | None = None
    reference: str = ""
    note: str = ""
    event_id: str | None = None
    reverses_id: int | None = None

    @property
    def key(self) -> Key:
        return (self.site_id, self.stock_item_id)


@contextmanager
def dated(session: Session, at: datetime) -> Iterator[None]:
    """Movements posted inside are stamped `at` instead of now: for the demo, whose story
    of past weeks goes through the same services as a volunteer's taps."""
    session.info[DATED_KEY] = at
    try:
        yield
    finally:
        del session.info[DATED_KEY]


def movement_time(session: Session) -> datetime:
    return session.info.get(DATED_KEY) or utcnow()


def validate_movement_quantity(quantity: int) -> None:
    if quantity == 0 or abs(quantity) > MAX_MOVEMENT:
        raise InvalidInput(_("A stock movement needs a quantity between 1 and 1,000,000."))


def post_movements(
    session: Session,
    postings: Sequence[Posting],
    *,
    actor_id: int | None,
    allow_negative: bool = False,
) -> None:
    """Post several movements as one change: all of them, or (InsufficientStock raised)
    none. Balances are checked on their net change, so a batch that takes and gives
    back the same item is judged on what it leaves."""
    if not postings:
        return
    net: dict[Key, int] = {}
    for posting in postings:
        validate_movement_quantity(posting.quantity)
        net[posting.key] = net.get(posting.key, 0) + posting.quantity
    change_balances(session, net, allow_negative=allow_negative)
    now = movement_time(session)
    session.execute(
        INSERT_MOVEMENTS,
        [
            {
                "site_id": posting.site_id,
                "stock_item_id": posting.stock_item_id,
                "quantity": posting.quantity,
                "reason": posting.reason,
                "actor_id": actor_id,
                "crate_id": posting.crate_id,
                "reference": posting.reference,
                "note": posting.note,
                "event_id": posting.event_id,
                "reverses_id": posting.reverses_id,
                "created_at": now,
            }
            for posting in postings
        ],
    )


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
    """One movement on its own, returned (for a reversal to point at)."""
    validate_movement_quantity(quantity)
    change_balances(session, {(site_id, stock_item_id): quantity}, allow_negative=allow_negative)
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
        created_at=movement_time(session),
    )
    session.add(movement)
    return movement


def change_balances(session: Session, deltas: Mapping[Key, int], *, allow_negative: bool) -> None:
    """Lock the balances (creating missing ones at zero), refuse if one would go below
    zero, then change each by an atomic UPDATE that keeps the guard too."""
    balances = lock_balances(session, deltas)
    changes = sorted((key, delta) for key, delta in deltas.items() if delta)
    if not allow_negative:
        for key, delta in changes:
            if delta < 0 and balances[key] + delta < 0:
                raise InsufficientStock(
                    _(
                        "Not enough stock here: this would take %(count)s more than there is.",
                        count=-delta - balances[key],
                    )
                )
    if not changes:
        return
    result = session.execute(
        CHANGE_BALANCE,
        [
            {
                "key_site_id": site_id,
                "key_stock_item_id": stock_item_id,
                "delta": delta,
                "unguarded": allow_negative or delta > 0,
            }
            for (site_id, stock_item_id), delta in changes
        ],
    )
    # A DML statement's result is a CursorResult, which counts the rows it changed.
    changed = cast(CursorResult[Any], result).rowcount
    if changed != len(changes):
        # Cannot happen while every change goes through here: the rows are locked.
        raise RuntimeError(f"{len(changes) - changed} balance(s) changed under their lock")


def lock_balances(session: Session, keys: Iterable[Key]) -> dict[Key, int]:
    """Lock the balances of (site_id, stock_item_id) pairs about to change, in one order
    shared by every transaction, so two that change the same balances in other orders
    (crates packed with lines in another order, crossing transfers) wait for each other
    instead of deadlocking. Missing rows are created at zero in the same statement and
    the same order. Returns each balance as it stands, now that no one else can change
    it until this transaction ends.

    One upsert does it all: rows are inserted or, when they exist, locked (an ON CONFLICT
    DO UPDATE locks the row it meets, here with an update that changes nothing) in the
    order of its VALUES list. SQLite takes its one write lock at BEGIN IMMEDIATE."""
    ordered = sorted(set(keys))
    if not ordered:
        return {}
    rows = session.execute(
        for_database(session, LOCK_BALANCES),
        [
            {"site_id": site_id, "stock_item_id": stock_item_id, "quantity": 0}
            for site_id, stock_item_id in ordered
        ],
    )
    return {(site_id, stock_item_id): quantity for site_id, stock_item_id, quantity in rows}


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
