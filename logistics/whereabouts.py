"""Tells inventory which van and run hold a crate loaded for a distribution, so its page
shows them and its old check-in cannot take it off the van unseen."""

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select

from app.extensions import Session
from inventory.models import Crate
from inventory.whereabouts import Holder
from logistics.models import Distribution, DistributionLoad, DistributionStatus

RUNNING = (DistributionStatus.LOADING, DistributionStatus.OUT)

# Every check-in asks, and most crates are on no van: the question is built once and
# reads one narrow column; only a run found is loaded with all that it joins.
LOADED_ON = (
    select(DistributionLoad.distribution_id)
    .where(DistributionLoad.crate_id == bindparam("crate_id"))
    .group_by(DistributionLoad.distribution_id)
    .having(func.sum(DistributionLoad.quantity) != 0)
)
RUN_HOLDING_CRATE = (
    select(Distribution.id)
    .where(
        Distribution.id.in_(LOADED_ON),
        Distribution.status.in_(RUNNING),
        Distribution.place_site_id == bindparam("site_id"),
    )
    .order_by(Distribution.id.desc())
    .limit(1)
)


def crate_on_a_van(session: Session, crate: Crate) -> Holder | None:
    """The run whose van holds the crate: loaded and not taken off, and still in stock
    at the run's place (as runs.on_the_van counts it)."""
    distribution_id = session.scalar(
        RUN_HOLDING_CRATE, {"crate_id": crate.id, "site_id": crate.site_id}
    )
    if distribution_id is None:
        return None
    distribution = session.get_one(Distribution, distribution_id)
    return Holder(
        badge=_("On a van"),
        description=describe_run(distribution),
        release=_("Take it off the van on its run's page."),
        link_label=_("Open the run to take it off the van"),
        endpoint="logistics.distribution",
        values={"distribution_id": distribution.id, "_anchor": "loading"},
    )


def describe_run(distribution: Distribution) -> str:
    run = {
        "run": distribution.label,
        "place": distribution.place.name,
        "day": format_date(distribution.day, "EEEE d MMMM"),
    }
    if distribution.vehicle is None:
        return _("On the van for %(run)s at %(place)s, %(day)s", **run)
    return _("On %(van)s, %(run)s at %(place)s, %(day)s", van=distribution.vehicle.name, **run)
