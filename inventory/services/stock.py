"""Loose stock (not in crates): receive, move between sites, correct after a count."""

from flask_babel import gettext as _

from app.errors import InvalidInput, NotFound
from app.extensions import Session
from app.models import User
from inventory import ledger
from inventory.models import (
    MovementReason,
    StockItem,
)
from inventory.services.common import (
    MAX_LOOSE_QUANTITY,
    LineInput,
    ensure_may_act_at,
    get_site,
    get_stock_item,
    validate_quantity,
)

# --- loose stock ----------------------------------------------------------------------


def receive_loose(
    session: Session, *, actor: User, site_id: int, line: LineInput, note: str = ""
) -> None:
    site = get_site(session, site_id)
    ensure_may_act_at(actor, site)
    quantity = validate_quantity(line.quantity, MAX_LOOSE_QUANTITY)
    stock_item = get_stock_item(session, line.item_id, line.gender, line.size)
    ledger.post_movement(
        session,
        site_id=site.id,
        stock_item_id=stock_item.id,
        quantity=quantity,
        reason=MovementReason.RECEIVED,
        actor_id=actor.id,
        note=note.strip()[:500],
    )


def move_loose(
    session: Session, *, actor: User, from_site_id: int, to_site_id: int, line: LineInput
) -> None:
    source = get_site(session, from_site_id)
    destination = get_site(session, to_site_id)
    ensure_may_act_at(actor, source)
    if source.id == destination.id:
        raise InvalidInput(_("Choose another site to move to."), field="to_site_id")
    quantity = validate_quantity(line.quantity, MAX_LOOSE_QUANTITY)
    stock_item = get_stock_item(session, line.item_id, line.gender, line.size)
    # Both balances in one posting, so they are locked together in the global order and
    # two transfers crossing each other cannot deadlock.
    ledger.post_movements(
        session,
        [
            ledger.Posting(
                site_id=source.id,
                stock_item_id=stock_item.id,
                quantity=-quantity,
                reason=MovementReason.TRANSFER_OUT,
            ),
            ledger.Posting(
                site_id=destination.id,
                stock_item_id=stock_item.id,
                quantity=quantity,
                reason=MovementReason.TRANSFER_IN,
            ),
        ],
        actor_id=actor.id,
    )


def adjust_stock(
    session: Session, *, actor: User, site_id: int, stock_item_id: int, counted: int, note: str
) -> int:
    """Set a balance to what was counted; may take it below what movements expect, never
    below zero. Returns the change posted (0 when the count matched)."""
    site = get_site(session, site_id)
    ensure_may_act_at(actor, site)
    if (
        isinstance(counted, bool)
        or not isinstance(counted, int)
        or not 0 <= counted <= MAX_LOOSE_QUANTITY
    ):
        raise InvalidInput(
            _("The count must be a whole number from 0 to 100,000."), field="counted"
        )
    if not note.strip():
        raise InvalidInput(_("Say why the stock is adjusted."), field="note")
    if session.get(StockItem, stock_item_id) is None:
        raise NotFound(
            _("There is no item number %(id)s.", id=stock_item_id), field="stock_item_id"
        )
    # Read the balance under its lock, so a change committed meanwhile cannot make the
    # balance end anywhere but at the count.
    balances = ledger.lock_balances(session, [(site.id, stock_item_id)])
    delta = counted - balances[(site.id, stock_item_id)]
    if delta:
        ledger.post_movement(
            session,
            site_id=site.id,
            stock_item_id=stock_item_id,
            quantity=delta,
            reason=MovementReason.ADJUSTED,
            actor_id=actor.id,
            note=note.strip()[:500],
            allow_negative=True,
        )
    return delta
