"""Crate writes: create, pack, correct, scrap, reuse; and what every crate write shares
(its history, its postings). Where a crate goes is in moves.py."""

import json
from collections.abc import Iterable, Sequence
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from app.clock import utcnow
from app.errors import Forbidden, InvalidInput
from app.extensions import Session
from app.lookup import get_one
from app.models import User
from inventory import ledger, lifecycle
from inventory.codes import new_code
from inventory.models import (
    Crate,
    CrateAction,
    CrateEvent,
    CrateLine,
    CrateState,
    LabelBatch,
    MovementReason,
)
from inventory.services.common import (
    MAX_CRATE_WEIGHT_GRAMS,
    MAX_CRATES_AT_ONCE,
    LineInput,
    ensure_may_act_at,
    get_site,
    read_place,
    resolve_lines,
    validate_quantity,
)

INSERT_CRATE_EVENT = CrateEvent.__table__.insert()


def record_crate_event(
    session: Session, crate: Crate, actor: User | None, action: CrateAction, **detail: object
) -> None:
    session.execute(INSERT_CRATE_EVENT, crate_event_row(crate, actor, action, **detail))


def crate_event_row(
    crate: Crate, actor: User | None, action: CrateAction, **detail: object
) -> dict[str, object]:
    """A crate's history is append-only, like the ledger: rows go in by a plain INSERT
    (no ORM bookkeeping for objects nothing reads back in the same request)."""
    return {
        "crate_id": crate.id,
        "at": utcnow(),
        "actor_id": actor.id if actor else None,
        "action": action,
        "site_id": crate.site_id,
        "detail": json.dumps(detail, default=str, ensure_ascii=False),
    }


def crate_balance_keys(crate: Crate, *site_ids: int | None) -> list[tuple[int, int]]:
    return [
        (site_id, line.stock_item_id)
        for line in crate.lines
        for site_id in site_ids
        if site_id is not None
    ]


def lock_crate_balances(
    session: Session, crates: Iterable[Crate], *, also_at: int | None = None
) -> None:
    """Before changing several crates, or one crate at two sites: lock every balance their
    contents can change, at their own site and at `also_at` (see ledger.lock_balances)."""
    ledger.lock_balances(
        session,
        [key for crate in crates for key in crate_balance_keys(crate, crate.site_id, also_at)],
    )


def crate_postings(
    crate: Crate, *, site_id: int, sign: int, reason: MovementReason, reference: str = ""
) -> list[ledger.Posting]:
    """The movements that take a crate's contents into (sign 1) or out of (-1) a site."""
    return [
        ledger.Posting(
            site_id=site_id,
            stock_item_id=line.stock_item_id,
            quantity=sign * line.quantity,
            reason=reason,
            crate_id=crate.id,
            reference=reference,
        )
        for line in crate.lines
    ]


def post_crate_contents(
    session: Session,
    crate: Crate,
    *,
    site_id: int,
    sign: int,
    reason: MovementReason,
    actor: User,
    allow_negative: bool = False,
) -> None:
    ledger.post_movements(
        session,
        crate_postings(crate, site_id=site_id, sign=sign, reason=reason),
        actor_id=actor.id,
        allow_negative=allow_negative,
    )


# --- crates ---------------------------------------------------------------------------


def create_crates(session: Session, *, actor: User, count: int) -> list[Crate]:
    """Blank crates with fresh random codes, for printing labels."""
    validate_quantity(count, MAX_CRATES_AT_ONCE, field="count")
    codes: set[str] = set()
    while len(codes) < count:
        wanted = {new_code() for _ in range(count - len(codes))}
        taken = set(session.scalars(select(Crate.code).where(Crate.code.in_(wanted))))
        codes |= wanted - taken
    crates = [Crate(code=code, state=CrateState.EMPTY) for code in sorted(codes)]
    session.add_all(crates)
    session.flush()
    session.execute(
        INSERT_CRATE_EVENT, [crate_event_row(crate, actor, CrateAction.CREATE) for crate in crates]
    )
    return crates


def create_label_batch(session: Session, *, actor: User, count: int) -> LabelBatch:
    """Blank crates to print labels for, kept together so their labels open from one
    short address."""
    crates = create_crates(session, actor=actor, count=count)
    batch = LabelBatch(codes=",".join(crate.code for crate in crates), created_by_id=actor.id)
    session.add(batch)
    session.flush()
    return batch


def get_label_batch(session: Session, batch_id: int) -> LabelBatch:
    missing = _("There is no batch of labels number %(id)s.", id=batch_id)
    return get_one(session, LabelBatch, batch_id, missing=missing)


def pack_crate(
    session: Session,
    *,
    actor: User,
    crate: Crate,
    site_id: int,
    lines: Sequence[LineInput],
    expiry_date: date | None = None,
    weight_grams: int | None = None,
    note: str = "",
    place: str | None = None,
) -> Crate:
    site = get_site(session, site_id)
    ensure_may_act_at(actor, site)
    lifecycle.ensure_allowed(crate, CrateAction.PACK)
    validate_crate_details(weight_grams, note)
    place = read_place(place)
    for stock_item, quantity in resolve_lines(session, lines).items():
        crate.lines.append(CrateLine(stock_item=stock_item, quantity=quantity))
    lifecycle.advance(crate, CrateAction.PACK)
    crate.site_id = site.id
    crate.expiry_date = expiry_date
    crate.weight_grams = weight_grams
    crate.note = note.strip()
    crate.place = place
    session.flush()
    post_crate_contents(
        session, crate, site_id=site.id, sign=1, reason=MovementReason.RECEIVED, actor=actor
    )
    record_crate_event(session, crate, actor, CrateAction.PACK, lines=describe_lines(crate))
    return crate


def validate_crate_details(weight_grams: int | None, note: str) -> None:
    if weight_grams is not None and not 0 <= weight_grams <= MAX_CRATE_WEIGHT_GRAMS:
        raise InvalidInput(_("The weight must be between 0 and 500 kg."), field="weight_grams")
    if len(note) > 500:
        raise InvalidInput(_("The note is too long (500 characters at most)."), field="note")


def describe_lines(crate: Crate) -> list[list[object]]:
    return [[line.stock_item_id, line.quantity] for line in crate.lines]


def edit_crate_contents(
    session: Session, *, actor: User, crate: Crate, lines: Sequence[LineInput]
) -> Crate:
    """Correct what a packed crate holds; the ledger gets an adjustment per difference."""
    if not lifecycle.allows(crate, CrateAction.EDIT_CONTENTS) or crate.site is None:
        raise lifecycle.refusal(crate)
    ensure_may_act_at(actor, crate.site)
    wanted = {
        stock_item.id: quantity for stock_item, quantity in resolve_lines(session, lines).items()
    }
    current = {line.stock_item_id: line for line in crate.lines}
    before = {stock_item_id: line.quantity for stock_item_id, line in current.items()}
    changed = sorted(
        stock_item_id
        for stock_item_id in set(wanted) | set(current)
        if wanted.get(stock_item_id, 0) != before.get(stock_item_id, 0)
    )
    ledger.post_movements(
        session,
        [
            ledger.Posting(
                site_id=crate.site.id,
                stock_item_id=stock_item_id,
                quantity=wanted.get(stock_item_id, 0) - before.get(stock_item_id, 0),
                reason=MovementReason.ADJUSTED,
                crate_id=crate.id,
                note="crate contents corrected",
            )
            for stock_item_id in changed
        ],
        actor_id=actor.id,
    )
    for stock_item_id in changed:
        after = wanted.get(stock_item_id, 0)
        if after == 0:
            crate.lines.remove(current[stock_item_id])
        elif stock_item_id in current:
            current[stock_item_id].quantity = after
        else:
            crate.lines.append(CrateLine(stock_item_id=stock_item_id, quantity=after))
    session.flush()
    record_crate_event(
        session, crate, actor, CrateAction.EDIT_CONTENTS, lines=describe_lines(crate)
    )
    return crate


def scrap_crate(session: Session, *, actor: User, crate: Crate, reason: str = "") -> Crate:
    """Throw a crate away: its contents leave stock if it was in stock."""
    if len(reason) > 500:
        raise InvalidInput(_("The note is too long (500 characters at most)."), field="reason")
    lifecycle.ensure_allowed(crate, CrateAction.SCRAP)
    if crate.state == CrateState.IN_STOCK:
        if crate.site is None:
            raise lifecycle.refusal(crate)
        ensure_may_act_at(actor, crate.site)
        post_crate_contents(
            session,
            crate,
            site_id=crate.site.id,
            sign=-1,
            reason=MovementReason.SCRAPPED,
            actor=actor,
        )
    else:
        place = crate.destination or crate.site
        if place is not None:
            ensure_may_act_at(actor, place)
        elif not actor.works_everywhere:
            raise Forbidden(_("Only a coordinator can scrap a label that was never used."))
    lifecycle.advance(crate, CrateAction.SCRAP)
    crate.place = None
    session.flush()
    record_crate_event(session, crate, actor, CrateAction.SCRAP, reason=reason.strip())
    return crate


def reuse_crate(session: Session, *, actor: User, crate: Crate) -> Crate:
    """A distributed or scrapped crate's label starts a new life: the crate is empty
    again, to be packed anew. Its history and its ledger movements stay; only its
    current contents and whereabouts are cleared, and no stock changes."""
    lifecycle.ensure_allowed(crate, CrateAction.REUSE)
    record_crate_event(session, crate, actor, CrateAction.REUSE, was=crate.state.value)
    crate.lines.clear()
    lifecycle.advance(crate, CrateAction.REUSE)
    crate.site, crate.site_id = None, None
    crate.destination, crate.destination_site_id = None, None
    crate.expiry_date = None
    crate.weight_grams = None
    crate.note = ""
    session.flush()
    return crate
