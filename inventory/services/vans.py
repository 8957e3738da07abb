"""Crates that leave their site on a van for a while: loaded for a place (a
distribution's), taken off again before it sets off, or brought back after the run.
The package that runs the vans calls these; only inventory changes a crate's state and
site. (Handing out a crate's contents is crates.hand_out_crates.)"""

from collections.abc import Sequence

from sqlalchemy.orm import Session

from app.models import User
from inventory import ledger, lifecycle
from inventory.models import Crate, CrateAction, MovementReason
from inventory.services.crates import INSERT_CRATE_EVENT, crate_event_row


def carry_postings(
    crate: Crate, *, from_site_id: int, to_site_id: int, reason: MovementReason, reference: str
) -> list[ledger.Posting]:
    """The crate's contents out of one site and into the other, line by line."""
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
        for site_id, sign in ((from_site_id, -1), (to_site_id, 1))
    ]


def carry_crates(
    session: Session,
    *,
    actor: User,
    crates: Sequence[Crate],
    to_site_id: int,
    action: CrateAction,
    reason: MovementReason,
    reference: str,
    detail: dict[str, object],
) -> None:
    postings: list[ledger.Posting] = []
    for crate in crates:
        if not lifecycle.allows(crate, action) or crate.site_id is None:
            raise lifecycle.refusal(crate)
        postings += carry_postings(
            crate,
            from_site_id=crate.site_id,
            to_site_id=to_site_id,
            reason=reason,
            reference=reference,
        )
    ledger.post_movements(session, postings, actor_id=actor.id)
    for crate in crates:
        lifecycle.advance(crate, action)
        crate.site_id = to_site_id
        crate.place = None  # on the van, or back with no place known yet
    if crates:
        session.execute(
            INSERT_CRATE_EVENT,
            [crate_event_row(crate, actor, action, **detail) for crate in crates],
        )


def load_crate(
    session: Session,
    *,
    actor: User,
    crate: Crate,
    to_site_id: int,
    reference: str,
    **detail: object,
) -> None:
    """A crate in stock goes on a van to `to_site_id`: its contents are counted there
    (reason "loaded") until handed out or brought back."""
    carry_crates(
        session,
        actor=actor,
        crates=[crate],
        to_site_id=to_site_id,
        action=CrateAction.LOAD,
        reason=MovementReason.LOADED,
        reference=reference,
        detail=detail,
    )


def unload_crate(
    session: Session,
    *,
    actor: User,
    crate: Crate,
    to_site_id: int,
    reference: str,
    **detail: object,
) -> None:
    """A crate taken off the van before it sets off: back in stock at `to_site_id`."""
    carry_crates(
        session,
        actor=actor,
        crates=[crate],
        to_site_id=to_site_id,
        action=CrateAction.UNLOAD,
        reason=MovementReason.RETURNED,
        reference=reference,
        detail=detail,
    )


def return_crates(
    session: Session,
    *,
    actor: User,
    crates: Sequence[Crate],
    to_site_id: int,
    reference: str,
    **detail: object,
) -> None:
    """Crates brought back from a run, unopened: in stock at `to_site_id` again."""
    carry_crates(
        session,
        actor=actor,
        crates=crates,
        to_site_id=to_site_id,
        action=CrateAction.RETURN,
        reason=MovementReason.RETURNED,
        reference=reference,
        detail=detail,
    )
