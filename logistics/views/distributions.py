"""The day board and a distribution's page: planning it, loading the van, setting off
and recording the run. Every form works without JavaScript; htmx refreshes the board."""

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.clock import local_today
from app.errors import DomainError, NotFound
from app.extensions import db, htmx
from app.forms import act_once, field_texts, typed_form
from app.permissions import requires, role_may
from inventory.models import Priority, StockItem
from inventory.queries import list_items, list_sites
from inventory.services import set_need
from logistics import planning, queries, services
from logistics.forms.planning import (
    DistributionForm,
    LoadForm,
    PickLineForm,
    RecordRunForm,
    TeamFilterForm,
)
from logistics.models import Distribution, DistributionResult
from logistics.services import runs
from logistics.services.common import EARLIEST_DAY, LATEST_DAY
from logistics.services.runs import OnTheVan
from logistics.views.common import bp, wanted_id

BOARD_REFRESH_SECONDS = 20


def parse_day(text: str) -> date:
    """The day of a URL; one outside the years Relais plans for is not found (the first
    and last days a date can hold have no day before or after them to link to)."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise NotFound(_("“%(value)s” is not a day.", value=text[:20])) from None
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise NotFound(_("Choose a day from 2000 to 2999."))
    return day


# --- the day board --------------------------------------------------------------------


@bp.get("/day")
@requires("distributions.view")
def today() -> Response:
    return redirect(url_for("logistics.day_board", day=local_today().isoformat()))


@bp.get("/day/<day>")
@requires("distributions.view")
def day_board(day: str) -> str:
    """Every distribution of the day with its checks; htmx refreshes it as leads work."""
    when = parse_day(day)
    team_id = wanted_id("team")
    board = planning.day_board(db.session, when, team_id)
    context = {
        "board": board,
        "team_id": team_id,
        "vans": vans_on(board),
        "refresh_seconds": BOARD_REFRESH_SECONDS,
    }
    if htmx:
        return render_template("logistics/_day_board.html", **context)
    return render_template(
        "logistics/day_board.html",
        **context,
        teams=queries.list_teams(db.session),
        previous_day=when - timedelta(days=1),
        next_day=when + timedelta(days=1),
    )


def vans_on(board: planning.DayBoard) -> list[Any]:
    """The vans of the day's distributions, for one pick list each."""
    vans = {
        check.distribution.vehicle.id: check.distribution.vehicle
        for check in board.checks
        if check.distribution.vehicle is not None
    }
    return sorted(vans.values(), key=lambda vehicle: vehicle.name)


@bp.post("/day/<day>/generate")
@requires("distributions.plan")
def generate(day: str) -> Response:
    when = parse_day(day)
    team_id = TeamFilterForm().team()
    try:
        made = services.generate_day_plan(db.session, actor=current_user, team_id=team_id, day=when)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        if made:
            flash(
                ngettext(
                    "%(num)s distribution planned from the week template.",
                    "%(num)s distributions planned from the week template.",
                    len(made),
                ),
                "success",
            )
        else:
            flash(_("Everything in the week template is already planned for this day."), "info")
    return redirect(url_for("logistics.day_board", day=when.isoformat(), team=team_id), 303)


# --- planning one distribution ----------------------------------------------------------


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
    """Run a change of a distribution once per rendered form, then show its page."""
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
    flash(answer.body["message"], "success")
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


# --- loading, setting off, recording ----------------------------------------------------


@bp.post("/distributions/<int:distribution_id>/load")
@requires("distributions.run")
def load(distribution_id: int) -> Response | tuple[str, int]:
    """A crate by its code (typed or scanned), or loose units of a pick-list item."""
    form = LoadForm()

    def work() -> str:
        code = form.code.data or ""
        if code.strip():
            crate = services.load_crate(
                db.session, actor=current_user, distribution_id=distribution_id, code=code
            )
            return _("Crate %(code)s is on the van.", code=crate.display_code)
        stock_item_id, quantity = form.loose()
        services.load_loose(
            db.session,
            actor=current_user,
            distribution_id=distribution_id,
            stock_item_id=stock_item_id,
            quantity=quantity,
        )
        return ngettext("%(num)s unit loaded.", "%(num)s units loaded.", quantity)

    return act(distribution_id, "load", work, "#loading")


@bp.post("/distributions/<int:distribution_id>/unload")
@requires("distributions.run")
def unload(distribution_id: int) -> Response | tuple[str, int]:
    form = LoadForm()

    def work() -> str:
        crate_id = form.crate()
        if crate_id is not None:
            crate = services.unload_crate(
                db.session, actor=current_user, distribution_id=distribution_id, crate_id=crate_id
            )
            return _("Crate %(code)s is back in the warehouse.", code=crate.display_code)
        stock_item_id, quantity = form.loose()
        services.unload_loose(
            db.session,
            actor=current_user,
            distribution_id=distribution_id,
            stock_item_id=stock_item_id,
            quantity=quantity,
        )
        return _("Taken off the van and back in the warehouse.")

    return act(distribution_id, "unload", work, "#loading")


@bp.post("/distributions/<int:distribution_id>/set-off")
@requires("distributions.run")
def set_off(distribution_id: int) -> Response | tuple[str, int]:
    def work() -> str:
        distribution = services.set_off(
            db.session, actor=current_user, distribution_id=distribution_id
        )
        return _("%(label)s is on its way.", label=distribution.label)

    return act(distribution_id, "set_off", work)


def render_record(
    distribution: Distribution, values: dict[str, Any], error: DomainError | None = None
) -> tuple[str, int]:
    van = services.on_the_van(db.session, distribution)
    page = render_template(
        "logistics/record_run.html",
        distribution=distribution,
        van=van,
        van_items=items_on(van),
        values=values,
        error=error,
    )
    return page, int(error.status) if error else 200


@bp.route("/distributions/<int:distribution_id>/record", methods=["GET", "POST"])
@requires("distributions.run")
def record(distribution_id: int) -> Response | tuple[str, int]:
    """After the run: people served (counts only), handed out, brought back."""
    distribution = services.get_distribution(db.session, distribution_id)
    if request.method == "GET":
        return render_record(distribution, {})
    van = services.on_the_van(db.session, distribution)
    form = RecordRunForm.for_van(van.loose, van.crates)

    def work() -> str:
        served = form.served()
        services.record_run(
            db.session,
            actor=current_user,
            distribution_id=distribution.id,
            served=served,
            loose=form.loose_outcomes(van.loose),
            crates_back=form.crates_back(van.crates),
            notes=form.notes.data or "",
        )
        people = served.adults + served.minors
        return ngettext(
            "Run recorded: %(num)s person served.", "Run recorded: %(num)s people served.", people
        )

    try:
        answer = act_once(
            "record_run",
            work,
            distribution_id=distribution.id,
            form=typed_form(),
        )
    except DomainError as error:
        db.session.rollback()
        distribution = services.get_distribution(db.session, distribution_id)
        return render_record(distribution, form.values(), error)
    flash(answer.body["message"], "success")
    return redirect(url_for("logistics.distribution", distribution_id=distribution.id), 303)
