"""A distribution's page and its planning: when and where, the pick list, the shortfall
added to the needs, cancelling. Every form works without JavaScript."""

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.errors import DomainError
from app.extensions import db
from app.forms import act_once, field_texts, typed_form, wanted_id
from app.permissions import requires, role_may
from inventory.models import Priority, StockItem
from inventory.queries import list_items, list_sites
from inventory.services import set_need
from logistics import planning, queries, services
from logistics.forms.planning import (
    DistributionForm,
    PickLineForm,
)
from logistics.models import Distribution, DistributionResult
from logistics.services import runs
from logistics.services.runs import OnTheVan
from logistics.views.common import bp
from logistics.views.day import parse_day


def render_edit(
    distribution: Distribution | None, values: dict[str, Any], error: DomainError | None = None
) -> tuple[str, int]:
    page = render_template(
        "logistics/edit_distribution.html",
        distribution=distribution,
        values=values,
        error=error,
        sites=list_sites(db.session),
        vehicles=queries.list_vehicles(db.session),
        leads=queries.list_drivers(db.session),
        teams=queries.list_teams(db.session),
    )
    return page, int(error.status) if error else 200


def values_of(distribution: Distribution) -> dict[str, Any]:
    return {
        "label": distribution.label,
        "place_site_id": str(distribution.place_site_id),
        "starts_at": distribution.starts_at.strftime("%H:%M"),
        "ends_at": distribution.ends_at.strftime("%H:%M"),
        "expected_people": str(distribution.expected_people),
        "team_size": str(distribution.team_size),
        "vehicle_id": str(distribution.vehicle_id or ""),
        "lead_id": str(distribution.lead_id or ""),
        "notes": distribution.notes,
    }


@bp.route("/day/<day>/new", methods=["GET", "POST"])
@requires("distributions.plan")
def new_distribution(day: str) -> Response | tuple[str, int]:
    when = parse_day(day)
    if request.method == "GET":
        return render_edit(None, {"day": when.isoformat(), "team_id": str(wanted_id("team") or "")})
    form = DistributionForm()
    try:
        distribution = services.plan_distribution(
            db.session,
            actor=current_user,
            team_id=form.team(),
            day=when,
            data=form.to_input(),
        )
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        return render_edit(None, {**field_texts(form), "day": when.isoformat()}, error)
    flash(_("Distribution planned."), "success")
    return redirect(url_for("logistics.distribution", distribution_id=distribution.id), 303)


@bp.route("/distributions/<int:distribution_id>/edit", methods=["GET", "POST"])
@requires("distributions.plan")
def edit_distribution(distribution_id: int) -> Response | tuple[str, int]:
    distribution = services.get_distribution(db.session, distribution_id)
    if request.method == "GET":
        return render_edit(distribution, values_of(distribution))
    form = DistributionForm()
    try:
        services.update_distribution(
            db.session,
            actor=current_user,
            distribution_id=distribution.id,
            data=form.to_input(),
        )
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        return render_edit(distribution, field_texts(form), error)
    flash(_("Distribution saved."), "success")
    return redirect(url_for("logistics.distribution", distribution_id=distribution.id), 303)


# --- a distribution's page --------------------------------------------------------------


def render_distribution(distribution_id: int, error: DomainError | None = None) -> tuple[str, int]:
    distribution = services.get_distribution(db.session, distribution_id)
    # Checked with the team's other distributions that day: they share stock and vans.
    board = planning.day_board(db.session, distribution.day, distribution.team_id)
    check = next(check for check in board.checks if check.distribution.id == distribution.id)
    van = services.on_the_van(db.session, distribution)
    page = render_template(
        "logistics/distribution.html",
        distribution=distribution,
        check=check,
        van=van,
        van_items=items_on(van),
        results=results_of(distribution),
        items=list_items(db.session),
        may_run=may_run(distribution),
        error=error,
    )
    return page, int(error.status) if error else 200


def items_on(van: OnTheVan) -> dict[int, StockItem]:
    """The stock items of the loose units on the van, to name them."""
    if not van.loose:
        return {}
    found = db.session.scalars(select(StockItem).where(StockItem.id.in_(van.loose)))
    return {stock_item.id: stock_item for stock_item in found}


def results_of(distribution: Distribution) -> list[DistributionResult]:
    return list(
        db.session.scalars(
            select(DistributionResult)
            .where(DistributionResult.distribution_id == distribution.id)
            .order_by(DistributionResult.id)
        )
    )


def may_run(distribution: Distribution) -> bool:
    return role_may(current_user.role, "distributions.run") and runs.may_run(
        current_user, distribution
    )


@bp.get("/distributions/<int:distribution_id>")
@requires("distributions.view")
def distribution(distribution_id: int) -> tuple[str, int]:
    return render_distribution(distribution_id)


def act(
    distribution_id: int, action: str, work: Callable[[], str], anchor: str = ""
) -> Response | tuple[str, int]:
    """Run a change of a distribution once per rendered form, then show its page at
    `anchor`, the section changed, with the message in that section."""
    try:
        answer = act_once(
            action,
            work,
            distribution_id=distribution_id,
            form=typed_form(),
        )
    except DomainError as error:
        db.session.rollback()
        return render_distribution(distribution_id, error)
    flash(answer.body["message"], f"success@{anchor[1:]}" if anchor else "success")
    target = url_for("logistics.distribution", distribution_id=distribution_id)
    return redirect(f"{target}{anchor}", 303)


@bp.post("/distributions/<int:distribution_id>/lines")
@requires("distributions.plan")
def set_pick_line(distribution_id: int) -> Response | tuple[str, int]:
    form = PickLineForm()

    def work() -> str:
        services.set_pick_line(
            db.session, actor=current_user, distribution_id=distribution_id, **form.read()
        )
        return _("Pick list saved.")

    return act(distribution_id, "pick_line", work, "#pick-list")


@bp.post("/distributions/<int:distribution_id>/needs")
@requires("distributions.plan")
def add_shortfall_to_needs(distribution_id: int) -> Response | tuple[str, int]:
    """Put a short item on the departure warehouse's need list, for donors to see."""
    distribution = services.get_distribution(db.session, distribution_id)
    form = PickLineForm()

    def work() -> str:
        line = form.read()
        set_need(
            db.session,
            actor=current_user,
            site_id=distribution.departure_site_id,
            item_id=line["item_id"],
            gender=line["gender"],
            size=line["size"],
            target_quantity=line["quantity"],
            priority=Priority.HIGH,
        )
        return _("Added to the need list of %(site)s.", site=distribution.departure.name)

    return act(distribution_id, "shortfall_need", work, "#pick-list")


@bp.post("/distributions/<int:distribution_id>/cancel")
@requires("distributions.plan")
def cancel(distribution_id: int) -> Response | tuple[str, int]:
    def work() -> str:
        services.cancel_distribution(
            db.session, actor=current_user, distribution_id=distribution_id
        )
        return _("Distribution cancelled.")

    return act(distribution_id, "cancel", work)
