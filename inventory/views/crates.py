"""Scanning and acting on crates, one at a time or several at once."""

import uuid
from collections.abc import Callable
from typing import Any

from flask import (
    abort,
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

from app.errors import Conflict, DomainError, InvalidInput
from app.extensions import db, htmx
from app.forms import act_once, field_texts, sent_form
from app.inputs import database_int
from app.permissions import requires
from inventory import lifecycle, queries, services
from inventory.forms import BatchForm, CrateActionForm, CrateLinesForm, PackForm
from inventory.models import (
    Crate,
    CrateAction,
    Item,
    StockItem,
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


@bp.route("/crates/<code>/pack", methods=["GET", "POST"])
@requires("crates.act")
def pack(code: str) -> Response | str | tuple[str, int]:
    posting = request.method == "POST"
    crate = services.get_crate(db.session, code, for_update=posting)
    form = PackForm.posted() if posting else None
    acting = form is not None and not form.adding_row
    if not lifecycle.allows(crate, CrateAction.PACK) and not acting:
        return redirect(url_for("inventory.crate_detail", code=crate.code), 303)
    if form is not None and acting:
        packing = form
        try:
            return crate_answer(
                crate.code,
                act_once(
                    "pack",
                    lambda: do_pack(crate, packing),
                    code=crate.code,
                    form=sent_form(lists=True),
                ),
            )
        except DomainError as error:
            db.session.rollback()
            return render_pack(code, form, error), int(error.status)
    return render_pack(code, form)


def do_pack(crate: Crate, form: PackForm) -> str:
    """Refuses a crate packed meanwhile: a pack sent from a phone's outbox may arrive
    after someone else packed the crate."""
    if not lifecycle.allows(crate, CrateAction.PACK):
        raise Conflict(
            _("Crate %(code)s is already packed: nothing was changed.", code=crate.display_code)
        )
    site_id = form.site()
    services.pack_crate(
        db.session,
        actor=current_user,
        crate=crate,
        site_id=site_id,
        lines=form.lines(),
        expiry_date=form.expiry(),
        weight_grams=form.weight_grams(),
        note=form.note.data or "",
        place=form.place.data,
    )
    session["site_id"] = site_id
    return _("Crate %(code)s packed and in stock.", code=crate.display_code)


@bp.get("/pack")
@requires("crates.act")
def pack_shell() -> str:
    """The pack page without its crate: a phone keeps it to pack, without signal, a
    crate it has not opened before (outbox.js points the form at that crate)."""
    here = working_site()
    return render_template(
        "inventory/pack.html",
        crate=None,
        here=here,
        sites=sites_for_actor(),
        rows=[blank_row()],
        items=queries.list_items(db.session),
        recent=[],
        form={},
        error=None,
    )


def render_pack(code: str, form: PackForm | None, error: DomainError | None = None) -> str:
    crate = services.get_crate(db.session, code)
    here = working_site()
    rows = posted_rows(form) if form is not None else []
    if not rows or (form is not None and form.adding_row):
        rows.append(blank_row())
    return render_template(
        "inventory/pack.html",
        crate=crate,
        here=here,
        sites=sites_for_actor(),
        rows=rows,
        items=queries.list_items(db.session),
        recent=queries.recent_stock_items_packed_at(db.session, here.id) if here else [],
        form=field_texts(form) if form is not None else {},
        error=error,
    )


def blank_row(
    item: Item | None = None, gender: str = "", size: str = "", quantity: str = ""
) -> dict[str, Any]:
    return {
        "key": uuid.uuid4().hex[:8],
        "item": item,
        "gender": gender,
        "size": size,
        "quantity": quantity,
    }


def posted_rows(form: CrateLinesForm) -> list[dict[str, Any]]:
    rows = []
    for typed in form.typed_rows():
        raw_item = typed["item_id"]
        item = db.session.get(Item, int(raw_item)) if raw_item.isdigit() else None
        row = blank_row(item, typed["gender"], typed["size"], typed["quantity"])
        row["key"] = typed["key"] if typed["key"].isalnum() else row["key"]
        rows.append(row)
    return rows


@bp.get("/pack-line")
@requires("crates.act")
def pack_line() -> str:
    """One crate line, for an item picked from the search or the recent items."""
    stock_item_id = request.args.get("stock_item_id", type=database_int)
    if stock_item_id:
        stock_item = db.session.get(StockItem, stock_item_id) or abort(404)
        row = blank_row(stock_item.item, stock_item.gender, stock_item.size)
    else:
        item_id = request.args.get("item_id", type=database_int) or 0
        item = db.session.get(Item, item_id) or abort(404)
        row = blank_row(item)
    return render_template(
        "inventory/_pack_line.html", row=row, items=queries.list_items(db.session)
    )


@bp.get("/items/search")
@requires("crates.act")
def item_search() -> str:
    text = request.args.get("q", "")[:60]
    return render_template(
        "inventory/_item_results.html", items=queries.search_items(db.session, text), text=text
    )


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


@bp.route("/crates/<code>/contents", methods=["GET", "POST"])
@requires("crates.act")
def edit_contents(code: str) -> Response | str | tuple[str, int]:
    posting = request.method == "POST"
    crate = services.get_crate(db.session, code, for_update=posting)
    form = CrateLinesForm.posted() if posting else None
    if form is not None and not form.adding_row:
        lines = form

        def work() -> str:
            kept = [line for line in lines.lines() if line.quantity != 0]
            services.edit_crate_contents(db.session, actor=current_user, crate=crate, lines=kept)
            return _("Contents of crate %(code)s corrected.", code=crate.display_code)

        try:
            return crate_answer(
                crate.code, act_once("contents", work, code=crate.code, form=sent_form(lists=True))
            )
        except DomainError as error:
            db.session.rollback()
            return render_contents(code, form, error), int(error.status)
    return render_contents(code, form)


def render_contents(
    code: str, form: CrateLinesForm | None, error: DomainError | None = None
) -> str:
    crate = services.get_crate(db.session, code)
    if form is None:
        rows = [
            blank_row(
                line.stock_item.item,
                line.stock_item.gender,
                line.stock_item.size,
                str(line.quantity),
            )
            for line in crate.lines
        ]
    else:
        rows = posted_rows(form)
        if form.adding_row:
            rows.append(blank_row())
    return render_template(
        "inventory/edit_contents.html",
        crate=crate,
        rows=rows,
        items=queries.list_items(db.session),
        error=error,
    )


# --- several crates at once -----------------------------------------------------------

BATCH_ACTIONS = ("check_in", "dispatch", "distribute", "scrap")


@bp.route("/batch", methods=["GET", "POST"])
@requires("crates.act")
def batch() -> Response | str | tuple[str, int]:
    """Scan many crates, then apply one action to all of them, all or nothing."""
    codes = request.values.getlist("codes")
    added = request.values.get("code", "").strip()
    error = None
    if added:
        try:
            crate = services.get_crate(db.session, added)
            if crate.code not in codes:
                codes.append(crate.code)
        except DomainError as problem:
            error = problem.message
    form = BatchForm()
    if request.method == "POST" and form.action.data in BATCH_ACTIONS and not added:
        try:
            answer = act_once(
                "batch", lambda: apply_batch(codes, form), codes=codes, form=sent_form()
            )
        except DomainError as problem:
            db.session.rollback()
            return render_batch(codes, problem.message), int(problem.status)
        flash(answer.body["message"], "success")
        return redirect(url_for("inventory.batch"), 303)
    crates = [services.get_crate(db.session, code) for code in codes]
    status = 422 if error else 200
    return render_batch([crate.code for crate in crates], error), status


def apply_batch(codes: list[str], form: BatchForm) -> str:
    if not codes:
        raise InvalidInput(_("Scan at least one crate first."), field="code")
    action = form.action.data
    site_id = form.site(required=action in ("check_in", "dispatch"))
    crates = services.lock_crates(db.session, codes)
    services.lock_crate_balances(db.session, crates, also_at=site_id or None)
    for crate in crates:
        try:
            if action == "check_in":
                services.check_in_crate(
                    db.session, actor=current_user, crate=crate, site_id=site_id
                )
            elif action == "dispatch":
                services.dispatch_crate(
                    db.session, actor=current_user, crate=crate, destination_site_id=site_id
                )
            elif action == "distribute":
                services.distribute_crate(db.session, actor=current_user, crate=crate)
            else:
                services.scrap_crate(db.session, actor=current_user, crate=crate)
        except DomainError as problem:
            problem.message = _("Nothing was changed. %(problem)s", problem=problem.message)
            raise
    return _("%(count)s crates updated.", count=len(codes))


def render_batch(codes: list[str], error: str | None = None) -> str:
    crates = [services.get_crate(db.session, code) for code in codes]
    template = (
        "inventory/_batch_list.html" if htmx and request.method == "GET" else "inventory/batch.html"
    )
    return render_template(
        template,
        crates=crates,
        error=error,
        here=working_site(),
        sites=sites_for_actor(),
        all_sites=queries.list_sites(db.session),
    )
