"""Stocktake pages: count a site, review what will change, confirm."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app.errors import DomainError
from app.extensions import db, htmx
from app.forms import act_once
from app.permissions import requires
from inventory import queries, services
from inventory import stocktake as stocktakes
from inventory.forms import CodeForm, StockLineForm
from inventory.models import Stocktake
from inventory.views.common import bp


@bp.get("/sites/<int:site_id>/stocktake")
@requires("stocktake.run")
def stocktake(site_id: int) -> str:
    site = services.get_site(db.session, site_id)
    current = stocktakes.open_stocktake(db.session, site.id)
    return render_stocktake(site.id, current)


def render_stocktake(site_id: int, current: Stocktake | None, error: str | None = None) -> str:
    site = services.get_site(db.session, site_id)
    return render_template(
        "inventory/stocktake.html",
        site=site,
        stocktake=current,
        items=queries.list_items(db.session),
        error=error,
    )


@bp.post("/sites/<int:site_id>/stocktake/start")
@requires("stocktake.run")
def start_stocktake(site_id: int) -> Response:
    def work() -> str:
        stocktakes.start_stocktake(db.session, actor=current_user, site_id=site_id)
        return _("Stocktake started.")

    act_once("stocktake_start", work, site_id=site_id)
    return redirect(url_for("inventory.stocktake", site_id=site_id), 303)


@bp.post("/stocktakes/<int:stocktake_id>/scan")
@requires("stocktake.run")
def stocktake_scan(stocktake_id: int) -> str | tuple[str, int]:
    current = stocktakes.get_open_stocktake(db.session, stocktake_id, for_update=True)
    code = CodeForm().code.data or ""
    error = None
    try:
        stocktakes.scan_into_stocktake(db.session, actor=current_user, stocktake=current, code=code)
        db.session.commit()
    except DomainError as problem:
        db.session.rollback()
        current = stocktakes.get_open_stocktake(db.session, stocktake_id)
        error = problem.message
    if htmx:
        body = render_template("inventory/_stocktake_scans.html", stocktake=current, error=error)
        return (body, 422) if error else body
    return (
        (render_stocktake(current.site_id, current, error), 422)
        if error
        else render_stocktake(current.site_id, current)
    )


@bp.post("/stocktakes/<int:stocktake_id>/count")
@requires("stocktake.run")
def stocktake_count(stocktake_id: int) -> Response | tuple[str, int]:
    current = stocktakes.get_open_stocktake(db.session, stocktake_id, for_update=True)
    form = StockLineForm()
    try:
        line = form.line()
        stocktakes.count_loose(db.session, actor=current_user, stocktake=current, line=line)
        db.session.commit()
    except DomainError as problem:
        db.session.rollback()
        current = stocktakes.get_open_stocktake(db.session, stocktake_id)
        return render_stocktake(current.site_id, current, problem.message), int(problem.status)
    return redirect(url_for("inventory.stocktake", site_id=current.site_id), 303)


@bp.get("/stocktakes/<int:stocktake_id>/review")
@requires("stocktake.run")
def stocktake_review(stocktake_id: int) -> str:
    current = stocktakes.get_open_stocktake(db.session, stocktake_id)
    plan = stocktakes.plan_stocktake(db.session, current)
    return render_template("inventory/stocktake_review.html", stocktake=current, plan=plan)


@bp.post("/stocktakes/<int:stocktake_id>/confirm")
@requires("stocktake.run")
def stocktake_confirm(stocktake_id: int) -> Response:
    def work() -> str:
        current = stocktakes.get_open_stocktake(db.session, stocktake_id, for_update=True)
        plan = stocktakes.confirm_stocktake(db.session, actor=current_user, stocktake=current)
        return _(
            "Stocktake confirmed: %(found)s crates checked in, %(lost)s marked lost, "
            "%(adjusted)s loose quantities corrected.",
            found=len(plan.found_here),
            lost=len(plan.missing),
            adjusted=sum(1 for row in plan.loose if row.difference),
        )

    answer = act_once("stocktake_confirm", work, stocktake_id=stocktake_id)
    flash(answer.body["message"], "success")
    site_id = db.session.get_one(Stocktake, stocktake_id).site_id
    return redirect(url_for("inventory.site_stock", site_id=site_id), 303)


@bp.post("/stocktakes/<int:stocktake_id>/cancel")
@requires("stocktake.run")
def stocktake_cancel(stocktake_id: int) -> Response:
    current = stocktakes.get_open_stocktake(db.session, stocktake_id, for_update=True)
    stocktakes.cancel_stocktake(db.session, actor=current_user, stocktake=current)
    db.session.commit()
    flash(_("Stocktake cancelled: nothing was changed."), "info")
    return redirect(url_for("inventory.site_stock", site_id=current.site_id), 303)
