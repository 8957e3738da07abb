"""Running a distribution: loading the van (crates by their code, loose units by the
count), setting off, or cancelling. What happened once back is recording.py's.

Every change of stock goes through the ledger. Loading moves stock out of the departure
warehouse to the distribution's place (reason "loaded"), so it is counted nowhere twice
and two leads cannot both take the same crate or the last units of an item. Each change
first locks the distribution, then crates, then balances (the ledger's order)."""

from collections.abc import Mapping
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.errors import Conflict, Forbidden, NotFound
from app.extensions import Session
from app.models import User
from inventory import ledger
from inventory import services as inventory
from inventory.models import Crate, CrateAction, CrateState, MovementReason, StockItem, may_act_at
from inventory.services.common import MAX_LOOSE_QUANTITY, validate_quantity
from logistics.models import (
    Distribution,
    DistributionLoad,
    DistributionStatus,
)
from logistics.services.distributions import (
    ensure_open,
    get_distribution,
)


@dataclass
class OnTheVan:
    """What a distribution has loaded and not taken off: loose units per stock item, and
    crates (with their lines) by id."""

    loose: dict[int, int] = field(default_factory=dict)
    crates: dict[int, Crate] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return not self.crates and not any(self.loose.values())


def on_the_van(
    session: Session, distribution: Distribution, *, lock_crates: bool = False
) -> OnTheVan:
    """Crates count while they are still in stock at the place: one handled meanwhile by
    the scanner (distributed there, checked in elsewhere) is off the van."""
    loads = session.execute(
        select(
            DistributionLoad.stock_item_id,
            DistributionLoad.crate_id,
            func.sum(DistributionLoad.quantity),
        )
        .where(DistributionLoad.distribution_id == distribution.id)
        .group_by(DistributionLoad.stock_item_id, DistributionLoad.crate_id)
    ).all()
    van = OnTheVan()
    crate_ids = set()
    for stock_item_id, crate_id, quantity in loads:
        if crate_id is None:
            if quantity:
                van.loose[stock_item_id] = quantity
        elif quantity:
            crate_ids.add(crate_id)
    if crate_ids:
        query = select(Crate).where(Crate.id.in_(crate_ids)).order_by(Crate.code)
        if lock_crates:
            query = query.with_for_update(of=Crate).execution_options(populate_existing=True)
        van.crates = {
            crate.id: crate
            for crate in session.scalars(query)
            if crate.state == CrateState.IN_STOCK and crate.site_id == distribution.place_site_id
        }
    return van


def may_run(actor: User, distribution: Distribution) -> bool:
    """The lead runs their distribution; others need to work at the departure site."""
    return distribution.lead_id == actor.id or may_act_at(actor, distribution.departure_site_id)


def ensure_may_run(actor: User, distribution: Distribution) -> None:
    if not may_run(actor, distribution):
        raise Forbidden(
            _(
                "Only the lead or someone working at %(site)s can run this distribution.",
                site=distribution.departure.name,
            )
        )


def open_for_loading(session: Session, actor: User, distribution_id: int) -> Distribution:
    distribution = get_distribution(session, distribution_id, for_update=True)
    ensure_may_run(actor, distribution)
    ensure_open(distribution)
    return distribution


def move_postings(
    distribution: Distribution,
    stock: Mapping[int, int],
    *,
    to_place: bool,
    reason: MovementReason,
) -> list[ledger.Posting]:
    """Stock between the departure warehouse and the place: out of one, into the other."""
    source, target = distribution.departure_site_id, distribution.place_site_id
    if not to_place:
        source, target = target, source
    postings = []
    for stock_item_id, quantity in stock.items():
        for site_id, sign in ((source, -1), (target, 1)):
            postings.append(
                ledger.Posting(
                    site_id=site_id,
                    stock_item_id=stock_item_id,
                    quantity=sign * quantity,
                    reason=reason,
                    reference=distribution.reference,
                )
            )
    return postings


def shift(
    session: Session,
    distribution: Distribution,
    actor: User,
    stock: Mapping[int, int],
    *,
    onto_van: bool,
    crate: Crate | None = None,
) -> None:
    """Stock onto the van (out of the warehouse to the place, reason "loaded") or off it
    again (back to the warehouse, "returned"): the ledger (inventory moves a crate, with
    its whereabouts and history), the distribution's loads and its status."""
    crate_id = crate.id if crate is not None else None
    if crate is None:
        reason = MovementReason.LOADED if onto_van else MovementReason.RETURNED
        ledger.post_movements(
            session,
            move_postings(distribution, stock, to_place=onto_van, reason=reason),
            actor_id=actor.id,
        )
    else:
        inventory.carry_crates(
            session,
            actor=actor,
            crates=[crate],
            to_site_id=distribution.place_site_id if onto_van else distribution.departure_site_id,
            action=CrateAction.LOAD if onto_van else CrateAction.UNLOAD,
            reference=distribution.reference,
            distribution=distribution.id,
        )
    sign = 1 if onto_van else -1
    session.add_all(
        DistributionLoad(
            distribution_id=distribution.id,
            stock_item_id=stock_item_id,
            quantity=sign * quantity,
            crate_id=crate_id,
            loaded_by_id=actor.id,
        )
        for stock_item_id, quantity in stock.items()
    )
    session.flush()
    if onto_van:
        distribution.status = DistributionStatus.LOADING
    elif on_the_van(session, distribution).is_empty:
        distribution.status = DistributionStatus.PLANNED


def crate_stock(crate: Crate) -> dict[int, int]:
    return {line.stock_item_id: line.quantity for line in crate.lines}


def load_crate(session: Session, *, actor: User, distribution_id: int, code: str) -> Crate:
    """Put a packed crate from the departure warehouse on the van."""
    distribution = open_for_loading(session, actor, distribution_id)
    crate = inventory.get_crate(session, code, for_update=True)
    if crate.state == CrateState.IN_STOCK and crate.id in on_the_van(session, distribution).crates:
        raise Conflict(
            _("Crate %(code)s is already on the van.", code=crate.display_code), field="code"
        )
    if crate.state != CrateState.IN_STOCK or crate.site_id != distribution.departure_site_id:
        raise Conflict(
            _(
                "Crate %(code)s is not in stock at %(site)s, so it cannot be loaded here.",
                code=crate.display_code,
                site=distribution.departure.name,
            ),
            field="code",
        )
    shift(session, distribution, actor, crate_stock(crate), onto_van=True, crate=crate)
    return crate


def load_loose(
    session: Session, *, actor: User, distribution_id: int, stock_item_id: int, quantity: int
) -> Distribution:
    """Put loose units (a pallet of water, meals) from the warehouse on the van."""
    distribution = open_for_loading(session, actor, distribution_id)
    quantity = validate_quantity(quantity, MAX_LOOSE_QUANTITY)
    if session.get(StockItem, stock_item_id) is None:
        raise NotFound(
            _("There is no item number %(id)s.", id=stock_item_id), field="stock_item_id"
        )
    shift(session, distribution, actor, {stock_item_id: quantity}, onto_van=True)
    return distribution


def unload_crate(session: Session, *, actor: User, distribution_id: int, crate_id: int) -> Crate:
    """Take a crate off the van before setting off: it is back in the warehouse."""
    distribution = open_for_loading(session, actor, distribution_id)
    crate = on_the_van(session, distribution, lock_crates=True).crates.get(crate_id)
    if crate is None:
        raise Conflict(_("This crate is not on the van."), field="crate_id")
    shift(session, distribution, actor, crate_stock(crate), onto_van=False, crate=crate)
    return crate


def unload_loose(
    session: Session, *, actor: User, distribution_id: int, stock_item_id: int, quantity: int
) -> Distribution:
    distribution = open_for_loading(session, actor, distribution_id)
    quantity = validate_quantity(quantity, MAX_LOOSE_QUANTITY)
    loaded = on_the_van(session, distribution).loose.get(stock_item_id, 0)
    if quantity > loaded:
        raise Conflict(_("Only %(count)s of these are on the van.", count=loaded), field="quantity")
    shift(session, distribution, actor, {stock_item_id: quantity}, onto_van=False)
    return distribution


def set_off(session: Session, *, actor: User, distribution_id: int) -> Distribution:
    """The van leaves: the plan and the load are final."""
    distribution = open_for_loading(session, actor, distribution_id)
    if on_the_van(session, distribution).is_empty:
        raise Conflict(_("Nothing is loaded yet: load the van before setting off."))
    distribution.status = DistributionStatus.OUT
    session.flush()
    return distribution


def cancel_distribution(session: Session, *, actor: User, distribution_id: int) -> Distribution:
    distribution = get_distribution(session, distribution_id, for_update=True)
    ensure_open(distribution)
    if not on_the_van(session, distribution).is_empty:
        raise Conflict(_("Stock is on the van: take it off before cancelling."))
    distribution.status = DistributionStatus.CANCELLED
    session.flush()
    return distribution
