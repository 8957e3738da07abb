"""Tells inventory which van and run hold a crate loaded for a distribution, so its page
shows them and its old check-in cannot take it off the van unseen."""

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.extensions import Session
from inventory.models import Crate
from inventory.whereabouts import Holder
from logistics.models import Distribution, DistributionLoad, DistributionStatus

RUNNING = (DistributionStatus.LOADING, DistributionStatus.OUT)


def crate_on_a_van(session: Session, crate: Crate) -> Holder | None:
    """The run whose van holds the crate: loaded and not taken off, and still in stock
    at the run's place (as runs.on_the_van counts it)."""
    loaded_on = (
        select(DistributionLoad.distribution_id)
        .where(DistributionLoad.crate_id == crate.id)
        .group_by(DistributionLoad.distribution_id)
        .having(func.sum(DistributionLoad.quantity) != 0)
    )
    distribution = session.scalar(
        select(Distribution)
        .where(
            Distribution.id.in_(loaded_on),
            Distribution.status.in_(RUNNING),
            Distribution.place_site_id == crate.site_id,
        )
        .order_by(Distribution.id.desc())
        .limit(1)
    )
    if distribution is None:
        return None
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
