"""Stock per site, item histories, loose stock and corrections after a count."""

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from app.extensions import db, htmx
from app.inputs import database_int
from app.permissions import requires
from inventory import queries, services
from inventory.forms import read_int
from inventory.models import (
    CATEGORY_LABELS,
    GENDER_LABELS,
    UNIT_LABELS,
    Category,
    Gender,
    StockItem,
)
from inventory.views.common import (
    act_once,
    bp,
    csv_response,
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
        request.args.get("page", 1, type=database_int),
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
