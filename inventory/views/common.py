"""The inventory blueprints and what their pages share: the templates' helpers, where
the volunteer is working, and answering with the crate panel."""

import uuid
from typing import Any

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    session,
    url_for,
)
from flask_login import current_user

from app.extensions import db, htmx
from app.i18n import current_locale
from app.idempotency import Answer
from inventory import queries, services
from inventory.models import (
    CRATE_EVENT_LABELS,
    Crate,
    CrateState,
    Gender,
    Item,
    Site,
    StockItem,
    quantity_with_unit,
    size_label,
)
from inventory.whereabouts import find_holder

bp = Blueprint("inventory", __name__, url_prefix="/inventory")
links = Blueprint("links", __name__)


def template_helpers() -> dict[str, Any]:
    return {
        "CRATE_EVENT_LABELS": CRATE_EVENT_LABELS,
        "CrateState": CrateState,
        "Gender": Gender,
        "locale_name": locale_name,
        "new_event_id": lambda: uuid.uuid4().hex,
        "quantity_with_unit": quantity_with_unit,
        "size_label": size_label,
    }


def locale_name(thing: Item | StockItem) -> str:
    locale = current_locale()
    return thing.label(locale) if isinstance(thing, StockItem) else thing.name(locale)


# --- where the volunteer is working ---------------------------------------------------


def sites_for_actor() -> list[Site]:
    sites = queries.list_sites(db.session)
    return [site for site in sites if current_user.may_act_at(site.id)]


def working_site() -> Site | None:
    """The site this volunteer scans at: chosen on the scan page, kept in the session."""
    choices = sites_for_actor()
    chosen = session.get("site_id")
    for site in choices:
        if site.id == chosen:
            return site
    return choices[0] if choices else None


def crate_answer(crate_code: str, answer: Answer) -> Response | str:
    message = answer.body["message"]
    if htmx:
        crate = services.get_crate(db.session, crate_code)
        return render_template(
            "inventory/_crate_panel.html", **crate_context(crate), message=message
        )
    flash(message, "success")
    return redirect(url_for("inventory.crate_detail", code=crate_code), 303)


def crate_context(crate: Crate) -> dict[str, Any]:
    return {
        "crate": crate,
        "here": working_site(),
        "sites": sites_for_actor(),
        "all_sites": queries.list_sites(db.session),
        "timeline": queries.crate_timeline(db.session, crate.id),
        "check_in_refusal": services.check_in_refusal(current_user, crate),
        "holder": find_holder(db.session, crate),
    }
