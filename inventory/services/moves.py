"""Where a crate goes: checked in at a site (arrived, moved from another, found again),
placed within its site, sent to another, handed out, or lost after a stocktake."""

from collections.abc import Iterable, Sequence

from flask_babel import gettext as _

from app.errors import Conflict, Forbidden, InvalidInput
from app.extensions import Session
from app.models import User
from inventory import ledger, lifecycle
from inventory.models import Crate, CrateAction, CrateState, MovementReason, Site, may_act_at
from inventory.services.common import ensure_may_act_at, get_site, read_place
from inventory.services.crates import (
    INSERT_CRATE_EVENT,
    crate_event_row,
    crate_postings,
    post_crate_contents,
    record_crate_event,
)
from inventory.whereabouts import find_holder


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
        assert crate.site_id is not None  # a crate in stock is always at a site
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
    postings: list[ledger.Posting] = []
    for crate in crates:
        if not lifecycle.allows(crate, CrateAction.DISTRIBUTE) or crate.site_id is None:
            raise lifecycle.refusal(crate)
        postings += crate_postings(
            crate,
            site_id=crate.site_id,
            sign=-1,
            reason=MovementReason.DISTRIBUTED,
            reference=reference,
        )
    ledger.post_movements(session, postings, actor_id=actor.id)
    for crate in crates:
        lifecycle.advance(crate, CrateAction.DISTRIBUTE)
        crate.place = None
    session.flush()
    if crates:
        session.execute(
            INSERT_CRATE_EVENT,
            [crate_event_row(crate, actor, CrateAction.DISTRIBUTE, **detail) for crate in crates],
        )


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
            if crate.site_id is not None  # as `lost` keeps them; said for the type checker
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
