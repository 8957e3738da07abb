"""Printable pick lists: a van's for a day, or one distribution's, as PDF."""

import re
import unicodedata
from datetime import date

from flask import Response, request
from flask_babel import gettext as _

from app import exports
from app.errors import NotFound
from app.extensions import db
from app.forms import wanted_id
from app.i18n import current_locale
from app.inputs import database_int
from app.permissions import requires
from logistics import pick_list, services
from logistics.models import Vehicle
from logistics.views.common import bp
from logistics.views.day import parse_day

WITHOUT_A_VAN = "none"


@bp.get("/day/<day>/pick-list.pdf")
@requires("distributions.view")
def day_pick_list(day: str) -> Response:
    """?vehicle=<id> for a van's distributions, ?vehicle=none for those without one;
    ?team=<id> keeps to one team, as the day board does."""
    when = parse_day(day)
    vehicle = wanted_vehicle()
    pdf = pick_list.pick_list_pdf(
        db.session, when, vehicle.id if vehicle else None, wanted_id("team"), current_locale()
    )
    return exports.pdf_response(pdf, file_name(when, vehicle.name if vehicle else "without-van"))


@bp.get("/distributions/<int:distribution_id>/pick-list.pdf")
@requires("distributions.view")
def distribution_pick_list(distribution_id: int) -> Response:
    distribution = services.get_distribution(db.session, distribution_id)
    pdf = pick_list.distribution_pick_list_pdf(db.session, distribution, current_locale())
    return exports.pdf_response(pdf, file_name(distribution.day, distribution.label))


def wanted_vehicle() -> Vehicle | None:
    raw = request.args.get("vehicle", "").strip()
    if raw == WITHOUT_A_VAN:
        return None
    try:
        vehicle_id = database_int(raw)
    except ValueError:
        raise NotFound(
            _("Choose a van for the pick list, or “none” for distributions without one."),
            field="vehicle",
        ) from None
    return services.get_vehicle(db.session, vehicle_id)


def file_name(day: date, name: str) -> str:
    """pick-list-2026-12-05-calais-van.pdf: ASCII only, safe in any header."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or "list"
    return f"pick-list-{day.isoformat()}-{slug[:40]}.pdf"
