"""After a distribution's run: the people served (counts only), what was handed out and
what came back. Handed-out stock leaves the place as distributed, returns go back to the
warehouse, and loose units neither handed out nor brought back are written off; crates
are handed out or returned by inventory."""

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import gettext as _

from app.errors import Conflict, InvalidInput
from app.extensions import Session
from app.models import User, utcnow
from inventory import ledger
from inventory import services as inventory
from inventory.models import CrateAction, MovementReason
from logistics.models import Distribution, DistributionResult, DistributionStatus
from logistics.services.distributions import MAX_PEOPLE, get_distribution, whole_number
from logistics.services.runs import OnTheVan, crate_stock, ensure_may_run, move_postings, on_the_van


@dataclass(frozen=True)
class Served:
    """How many people a distribution served: counts only, never who."""

    adults: int
    minors: int
    families: int


@dataclass(frozen=True)
class LooseOutcome:
    handed_out: int
    returned: int


def validate_served(served: Served) -> None:
    for name in ("adults", "minors", "families"):
        whole_number(getattr(served, name), 0, MAX_PEOPLE, f"served_{name}")


def record_run(
    session: Session,
    *,
    actor: User,
    distribution_id: int,
    served: Served,
    loose: Mapping[int, LooseOutcome],
    crates_back: set[int],
    notes: str = "",
) -> Distribution:
    """After the run: people served, what was handed out and what came back. Handed-out
    stock leaves the place as distributed, returns go back to the warehouse, and loose
    units neither handed out nor brought back are written off. Recorded once: a second
    submit is refused, and changes nothing."""
    distribution = get_distribution(session, distribution_id, for_update=True)
    ensure_may_run(actor, distribution)
    if distribution.status == DistributionStatus.DONE:
        raise Conflict(_("This distribution was already recorded."))
    if distribution.status not in (DistributionStatus.LOADING, DistributionStatus.OUT):
        raise Conflict(
            _("Nothing was loaded for this distribution, so there is nothing to record.")
        )
    validate_served(served)
    if len(notes) > 1000:
        raise InvalidInput(_("The note is too long (1,000 characters at most)."), field="notes")
    van = on_the_van(session, distribution, lock_crates=True)
    outcomes = validate_loose(van, loose)
    if not crates_back <= van.crates.keys():
        raise InvalidInput(_("Only crates on the van can come back."), field="crates_back")
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    postings = []
    for stock_item_id, (handed_out, returned, written_off) in outcomes.items():
        totals[stock_item_id] = [handed_out, returned, written_off]
        for quantity, reason in (
            (handed_out, MovementReason.DISTRIBUTED),
            (written_off, MovementReason.SCRAPPED),
        ):
            if quantity:
                postings += leaving_place(distribution, {stock_item_id: quantity}, reason)
        if returned:
            postings += move_postings(
                distribution,
                {stock_item_id: returned},
                to_place=False,
                reason=MovementReason.RETURNED,
            )
    for crate in van.crates.values():
        for stock_item_id, quantity in crate_stock(crate).items():
            totals[stock_item_id][1 if crate.id in crates_back else 0] += quantity
    # Loose stock and crates are posted apart: every balance they change is locked first,
    # in the ledger's one order, so two runs recorded at once cannot deadlock.
    ledger.lock_balances(
        session,
        [posting.key for posting in postings]
        + [
            key
            for crate in van.crates.values()
            for key in inventory.crate_balance_keys(
                crate, crate.site_id, distribution.departure_site_id
            )
        ],
    )
    ledger.post_movements(session, postings, actor_id=actor.id)
    settle_crates(session, distribution, actor, van, crates_back)
    session.add_all(
        DistributionResult(
            distribution_id=distribution.id,
            stock_item_id=stock_item_id,
            handed_out=handed_out,
            returned=returned,
            written_off=written_off,
        )
        for stock_item_id, (handed_out, returned, written_off) in sorted(totals.items())
    )
    distribution.served_adults = served.adults
    distribution.served_minors = served.minors
    distribution.served_families = served.families
    distribution.notes = "\n".join(part for part in (distribution.notes, notes.strip()) if part)
    distribution.status = DistributionStatus.DONE
    distribution.recorded_at = utcnow()
    distribution.recorded_by_id = actor.id
    session.flush()
    return distribution


def validate_loose(
    van: OnTheVan, loose: Mapping[int, LooseOutcome]
) -> dict[int, tuple[int, int, int]]:
    """Each loose item on the van: handed out, returned, and the rest written off."""
    if not loose.keys() <= van.loose.keys():
        raise InvalidInput(_("Only what is on the van can be handed out."), field="loose")
    outcomes = {}
    for stock_item_id, loaded in van.loose.items():
        outcome = loose.get(stock_item_id)
        if outcome is None:
            raise InvalidInput(
                _("Say how many of each item on the van were handed out."), field="loose"
            )
        handed_out = whole_number(outcome.handed_out, 0, loaded, f"handed_out_{stock_item_id}")
        returned = whole_number(outcome.returned, 0, loaded, f"returned_{stock_item_id}")
        if handed_out + returned > loaded:
            raise InvalidInput(
                _(
                    "%(loaded)s were loaded: handed out and brought back cannot add up to more.",
                    loaded=loaded,
                ),
                field=f"returned_{stock_item_id}",
            )
        outcomes[stock_item_id] = (handed_out, returned, loaded - handed_out - returned)
    return outcomes


def leaving_place(
    distribution: Distribution,
    stock: Mapping[int, int],
    reason: MovementReason,
) -> list[ledger.Posting]:
    """Loose stock that leaves the place for good: handed out, or written off."""
    return [
        ledger.Posting(
            site_id=distribution.place_site_id,
            stock_item_id=stock_item_id,
            quantity=-quantity,
            reason=reason,
            reference=distribution.reference,
        )
        for stock_item_id, quantity in stock.items()
    ]


def settle_crates(
    session: Session,
    distribution: Distribution,
    actor: User,
    van: OnTheVan,
    crates_back: set[int],
) -> None:
    """Crates brought back are in stock at the warehouse again; the others were handed out."""
    crates = van.crates.values()
    inventory.carry_crates(
        session,
        actor=actor,
        crates=[crate for crate in crates if crate.id in crates_back],
        to_site_id=distribution.departure_site_id,
        action=CrateAction.RETURN,
        reference=distribution.reference,
        distribution=distribution.id,
    )
    inventory.hand_out_crates(
        session,
        actor=actor,
        crates=[crate for crate in crates if crate.id not in crates_back],
        reference=distribution.reference,
        distribution=distribution.id,
    )
