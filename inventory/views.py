"""Inventory pages and htmx fragments: scanning, crates, stock, need lists, labels."""

import csv
import io
import uuid
from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from app.errors import DomainError, InvalidInput
from app.extensions import db, htmx
from app.idempotency import Answer, run_once
from app.permissions import public, requires
from inventory import labels as label_pdf
from inventory import queries, services
from inventory.forms import read_date, read_int, read_lines, read_weight_grams
from inventory.models import (
    CATEGORY_LABELS,
    CRATE_EVENT_LABELS,
    CRATE_STATE_LABELS,
    GENDER_LABELS,
    MOVEMENT_REASON_LABELS,
    PRIORITY_LABELS,
    SITE_KIND_LABELS,
    UNIT_LABELS,
    Category,
    Crate,
    CrateState,
    Gender,
    Item,
    Priority,
    Site,
    StockItem,
)

bp = Blueprint("inventory", __name__, url_prefix="/inventory")
links = Blueprint("links", __name__)


def template_helpers() -> dict[str, Any]:
    return {
        "CATEGORY_LABELS": CATEGORY_LABELS,
        "CRATE_EVENT_LABELS": CRATE_EVENT_LABELS,
        "CRATE_STATE_LABELS": CRATE_STATE_LABELS,
        "GENDER_LABELS": GENDER_LABELS,
        "MOVEMENT_REASON_LABELS": MOVEMENT_REASON_LABELS,
        "PRIORITY_LABELS": PRIORITY_LABELS,
        "SITE_KIND_LABELS": SITE_KIND_LABELS,
        "UNIT_LABELS": UNIT_LABELS,
        "locale_name": locale_name,
        "new_event_id": lambda: uuid.uuid4().hex,
    }


def locale_name(thing: Item | StockItem) -> str:
    locale = str(get_locale() or "fr")
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


# --- running form actions once --------------------------------------------------------


def act_once(action: str, work: Callable[[], str], **payload: Any) -> Answer:
    """Run a form action, once per rendered form (its hidden event_id), and commit.
    `work` returns the message to show; a replayed submit shows it again."""
    event_id = (request.form.get("event_id") or "")[:64] or None

    def run() -> Answer:
        return Answer(200, {"message": work()})

    answer = run_once(
        db.session,
        actor_id=current_user.id,
        event_id=event_id,
        action=action,
        payload=payload,
        work=run,
        record_errors=False,
    )
    db.session.commit()
    return answer


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
    }


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
        endpoint = "inventory.pack" if crate.state == CrateState.EMPTY else "inventory.crate_detail"
        if htmx:
            response = Response(status=204)
            response.headers["HX-Location"] = url_for(endpoint, code=crate.code)
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
    site_id = read_int(request.form, "site_id")
    site = services.get_site(db.session, site_id or 0)
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
    crate = services.get_crate(db.session, code, for_update=request.method == "POST")
    if crate.state != CrateState.EMPTY:
        return redirect(url_for("inventory.crate_detail", code=crate.code), 303)
    if request.method == "POST" and request.form.get("add_row") is None:
        try:
            return crate_answer(
                crate.code,
                act_once(
                    "pack",
                    lambda: do_pack(crate),
                    code=crate.code,
                    form=request.form.to_dict(flat=False),
                ),
            )
        except DomainError as error:
            db.session.rollback()
            return render_pack(code, request.form, error), int(error.status)
    return render_pack(code, request.form if request.method == "POST" else MultiDict())


def do_pack(crate: Crate) -> str:
    form = request.form
    site_id = read_int(form, "site_id")
    services.pack_crate(
        db.session,
        actor=current_user,
        crate=crate,
        site_id=site_id or 0,
        lines=read_lines(form),
        expiry_date=read_date(form, "expiry_date"),
        weight_grams=read_weight_grams(form),
        note=form.get("note", ""),
    )
    session["site_id"] = site_id
    return _("Crate %(code)s packed and in stock.", code=crate.display_code)


def render_pack(code: str, form: MultiDict[str, str], error: DomainError | None = None) -> str:
    crate = services.get_crate(db.session, code)
    here = working_site()
    rows = posted_rows(form)
    if not rows or form.get("add_row") is not None:
        rows.append(blank_row())
    return render_template(
        "inventory/pack.html",
        crate=crate,
        here=here,
        sites=sites_for_actor(),
        rows=rows,
        items=queries.list_items(db.session),
        recent=queries.recent_stock_items_packed_at(db.session, here.id) if here else [],
        form=form,
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


def posted_rows(form: MultiDict[str, str]) -> list[dict[str, Any]]:
    rows = []
    for key in form.getlist("row"):
        raw_item = form.get(f"item_id-{key}", "")
        item = db.session.get(Item, int(raw_item)) if raw_item.isdigit() else None
        row = blank_row(
            item,
            form.get(f"gender-{key}", ""),
            form.get(f"size-{key}", ""),
            form.get(f"quantity-{key}", ""),
        )
        row["key"] = key if key.isalnum() else row["key"]
        rows.append(row)
    return rows


@bp.get("/pack-line")
@requires("crates.act")
def pack_line() -> str:
    """One crate line, for an item picked from the search or the recent items."""
    stock_item_id = request.args.get("stock_item_id", type=int)
    if stock_item_id:
        stock_item = db.session.get(StockItem, stock_item_id) or abort(404)
        row = blank_row(stock_item.item, stock_item.gender, stock_item.size)
    else:
        item = db.session.get(Item, request.args.get("item_id", type=int) or 0) or abort(404)
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


@bp.post("/crates/<code>/check-in")
@requires("crates.act")
def check_in(code: str) -> Response | str:
    site_id = read_int(request.form, "site_id") or 0

    def work(crate: Crate) -> str:
        services.check_in_crate(db.session, actor=current_user, crate=crate, site_id=site_id)
        return _(
            "Crate %(code)s checked in at %(site)s.", code=crate.display_code, site=crate.site.name
        )

    return crate_action(code, "check_in", work, site_id=site_id)


@bp.post("/crates/<code>/dispatch")
@requires("crates.act")
def dispatch(code: str) -> Response | str:
    site_id = read_int(request.form, "site_id") or 0

    def work(crate: Crate) -> str:
        services.dispatch_crate(
            db.session, actor=current_user, crate=crate, destination_site_id=site_id
        )
        return _(
            "Crate %(code)s is on its way to %(site)s.",
            code=crate.display_code,
            site=crate.destination.name,
        )

    return crate_action(code, "dispatch", work, site_id=site_id)


@bp.post("/crates/<code>/distribute")
@requires("crates.act")
def distribute(code: str) -> Response | str:
    def work(crate: Crate) -> str:
        services.distribute_crate(db.session, actor=current_user, crate=crate)
        return _("Crate %(code)s marked distributed.", code=crate.display_code)

    return crate_action(code, "distribute", work)


@bp.post("/crates/<code>/scrap")
@requires("crates.act")
def scrap(code: str) -> Response | str:
    reason = request.form.get("reason", "")

    def work(crate: Crate) -> str:
        services.scrap_crate(db.session, actor=current_user, crate=crate, reason=reason)
        return _("Crate %(code)s scrapped.", code=crate.display_code)

    return crate_action(code, "scrap", work, reason=reason)


@bp.route("/crates/<code>/contents", methods=["GET", "POST"])
@requires("crates.act")
def edit_contents(code: str) -> Response | str | tuple[str, int]:
    crate = services.get_crate(db.session, code, for_update=request.method == "POST")
    if request.method == "POST" and request.form.get("add_row") is None:

        def work() -> str:
            kept = [line for line in read_lines(request.form) if line.quantity != 0]
            services.edit_crate_contents(db.session, actor=current_user, crate=crate, lines=kept)
            return _("Contents of crate %(code)s corrected.", code=crate.display_code)

        try:
            return crate_answer(
                crate.code,
                act_once("contents", work, code=crate.code, form=request.form.to_dict(flat=False)),
            )
        except DomainError as error:
            db.session.rollback()
            return render_contents(code, request.form, error), int(error.status)
    return render_contents(code, request.form if request.method == "POST" else None)


def render_contents(
    code: str, form: MultiDict[str, str] | None, error: DomainError | None = None
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
        if form.get("add_row") is not None:
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
    if request.method == "POST" and request.form.get("action") in BATCH_ACTIONS and not added:
        try:
            answer = act_once(
                "batch", lambda: apply_batch(codes), codes=codes, form=request.form.to_dict()
            )
        except DomainError as problem:
            db.session.rollback()
            return render_batch(codes, problem.message), int(problem.status)
        flash(answer.body["message"], "success")
        return redirect(url_for("inventory.batch"), 303)
    crates = [services.get_crate(db.session, code) for code in codes]
    status = 422 if error else 200
    return render_batch([crate.code for crate in crates], error), status


def apply_batch(codes: list[str]) -> str:
    if not codes:
        raise InvalidInput(_("Scan at least one crate first."), field="code")
    action = request.form["action"]
    site_id = read_int(request.form, "site_id", required=action in ("check_in", "dispatch")) or 0
    for code in codes:
        crate = services.get_crate(db.session, code, for_update=True)
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


# --- stock ----------------------------------------------------------------------------


@bp.get("/stock")
@requires("stock.view")
def stock_overview() -> str:
    return render_template("inventory/stock_overview.html", sites=queries.list_sites(db.session))


def stock_filter() -> queries.StockFilter:
    category = request.args.get("category", "")
    return queries.StockFilter(
        category=Category(category) if category in Category._value2member_map_ else None,
        gender=request.args.get("gender", "")
        if request.args.get("gender", "") in Gender._value2member_map_
        else "",
        size=request.args.get("size", "")[:12],
        text=request.args.get("q", "")[:60],
    )


@bp.get("/sites/<int:site_id>/stock")
@requires("stock.view")
def site_stock(site_id: int) -> str:
    site = services.get_site(db.session, site_id)
    wanted = stock_filter()
    page = queries.site_stock_page(
        db.session,
        site.id,
        wanted,
        request.args.get("page", 1, type=int),
        current_app.config["PAGE_SIZE"],
    )
    template = "inventory/_stock_table.html" if htmx else "inventory/site_stock.html"
    return render_template(
        template,
        site=site,
        page=page,
        wanted=wanted,
        needs=queries.list_needs(db.session, site.id),
        may_act=current_user.may_act_at(site.id),
    )


@bp.get("/sites/<int:site_id>/stock.csv")
@requires("stock.view")
def site_stock_csv(site_id: int) -> Response:
    site = services.get_site(db.session, site_id)
    rows = queries.on_hand_at_site(db.session, site.id)
    locale = str(get_locale() or "fr")
    return csv_response(
        f"stock-{site.id}.csv",
        [_("Category"), _("Item"), _("Gender"), _("Size"), _("Unit"), _("Quantity")],
        (
            [
                CATEGORY_LABELS[stock_item.item.category],
                stock_item.item.name(locale),
                GENDER_LABELS[Gender(stock_item.gender)] if stock_item.gender else "",
                stock_item.size,
                UNIT_LABELS[stock_item.item.unit],
                quantity,
            ]
            for stock_item, quantity in rows
        ),
    )


def csv_response(filename: str, header: list[str], rows: Any) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([str(cell) for cell in header])
    for row in rows:
        writer.writerow([str(cell) for cell in row])
    response = Response(buffer.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/sites/<int:site_id>/stock/<int:stock_item_id>")
@requires("stock.view")
def item_history(site_id: int, stock_item_id: int) -> str:
    site = services.get_site(db.session, site_id)
    stock_item = db.session.get(StockItem, stock_item_id) or abort(404)
    page = queries.movement_history(
        db.session,
        site.id,
        stock_item.id,
        request.args.get("page", 1, type=int),
        current_app.config["PAGE_SIZE"],
    )
    return render_template(
        "inventory/item_history.html", site=site, stock_item=stock_item, page=page
    )


@bp.post("/sites/<int:site_id>/loose")
@requires("stock.loose")
def loose_stock(site_id: int) -> Response | tuple[str, int] | str:
    """Receive or move quantities that are not in crates (a pallet of water, 200 meals)."""
    form = request.form
    kind = form.get("kind", "receive")

    def work() -> str:
        line = services.LineInput(
            item_id=read_int(form, "item_id") or 0,
            quantity=read_int(form, "quantity") or 0,
            gender=form.get("gender", ""),
            size=form.get("size", ""),
        )
        if kind == "move":
            to_site_id = read_int(form, "to_site_id") or 0
            services.move_loose(
                db.session,
                actor=current_user,
                from_site_id=site_id,
                to_site_id=to_site_id,
                line=line,
            )
            return _("Moved.")
        services.receive_loose(
            db.session, actor=current_user, site_id=site_id, line=line, note=form.get("note", "")
        )
        return _("Received.")

    answer = act_once("loose", work, site_id=site_id, form=form.to_dict())
    flash(answer.body["message"], "success")
    return redirect(url_for("inventory.site_stock", site_id=site_id), 303)


@bp.get("/sites/<int:site_id>/loose")
@requires("stock.loose")
def loose_form(site_id: int) -> str:
    site = services.get_site(db.session, site_id)
    return render_template(
        "inventory/loose.html",
        site=site,
        items=queries.list_items(db.session),
        sites=queries.list_sites(db.session),
    )


@bp.post("/sites/<int:site_id>/adjust")
@requires("stock.adjust")
def adjust(site_id: int) -> Response:
    form = request.form

    def work() -> str:
        delta = services.adjust_stock(
            db.session,
            actor=current_user,
            site_id=site_id,
            stock_item_id=read_int(form, "stock_item_id") or 0,
            counted=read_int(form, "counted") or 0,
            note=form.get("note", ""),
        )
        return (
            _("Stock adjusted by %(delta)+d.", delta=delta)
            if delta
            else _("The count matches: nothing to adjust.")
        )

    answer = act_once("adjust", work, site_id=site_id, form=form.to_dict())
    flash(answer.body["message"], "success")
    return redirect(
        request.referrer
        if request.referrer and request.referrer.startswith(request.host_url)
        else url_for("inventory.site_stock", site_id=site_id),
        303,
    )


# --- need lists -----------------------------------------------------------------------


@bp.route("/sites/<int:site_id>/needs/edit", methods=["GET", "POST"])
@requires("needs.manage")
def edit_needs(site_id: int) -> Response | str | tuple[str, int]:
    site = services.get_site(db.session, site_id)
    if request.method == "POST":
        form = request.form
        try:

            def work() -> str:
                services.set_need(
                    db.session,
                    actor=current_user,
                    site_id=site.id,
                    item_id=read_int(form, "item_id") or 0,
                    target_quantity=read_int(form, "target_quantity") or 0,
                    gender=form.get("gender", ""),
                    size=form.get("size", ""),
                    priority=Priority(form.get("priority", "normal"))
                    if form.get("priority", "normal") in Priority._value2member_map_
                    else Priority.NORMAL,
                    note=form.get("note", ""),
                )
                return _("Need list saved.")

            answer = act_once("need", work, site_id=site.id, form=form.to_dict())
        except DomainError as error:
            db.session.rollback()
            return render_needs_editor(site, error.message), int(error.status)
        flash(answer.body["message"], "success")
        return redirect(url_for("inventory.edit_needs", site_id=site.id), 303)
    return render_needs_editor(site)


def render_needs_editor(site: Site, error: str | None = None) -> str:
    return render_template(
        "inventory/edit_needs.html",
        site=site,
        needs=queries.list_needs(db.session, site.id),
        items=queries.list_items(db.session),
        error=error,
        priorities=list(Priority),
    )


@bp.post("/sites/<int:site_id>/needs/<int:need_id>/delete")
@requires("needs.manage")
def delete_need(site_id: int, need_id: int) -> Response:
    def work() -> str:
        services.remove_need(db.session, actor=current_user, site_id=site_id, need_id=need_id)
        return _("Removed from the need list.")

    answer = act_once("need_delete", work, need_id=need_id)
    flash(answer.body["message"], "success")
    return redirect(url_for("inventory.edit_needs", site_id=site_id), 303)


@bp.get("/sites")
@public
def public_sites() -> str:
    return render_template(
        "inventory/public_sites.html",
        sites=queries.list_public_collection_points(db.session),
        shortfalls=queries.sites_with_shortfalls(db.session),
    )


@bp.get("/sites/<int:site_id>/needs")
@public
def public_needs(site_id: int) -> str:
    site = services.get_public_site(db.session, site_id)
    return render_template(
        "inventory/public_needs.html", site=site, needs=queries.list_needs(db.session, site.id)
    )


@bp.get("/sites/<int:site_id>/needs.csv")
@public
def public_needs_csv(site_id: int) -> Response:
    site = services.get_public_site(db.session, site_id)
    locale = str(get_locale() or "fr")
    return csv_response(
        f"needs-{site.id}.csv",
        [
            _("Priority"),
            _("Item"),
            _("Gender"),
            _("Size"),
            _("Target"),
            _("On hand"),
            _("In transit"),
            _("Still needed"),
            _("Note"),
        ],
        (
            [
                PRIORITY_LABELS[need.line.priority],
                need.line.item.name(locale),
                GENDER_LABELS[Gender(need.line.gender)] if need.line.gender else _("any"),
                need.line.size or _("any"),
                need.line.target_quantity,
                need.on_hand,
                need.in_transit,
                need.shortfall,
                need.line.note,
            ]
            for need in queries.list_needs(db.session, site.id)
        ),
    )


# --- labels ---------------------------------------------------------------------------


@bp.get("/labels")
@requires("labels.print")
def labels() -> str:
    new_codes = [code for code in request.args.get("new", "").split(",") if code]
    return render_template(
        "inventory/labels.html",
        new_codes=new_codes,
        new_format=label_format_from(request.args.get("format", "")).value,
    )


@bp.post("/labels/blank")
@requires("crates.create")
def blank_labels() -> Response:
    """Create empty crates, then show the link to their labels (post/redirect/get, so a
    second click on the same form does not create the crates twice)."""
    count = read_int(request.form, "count") or 0

    def work() -> Answer:
        crates = services.create_crates(db.session, actor=current_user, count=count)
        return Answer(201, {"codes": [crate.code for crate in crates]})

    answer = run_once(
        db.session,
        actor_id=current_user.id,
        event_id=(request.form.get("event_id") or None),
        action="blank_labels",
        payload={"count": count},
        work=work,
        record_errors=False,
    )
    db.session.commit()
    label_format = label_format_from(request.form.get("format", "")).value
    return redirect(
        url_for("inventory.labels", new=",".join(answer.body["codes"]), format=label_format), 303
    )


@bp.get("/labels.pdf")
@requires("labels.print")
def crate_labels() -> Response:
    codes = [code for code in request.args.get("codes", "").split(",") if code.strip()]
    if not codes:
        raise InvalidInput(_("Name at least one crate code."), field="codes")
    crates = [services.get_crate(db.session, code) for code in codes[:1000]]
    return pdf_response(
        labels_for(crates), label_format_from(request.args.get("format", "")), "crate-labels.pdf"
    )


def label_format_from(raw: str) -> label_pdf.LabelFormat:
    return (
        label_pdf.LabelFormat(raw)
        if raw in label_pdf.LabelFormat._value2member_map_
        else label_pdf.LabelFormat.A4_SHEET
    )


def labels_for(crates: list[Crate]) -> list[label_pdf.Label]:
    base = current_app.config["BASE_URL"]
    locale = str(get_locale() or "fr")
    return [
        label_pdf.Label(
            url=f"{base}/c/{crate.code}",
            code=crate.display_code,
            lines=tuple(
                f"{line.stock_item.label(locale)} × {line.quantity}" for line in crate.lines
            ),
            site=crate.site.name if crate.site else "",
            expiry=crate.expiry_date.isoformat() if crate.expiry_date else "",
        )
        for crate in crates
    ]


def pdf_response(
    labels_: list[label_pdf.Label], label_format: label_pdf.LabelFormat, filename: str
) -> Response:
    pdf = label_pdf.render_labels(labels_, label_format, more_template=_("+{count} more"))
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
