"""Stock per site, item histories, loose stock and corrections after a count."""

from functools import cache
from typing import Any

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app.exports import csv_response
from app.extensions import db, htmx
from app.forms import act_once, read_date, sent_form
from app.i18n import current_locale
from app.inputs import database_int, member_or
from app.permissions import requires
from inventory import crate_list, queries, services
from inventory.forms import AdjustForm, LooseStockForm
from inventory.models import (
    Category,
    CrateState,
    Gender,
    StockItem,
    Unit,
    may_act_at,
    size_label,
)
from inventory.views.common import bp

# --- stock ----------------------------------------------------------------------------


@bp.get("/stock")
@requires("stock.view")
def stock_overview() -> str:
    return render_template("inventory/stock_overview.html", sites=queries.list_sites(db.session))


def stock_filter() -> queries.StockFilter:
    category = request.args.get("category", "")
    return queries.StockFilter(
        category=member_or(Category, category, None),
        gender=member_or(Gender, request.args.get("gender", ""), ""),
        size=request.args.get("size", "")[:12],
        text=request.args.get("q", "")[:60],
    )


@cache
def stock_labels(locale: str) -> dict[str, dict[Any, str]]:
    """The label tables a stock list shows, in one language. Shown lazily they would look
    up the locale and the catalogue again for each row; translations do not change while
    the app runs (Flask-Babel loads each catalogue once), so once per language will do."""
    return {
        name: {member: member.label for member in labelled}
        for name, labelled in (
            ("category_labels", Category),
            ("gender_labels", Gender),
            ("unit_labels", Unit),
        )
    }


def item_history_prefix(site_id: int) -> str:
    """The links to a site's item histories, but the stock item id at their end: one
    url_for() for the table rather than one per row."""
    url = url_for("inventory.item_history", site_id=site_id, stock_item_id=0)
    if not url.endswith("/0"):
        raise RuntimeError(f"the item history URL no longer ends with its id: {url}")
    return url.removesuffix("0")


@bp.get("/sites/<int:site_id>/stock")
@requires("stock.view")
def site_stock(site_id: int) -> str:
    site = services.get_site(db.session, site_id)
    wanted = stock_filter()
    locale = current_locale()
    page = queries.site_stock_page(
        db.session,
        site.id,
        wanted,
        request.args.get("page", 1, type=database_int),
        current_app.config["PAGE_SIZE"],
        locale,
    )
    table = {"site": site, "page": page, "history_prefix": item_history_prefix(site.id)}
    if htmx:
        return render_template("inventory/_stock_table.html", **table, **stock_labels(locale))
    return render_template(
        "inventory/site_stock.html",
        **table,
        **stock_labels(locale),
        wanted=wanted,
        needs=queries.list_needs(db.session, site.id) if page.has_need_list else [],
        may_act=may_act_at(current_user, site.id),
    )


@bp.get("/sites/<int:site_id>/stock.csv")
@requires("stock.view")
def site_stock_csv(site_id: int) -> Response:
    site = services.get_site(db.session, site_id)
    locale = current_locale()
    labels = stock_labels(locale)
    categories, genders, units = (
        labels["category_labels"],
        labels["gender_labels"],
        labels["unit_labels"],
    )
    return csv_response(
        f"stock-{site.id}.csv",
        [_("Category"), _("Item"), _("Gender"), _("Size"), _("Unit"), _("Quantity")],
        (
            [
                categories[category],
                name,
                genders[gender] if gender else "",
                size_label(size),
                units[unit],
                quantity,
            ]
            for _id, category, name, unit, gender, size, quantity in queries.site_stock_rows(
                db.session, site.id, locale
            )
        ),
    )


# --- a site's crates ------------------------------------------------------------------

ANY_STATE = "any"


def crate_filter() -> crate_list.CrateFilter:
    """The crates list's filters as the page's form sends them; a value no form offers
    is ignored, a mistyped date refused."""
    args = request.args
    state = args.get("state", CrateState.IN_STOCK.value)
    return crate_list.CrateFilter(
        item_id=args.get("item", type=database_int),
        gender=member_or(Gender, args.get("gender", ""), ""),
        size=args.get("size", "")[:12].strip(),
        state=None if state == ANY_STATE else member_or(CrateState, state, CrateState.IN_STOCK),
        expires_by=read_date(args, "expires_by"),
        text=args.get("q", "")[:60],
    )


@bp.get("/sites/<int:site_id>/crates")
@requires("stock.view")
def site_crates(site_id: int) -> str:
    site = services.get_site(db.session, site_id)
    wanted = crate_filter()
    page = crate_list.site_crates_page(
        db.session,
        site.id,
        wanted,
        request.args.get("page", 1, type=database_int),
        current_app.config["PAGE_SIZE"],
    )
    filters: dict[str, Any] = {
        name: value for name, value in request.args.items() if name != "page"
    }
    table = {
        "site": site,
        "page": page,
        "locale": current_locale(),
        "crate_contents": crate_list.contents_summary,
        "csv_url": url_for("inventory.site_crates_csv", site_id=site.id, **filters),
    }
    if htmx:
        return render_template("inventory/_crates_table.html", **table)
    return render_template(
        "inventory/site_crates.html",
        **table,
        wanted=wanted,
        any_state=ANY_STATE,
        items=queries.list_items(db.session),
    )


@bp.get("/sites/<int:site_id>/crates.csv")
@requires("stock.view")
def site_crates_csv(site_id: int) -> Response:
    site = services.get_site(db.session, site_id)
    locale = current_locale()
    return csv_response(
        f"crates-{site.id}.csv",
        [_("Crate"), _("Contents"), _("State"), _("Place"), _("Expiry date"), _("Last movement")],
        (
            [
                row.crate.display_code,
                crate_list.contents_summary(row.crate, locale),
                row.crate.state.label,
                row.crate.place or "",
                row.crate.expiry_date.isoformat() if row.crate.expiry_date else "",
                last_movement(row),
            ]
            for row in crate_list.site_crate_rows(db.session, site.id, crate_filter())
        ),
    )


def last_movement(row: crate_list.CrateRow) -> str:
    """The crate's last event, in the reader's time zone: "06/12/2026 09:14 · Checked in"."""
    if row.last_moved_at is None or row.last_action is None:
        return ""
    return f"{format_datetime(row.last_moved_at, 'short')} · {row.last_action.label}"


@bp.get("/sites/<int:site_id>/stock/<int:stock_item_id>")
@requires("stock.view")
def item_history(site_id: int, stock_item_id: int) -> str:
    site = services.get_site(db.session, site_id)
    stock_item = db.session.get(StockItem, stock_item_id) or abort(404)
    page = queries.movement_history(
        db.session,
        site.id,
        stock_item.id,
        request.args.get("page", 1, type=database_int),
        current_app.config["PAGE_SIZE"],
    )
    return render_template(
        "inventory/item_history.html", site=site, stock_item=stock_item, page=page
    )


@bp.post("/sites/<int:site_id>/loose")
@requires("stock.loose")
def loose_stock(site_id: int) -> Response | tuple[str, int] | str:
    """Receive or move quantities that are not in crates (a pallet of water, 200 meals)."""
    form = LooseStockForm()
    kind = form.kind.data

    def work() -> str:
        line = form.line()
        if kind == "move":
            to_site_id = form.destination()
            services.move_loose(
                db.session,
                actor=current_user,
                from_site_id=site_id,
                to_site_id=to_site_id,
                line=line,
            )
            return _("Moved.")
        services.receive_loose(
            db.session, actor=current_user, site_id=site_id, line=line, note=form.note.data or ""
        )
        return _("Received.")

    answer = act_once("loose", work, site_id=site_id, form=sent_form())
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
    form = AdjustForm()

    def work() -> str:
        delta = services.adjust_stock(
            db.session, actor=current_user, site_id=site_id, **form.read()
        )
        return (
            _("Stock adjusted by %(delta)+d.", delta=delta)
            if delta
            else _("The count matches: nothing to adjust.")
        )

    answer = act_once("adjust", work, site_id=site_id, form=sent_form())
    flash(answer.body["message"], "success")
    return redirect(
        request.referrer
        if request.referrer and request.referrer.startswith(request.host_url)
        else url_for("inventory.site_stock", site_id=site_id),
        303,
    )
