"""Scanning a crate, its page, and what is done to it there: checked in, placed, sent,
distributed, scrapped, used again."""

from collections.abc import Callable
from typing import Any

from flask import (
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app.errors import DomainError, InvalidInput
from app.extensions import db, htmx
from app.forms import act_once
from app.permissions import requires
from inventory import lifecycle, services
from inventory.forms import CrateActionForm
from inventory.models import (
    Crate,
    CrateAction,
)
from inventory.views.common import (
    bp,
    crate_answer,
    crate_context,
    links,
    sites_for_actor,
    working_site,
)

# --- scanning -------------------------------------------------------------------------


@links.get("/c/<code>")
@requires("crates.scan")
def crate_link(code: str) -> Response:
    """Where a crate's QR code points."""
    crate = services.get_crate(db.session, code)
    return redirect(url_for("inventory.crate_detail", code=crate.code), 303)


@bp.get("/scan")
@requires("crates.scan")
def scan() -> Response | str | tuple[str, int]:
    typed = request.args.get("code", "").strip()
    if typed:
        try:
            crate = services.get_crate(db.session, typed)
        except DomainError as error:
            return render_scan(error=error.message, typed=typed), int(error.status)
        packing = lifecycle.allows(crate, CrateAction.PACK)
        endpoint = "inventory.pack" if packing else "inventory.crate_detail"
        if htmx:
            # A full page load, not an htmx swap: the next page's inputs must be live
            # before the first keystroke (a swap processes them only once it settles).
            response = make_response("", 204)
            response.headers["HX-Redirect"] = url_for(endpoint, code=crate.code)
            return response
        return redirect(url_for(endpoint, code=crate.code), 303)
    return render_scan()


def render_scan(error: str | None = None, typed: str = "") -> str:
    template = "inventory/_scan_result.html" if htmx else "inventory/scan.html"
    return render_template(
        template, error=error, typed=typed, here=working_site(), sites=sites_for_actor()
    )


@bp.post("/scan/site")
@requires("crates.scan")
def choose_site() -> Response:
    site = services.get_site(db.session, CrateActionForm().site())
    services.ensure_may_act_at(current_user, site)
    session["site_id"] = site.id
    return redirect(url_for("inventory.scan"), 303)


# --- one crate ------------------------------------------------------------------------


@bp.get("/crates/<code>")
@requires("crates.scan")
def crate_detail(code: str) -> str:
    crate = services.get_crate(db.session, code)
    return render_template("inventory/crate_detail.html", **crate_context(crate))


def crate_action(
    code: str, action: str, work: Callable[[Crate], str], **payload: Any
) -> Response | str:
    crate = services.get_crate(db.session, code, for_update=True)
    return crate_answer(
        crate.code, act_once(action, lambda: work(crate), code=crate.code, **payload)
    )


def confirmed() -> bool:
    """Distributing and scrapping cannot be taken back: their forms carry the answer to
    "are you sure?", shown before their button."""
    return CrateActionForm().is_confirmed


def ask_to_confirm(code: str, action: str) -> str:
    """A post that skipped the question (a form from an older page) changes nothing and
    gets the crate's page with the question open."""
    crate = services.get_crate(db.session, code)
    template = "inventory/_crate_panel.html" if htmx else "inventory/crate_detail.html"
    return render_template(template, **crate_context(crate), confirming=action)


@bp.post("/crates/<code>/check-in")
@requires("crates.act")
def check_in(code: str) -> Response | str:
    form = CrateActionForm()
    site_id = form.site()
    place = form.place.data

    def work(crate: Crate) -> str:
        services.check_in_crate(
            db.session, actor=current_user, crate=crate, site_id=site_id, place=place
        )
        return _(
            "Crate %(code)s checked in at %(site)s.",
            code=crate.display_code,
            site=services.get_site(db.session, site_id).name,
        )

    return crate_action(code, "check_in", work, site_id=site_id, place=place)


@bp.post("/crates/<code>/place")
@requires("crates.act")
def move_within_site(code: str) -> Response | str:
    place = CrateActionForm().place.data or ""

    def work(crate: Crate) -> str:
        services.move_crate_within_site(db.session, actor=current_user, crate=crate, place=place)
        if crate.place is None:
            return _("Crate %(code)s has no place now.", code=crate.display_code)
        return _("Crate %(code)s is now at %(place)s.", code=crate.display_code, place=crate.place)

    return crate_action(code, "place", work, place=place)


@bp.post("/crates/<code>/dispatch")
@requires("crates.act")
def dispatch(code: str) -> Response | str:
    form = CrateActionForm()
    if not form.site_id.data:
        raise InvalidInput(
            _("Choose the site to send the crate to: nothing was sent."), field="site_id"
        )
    site_id = form.site()

    def work(crate: Crate) -> str:
        services.dispatch_crate(
            db.session, actor=current_user, crate=crate, destination_site_id=site_id
        )
        return _(
            "Crate %(code)s is on its way to %(site)s.",
            code=crate.display_code,
            site=services.get_site(db.session, site_id).name,
        )

    return crate_action(code, "dispatch", work, site_id=site_id)


@bp.post("/crates/<code>/distribute")
@requires("crates.act")
def distribute(code: str) -> Response | str:
    if not confirmed():
        return ask_to_confirm(code, "distribute")

    def work(crate: Crate) -> str:
        services.distribute_crate(db.session, actor=current_user, crate=crate)
        return _("Crate %(code)s marked distributed.", code=crate.display_code)

    return crate_action(code, "distribute", work)


@bp.post("/crates/<code>/scrap")
@requires("crates.act")
def scrap(code: str) -> Response | str:
    if not confirmed():
        return ask_to_confirm(code, "scrap")
    reason = CrateActionForm().reason.data or ""

    def work(crate: Crate) -> str:
        services.scrap_crate(db.session, actor=current_user, crate=crate, reason=reason)
        return _("Crate %(code)s scrapped.", code=crate.display_code)

    return crate_action(code, "scrap", work, reason=reason)


@bp.post("/crates/<code>/reuse")
@requires("crates.act")
def reuse(code: str) -> Response:
    """Pack a distributed or scrapped crate again: it is emptied, then the pack form."""
    crate = services.get_crate(db.session, code, for_update=True)

    def work() -> str:
        services.reuse_crate(db.session, actor=current_user, crate=crate)
        return _("Crate %(code)s is empty again: pack it.", code=crate.display_code)

    answer = act_once("reuse", work, code=crate.code)
    flash(answer.body["message"], "success")
    target = url_for("inventory.pack", code=crate.code)
    if htmx:
        response = make_response("", 204)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target, 303)
