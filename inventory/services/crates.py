"""Crate writes: create, pack, correct, check in, place, send, distribute, scrap, lose."""

import json
from collections.abc import Iterable, Sequence
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.models import User, utcnow
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
    Site,
    may_act_at,
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
from inventory.whereabouts import find_holder

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
    batch = session.get(LabelBatch, batch_id)
    if batch is None:
        raise NotFound(_("There is no batch of labels number %(id)s.", id=batch_id))
    return batch


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
        raise InvalidInput(_("The weight must be between 0 and 500 kg."), field="weight")
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


def check_in_refusal(actor: User, crate: Crate) -> str | None:
    """Why this person may not check the crate in, or None if they may. A volunteer takes
    in only crates sent to a site they work at, or already at one (in stock there, or
    lost there and found again); booking in a crate found elsewhere is a coordinator's
    call, or a stocktake's."""
    if actor.works_everywhere:
        return None
    messages = {
        CrateState.IN_TRANSIT: _(
            "Crate %(code)s is on its way to %(site)s, where you are not assigned: "
            "ask a coordinator to book it in here."
        ),
        CrateState.IN_STOCK: _(
            "Crate %(code)s is in stock at %(site)s, where you are not assigned: "
            "ask a coordinator to book it in here."
        ),
        CrateState.LOST: _(
            "Crate %(code)s was lost at %(site)s, where you are not assigned: "
            "ask a coordinator to book it in here."
        ),
    }
    if crate.state not in messages:
        return None  # a state nothing is checked in from: refuse_state says why
    where = crate.destination if crate.state == CrateState.IN_TRANSIT else crate.site
    if where is not None and may_act_at(actor, where.id):
        return None
    return messages[crate.state] % {
        "code": crate.display_code,
        "site": where.name if where is not None else "?",
    }


def ensure_may_check_in(actor: User, crate: Crate) -> None:
    refusal = check_in_refusal(actor, crate)
    if refusal is not None:
        raise Forbidden(refusal)


def ensure_not_held(session: Session, crate: Crate) -> None:
    """A crate loaded on a van is taken off it there, on purpose, not by a check-in."""
    holder = find_holder(session, crate)
    if holder is not None:
        raise Conflict(
            _(
                "Crate %(code)s cannot be checked in: %(where)s. %(release)s",
                code=crate.display_code,
                where=holder.description,
                release=holder.release,
            )
        )


def check_in_crate(
    session: Session, *, actor: User, crate: Crate, site_id: int, place: str | None = None
) -> Crate:
    """The crate is now at `site_id` (at `place` inside it, if given): arrived from
    transit, moved from another of the person's sites, or found again after being marked
    lost."""
    place = read_place(place)
    site = get_site(session, site_id)
    ensure_may_act_at(actor, site)
    ensure_may_check_in(actor, crate)
    ensure_not_held(session, crate)
    return book_crate_in(session, actor=actor, crate=crate, site=site, place=place)


def book_crate_in(
    session: Session, *, actor: User, crate: Crate, site: Site, place: str | None = None
) -> Crate:
    """Put the crate in stock at `site`, wherever the records had it: for a stocktake,
    which books in every crate counted at its site. `place` is already read_place()d."""
    if crate.state == CrateState.IN_STOCK:
        if crate.site_id == site.id:
            raise Conflict(
                _(
                    "Crate %(code)s is already in stock at %(site)s.",
                    code=crate.display_code,
                    site=site.name,
                )
            )
        # Out of one site and into the other in one posting: both sites' balances are
        # locked together, in the global order.
        postings = crate_postings(
            crate, site_id=crate.site_id, sign=-1, reason=MovementReason.TRANSFER_OUT
        )
        reason_in = MovementReason.TRANSFER_IN
    elif crate.state == CrateState.IN_TRANSIT:
        postings, reason_in = [], MovementReason.TRANSFER_IN
    elif crate.state == CrateState.LOST:
        postings, reason_in = [], MovementReason.ADJUSTED
    else:
        raise lifecycle.refusal(crate)
    postings += crate_postings(crate, site_id=site.id, sign=1, reason=reason_in)
    ledger.post_movements(session, postings, actor_id=actor.id)
    came_from = crate.site_id
    lifecycle.advance(crate, CrateAction.CHECK_IN)
    # The relationships too, so what reads them next in this request sees the move.
    crate.site, crate.site_id = site, site.id
    crate.destination, crate.destination_site_id = None, None
    crate.place = place
    record_crate_event(
        session, crate, actor, CrateAction.CHECK_IN, came_from=came_from, place=place
    )
    return crate


def move_crate_within_site(
    session: Session, *, actor: User, crate: Crate, place: str | None
) -> Crate:
    """The crate stays at its site, in another place there (or none): no stock moves, the
    crate's history records it."""
    place = read_place(place)
    if not lifecycle.allows(crate, CrateAction.PLACE) or crate.site is None:
        raise lifecycle.refusal(crate)
    ensure_may_act_at(actor, crate.site)
    if place == crate.place:
        raise Conflict(
            _("Crate %(code)s is already there.", code=crate.display_code), field="place"
        )
    came_from, crate.place = crate.place, place
    session.flush()
    record_crate_event(session, crate, actor, CrateAction.PLACE, place=place, came_from=came_from)
    return crate


def dispatch_crate(
    session: Session, *, actor: User, crate: Crate, destination_site_id: int
) -> Crate:
    """The crate leaves its site for another: it is in transit until checked in."""
    if not lifecycle.allows(crate, CrateAction.DISPATCH) or crate.site is None:
        raise lifecycle.refusal(crate)
    ensure_may_act_at(actor, crate.site)
    destination = get_site(session, destination_site_id)
    if destination.id == crate.site_id:
        raise InvalidInput(
            _(
                "Crate %(code)s is already at %(site)s.",
                code=crate.display_code,
                site=destination.name,
            ),
            field="site_id",
        )
    post_crate_contents(
        session,
        crate,
        site_id=crate.site.id,
        sign=-1,
        reason=MovementReason.TRANSFER_OUT,
        actor=actor,
    )
    lifecycle.advance(crate, CrateAction.DISPATCH)
    crate.destination_site_id = destination.id
    crate.place = None
    session.flush()
    record_crate_event(session, crate, actor, CrateAction.DISPATCH, destination=destination.id)
    return crate


def distribute_crate(session: Session, *, actor: User, crate: Crate) -> Crate:
    """Everything in the crate was handed out at its site, by someone working there."""
    if not lifecycle.allows(crate, CrateAction.DISTRIBUTE) or crate.site is None:
        raise lifecycle.refusal(crate)
    ensure_may_act_at(actor, crate.site)
    hand_out_crates(session, actor=actor, crates=[crate])
    return crate


def hand_out_crates(
    session: Session,
    *,
    actor: User,
    crates: Sequence[Crate],
    reference: str = "",
    **detail: object,
) -> None:
    """The crates' contents were handed out where they are (a distribution's place, for
    crates that went there on a van): they leave its stock, and the crates are done."""
    for crate in crates:
        if not lifecycle.allows(crate, CrateAction.DISTRIBUTE) or crate.site_id is None:
            raise lifecycle.refusal(crate)
    ledger.post_movements(
        session,
        [
            posting
            for crate in crates
            for posting in crate_postings(
                crate,
                site_id=crate.site_id,
                sign=-1,
                reason=MovementReason.DISTRIBUTED,
                reference=reference,
            )
        ],
        actor_id=actor.id,
    )
    for crate in crates:
        lifecycle.advance(crate, CrateAction.DISTRIBUTE)
        crate.place = None
    session.flush()
    if crates:
        session.execute(
            INSERT_CRATE_EVENT,
            [crate_event_row(crate, actor, CrateAction.DISTRIBUTE, **detail) for crate in crates],
        )


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


def mark_crates_lost(session: Session, *, actor: User, crates: Iterable[Crate]) -> int:
    """After a stocktake: crates that should have been there and were not scanned."""
    lost = [
        crate
        for crate in crates
        if lifecycle.allows(crate, CrateAction.LOSE) and crate.site_id is not None
    ]
    ledger.post_movements(
        session,
        [
            posting
            for crate in lost
            for posting in crate_postings(
                crate, site_id=crate.site_id, sign=-1, reason=MovementReason.ADJUSTED
            )
        ],
        actor_id=actor.id,
    )
    for crate in lost:
        lifecycle.advance(crate, CrateAction.LOSE)
        crate.place = None
    if lost:
        session.execute(
            INSERT_CRATE_EVENT, [crate_event_row(crate, actor, CrateAction.LOSE) for crate in lost]
        )
    return len(lost)
