"""Which crates a van's crew takes for the day's distributions: crates in stock at the
departure warehouse, soonest expiry first, enough to cover what each distribution still
needs, shared out in the order the distributions start (a crate the lunch run takes is
not offered to the evening run)."""

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import joinedload

from app.extensions import Session
from inventory.models import Crate, CrateLine, CrateState
from logistics.planning import DistributionCheck

CRATE_ORDER = (Crate.expiry_date.asc().nulls_last(), Crate.created_at, Crate.id)
CratesByItem = dict[int, list[Crate]]


def crates_to_take(
    session: Session,
    site_id: int,
    needs: Mapping[int, int],
    *,
    passing_over: Collection[int] = (),
) -> CratesByItem:
    """Packed crates in stock at the site to cover each stock item's quantity still to
    load, soonest expiry first (no expiry last), then oldest; the crates `passing_over`
    (taken by an earlier distribution) are left for it. A crate holding several needed
    items counts for each of them. In one query, however many crates the site holds."""
    wanted = {item: quantity for item, quantity in needs.items() if quantity > 0}
    if not wanted:
        return {}
    crates = session.scalars(candidates(site_id, wanted, passing_over)).unique().all()
    return choose_crates(crates, wanted)


def candidates(site_id: int, needs: Mapping[int, int], passing_over: Collection[int]) -> Select:
    """The crates worth considering: per needed item, those in order until the ones before
    them hold what is needed. The rest of the warehouse is never read."""
    held_before = (
        func.sum(CrateLine.quantity).over(
            partition_by=CrateLine.stock_item_id, order_by=CRATE_ORDER
        )
        - CrateLine.quantity
    )
    ranked = (
        select(
            CrateLine.crate_id,
            held_before.label("held_before"),
            case(dict(needs), value=CrateLine.stock_item_id).label("needed"),
        )
        .join(Crate, Crate.id == CrateLine.crate_id)
        .where(
            Crate.site_id == site_id,
            Crate.state == CrateState.IN_STOCK,
            CrateLine.stock_item_id.in_(needs),
        )
    )
    if passing_over:
        ranked = ranked.where(Crate.id.not_in(passing_over))
    ranked_rows = ranked.subquery()
    enough = select(ranked_rows.c.crate_id).where(ranked_rows.c.held_before < ranked_rows.c.needed)
    return (
        select(Crate)
        .where(Crate.id.in_(enough))
        .options(joinedload(Crate.lines))
        .order_by(*CRATE_ORDER)
    )


def choose_crates(crates: Sequence[Crate], needs: Mapping[int, int]) -> CratesByItem:
    """Take crates in the order given while one still holds something needed."""
    remaining = dict(needs)
    chosen: CratesByItem = defaultdict(list)
    for crate in crates:
        useful = [line for line in crate.lines if remaining.get(line.stock_item_id, 0) > 0]
        for line in useful:
            chosen[line.stock_item_id].append(crate)
            remaining[line.stock_item_id] -= line.quantity
    return dict(chosen)


def share_crates(
    session: Session, checks: Sequence[DistributionCheck], shown: Collection[int]
) -> dict[int, CratesByItem]:
    """Crates for each open distribution, in start order up to the last one shown."""
    positions = [index for index, check in enumerate(checks) if check.distribution.id in shown]
    last = max(positions, default=-1)
    taken: dict[int, set[int]] = defaultdict(set)
    found = {}
    for check in checks[: last + 1]:
        distribution = check.distribution
        if not distribution.is_open:
            continue
        site_id = distribution.departure_site_id
        chosen = crates_to_take(
            session,
            site_id,
            {line.stock_item.id: line.to_load for line in check.lines},
            passing_over=taken[site_id],
        )
        taken[site_id].update(crate.id for crates in chosen.values() for crate in crates)
        found[distribution.id] = chosen
    return found
