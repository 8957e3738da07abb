"""Crates that leave their site on a van for a while: loaded for a place (a
distribution's), taken off again before it sets off, or brought back after the run.
The package that runs the vans calls carry_crates; only inventory changes a crate's
state and site. (Handing out a crate's contents is moves.hand_out_crates.)"""

from collections.abc import Sequence

from app.extensions import Session
from app.models import User
from inventory import ledger, lifecycle
from inventory.models import Crate, CrateAction, MovementReason
from inventory.services.crates import INSERT_CRATE_EVENT, crate_event_row, crate_postings

# Onto the van, its contents are counted at the place it goes to; off it, before it sets
# off or after its run, they are back where they came from.
VAN_REASONS = {
    CrateAction.LOAD: MovementReason.LOADED,
    CrateAction.UNLOAD: MovementReason.RETURNED,
    CrateAction.RETURN: MovementReason.RETURNED,
}


def carry_crates(
    session: Session,
    *,
    actor: User,
    crates: Sequence[Crate],
    to_site_id: int,
    action: CrateAction,
    reference: str,
    **detail: object,
) -> None:
    """Crates in stock move with a van to `to_site_id`: loaded (LOAD) for the place it
    goes to, where they stay in stock until handed out or brought back; taken off before
    it sets off (UNLOAD), or brought back unopened after its run (RETURN). Their contents
    move between the two sites in the ledger, and each crate's history says so."""
    reason = VAN_REASONS[action]
    postings: list[ledger.Posting] = []
    for crate in crates:
        if not lifecycle.allows(crate, action) or crate.site_id is None:
            raise lifecycle.refusal(crate)
        postings += crate_postings(
            crate, site_id=crate.site_id, sign=-1, reason=reason, reference=reference
        )
        postings += crate_postings(
            crate, site_id=to_site_id, sign=1, reason=reason, reference=reference
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
