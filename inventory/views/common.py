"""The inventory blueprints and what their pages share: the templates' helpers, where
the volunteer is working, and answering with the crate panel."""

import uuid
from typing import Any

from flask import (
    Blueprint,
    flash,
    redirect,
    render_template,
    session,
    url_for,
)
from flask_login import current_user
from werkzeug.wrappers import Response

from app.extensions import db, htmx
from app.i18n import current_locale
from app.idempotency import Answer
from inventory import lifecycle, queries, services
from inventory.models import (
    Crate,
    CrateAction,
    CrateState,
    Gender,
    Item,
    Site,
    StockItem,
    may_act_at,
    quantity_with_unit,
    size_label,
)
from inventory.whereabouts import find_holder

bp = Blueprint("inventory", __name__, url_prefix="/inventory")
links = Blueprint("links", __name__)


def template_helpers() -> dict[str, Any]:
    return {
        "CrateAction": CrateAction,
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
    return [site for site in sites if may_act_at(current_user, site.id)]


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
    here = working_site()
    holder = find_holder(db.session, crate)
    return {
        "crate": crate,
        "here": here,
        "sites": sites_for_actor(),
        "all_sites": queries.list_sites(db.session),
        "timeline": queries.crate_timeline(db.session, crate.id),
        "check_in_refusal": services.check_in_refusal(current_user, crate),
        "holder": holder,
        "actions": offered_actions(crate, here, held=holder is not None),
        "awaited_at": crate.destination if crate.state == CrateState.IN_TRANSIT else None,
    }


# What the crate page offers by hand: the van's actions are on its run's page, and a
# stocktake marks crates lost.
PAGE_ACTIONS = frozenset(CrateAction) - {
    CrateAction.CREATE,
    CrateAction.LOAD,
    CrateAction.UNLOAD,
    CrateAction.RETURN,
    CrateAction.LOSE,
}


def offered_actions(crate: Crate, here: Site | None, *, held: bool) -> frozenset[CrateAction]:
    """The buttons the crate page shows: what the lifecycle allows from the crate's
    state, less checking in where it already is (or while a van holds it) and moving it
    within a site the person does not work at."""
    actions = set(lifecycle.allowed_actions(crate.state) & PAGE_ACTIONS)
    at_here = here is not None and crate.site_id == here.id
    if held or here is None or (at_here and crate.state != CrateState.LOST):
        actions.discard(CrateAction.CHECK_IN)
    if crate.site_id is None or not may_act_at(current_user, crate.site_id):
        actions.discard(CrateAction.PLACE)
    return frozenset(actions)
