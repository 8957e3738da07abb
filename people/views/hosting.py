"""Citizen hosting pages: tonight's board of a team (groups as counts, placing them,
the van run, closing the night), longer placements and the figures. The hosts' pages
are in hosts.py."""

from datetime import date, timedelta

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response

from app.clock import local_today
from app.errors import DomainError, NotFound
from app.exports import csv_response
from app.extensions import db
from app.forms import refused
from app.permissions import requires
from logistics import queries as logistics_queries
from logistics.services import get_team
from logistics.views.reports import csv_period
from people import queries
from people.forms.hosting import (
    CloseForm,
    GroupForm,
    PlaceForm,
    PlacementForm,
    RunForm,
    read_counts,
)
from people.models import Placement
from people.services import hosting, placements
from people.views.common import bp, page_number, show_error, team_choices


def parse_night(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise NotFound(_("“%(value)s” is not a date.", value=raw[:20])) from None


# --- hosting home and tonight's board -------------------------------------------------


@bp.get("/hosting")
@requires("hosting.run")
def hosting_home() -> str:
    today = local_today()
    return render_template(
        "people/hosting/home.html",
        teams=logistics_queries.list_teams(db.session),
        today=today,
        ending=queries.placements_ending_soon(db.session, today),
    )


def render_board(team_id: int, night: date, status: int = 200, **forms: object) -> tuple[str, int]:
    team = get_team(db.session, team_id)
    found = queries.night_of(db.session, team.id, night)
    place_form = PlaceForm()
    run_form = forms.get("run_form") or RunForm()
    assert isinstance(run_form, RunForm)
    vehicles = logistics_queries.list_vehicles(db.session)
    run_form.vehicle_id.choices = [(str(v.id), f"{v.name} ({v.seats})") for v in vehicles]
    drivers = (
        logistics_queries.list_drivers(db.session)
        if current_user.works_everywhere
        else [current_user]
    )
    run_form.driver_id.choices = [(str(driver.id), driver.name) for driver in drivers]
    run_form.group_ids.choices = [(str(group.id), str(group.id)) for group in found.waiting_for_van]
    if not run_form.is_submitted():
        run_form.driver_id.data = str(current_user.id)
    return render_template(
        "people/hosting/night.html",
        team=team,
        teams=logistics_queries.list_teams(db.session),
        night=found,
        group_form=forms.get("group_form") or GroupForm(),
        place_form=place_form,
        run_form=run_form,
        close_form=CloseForm(),
        ending=queries.placements_ending_soon(db.session, local_today(), team.id),
        previous_night=night - timedelta(days=1),
        next_night=night + timedelta(days=1),
        hosts_for=lambda group: queries.hosts_fitting(found.hosts, group),
        sees_addresses=hosting.sees_addresses(current_user),
    ), status


def board_url(team_id: int, night: date) -> str:
    return url_for("people.night_board", team_id=team_id, night=night.isoformat())


@bp.get("/hosting/teams/<int:team_id>/nights/<night>")
@requires("hosting.run")
def night_board(team_id: int, night: str) -> tuple[str, int]:
    return render_board(team_id, parse_night(night))


@bp.post("/hosting/teams/<int:team_id>/nights/<night>/groups")
@requires("hosting.run")
def record_group(team_id: int, night: str) -> Response | tuple[str, int]:
    day = parse_night(night)
    form = GroupForm()
    try:
        if not form.validate_on_submit():
            return render_board(team_id, day, 422, group_form=form)
        group = placements.record_group(
            db.session, actor=current_user, team_id=team_id, night=day, counts=read_counts(form)
        )
        db.session.commit()
    except DomainError as error:
        return render_board(team_id, day, show_error(error), group_form=form)
    flash(
        ngettext(
            "A group of %(num)d person is recorded.",
            "A group of %(num)d people is recorded.",
            group.people,
        ),
        "success",
    )
    return redirect(board_url(team_id, day), 303)


@bp.post("/hosting/groups/<int:group_id>/place")
@requires("hosting.run")
def place_group(group_id: int) -> Response | tuple[str, int]:
    group = placements.get_group(db.session, group_id)
    team_id, day = group.board.team_id, group.board.night
    form = PlaceForm()
    try:
        placed = placements.place_group(
            db.session, actor=current_user, group_id=group_id, host_id=form.read()
        )
        town = placed.host.town if placed.host else ""
        db.session.commit()
    except DomainError as error:
        return render_board(team_id, day, show_error(error))
    flash(_("The group is placed in %(town)s.", town=town), "success")
    return redirect(board_url(team_id, day), 303)


@bp.post("/hosting/teams/<int:team_id>/nights/<night>/runs")
@requires("hosting.run")
def book_run(team_id: int, night: str) -> Response | tuple[str, int]:
    day = parse_night(night)
    form = RunForm()
    board = placements.find_board(db.session, team_id, day)
    if board is None:
        raise NotFound(_("No group was recorded that night."))
    try:
        run = placements.book_run(db.session, actor=current_user, board_id=board.id, **form.read())
        message = ngettext(
            "%(vehicle)s is booked for %(num)d person.",
            "%(vehicle)s is booked for %(num)d people.",
            run.people,
            vehicle=run.trip.vehicle.name,
        )
        db.session.commit()
    except DomainError as error:
        return render_board(team_id, day, show_error(error), run_form=form)
    flash(message, "success")
    return redirect(board_url(team_id, day), 303)


@bp.post("/hosting/teams/<int:team_id>/nights/<night>/close")
@requires("hosting.run")
def close_night(team_id: int, night: str) -> Response | tuple[str, int]:
    day = parse_night(night)
    if not CloseForm().validate_on_submit():
        return render_board(team_id, day, 400)
    try:
        closed = placements.close_night(db.session, actor=current_user, team_id=team_id, night=day)
        db.session.commit()
    except DomainError as error:
        return render_board(team_id, day, show_error(error))
    flash(closed_message(closed), "success")
    return redirect(board_url(team_id, day), 303)


def closed_message(closed: placements.NightClosed) -> str:
    placed = ngettext("%(num)d group placed", "%(num)d groups placed", closed.groups_placed)
    not_placed = ngettext(
        "%(num)d group not placed", "%(num)d groups not placed", closed.groups_not_placed
    )
    return _(
        "The night is closed: %(placed)s, %(not_placed)s.", placed=placed, not_placed=not_placed
    )


# --- longer placements ----------------------------------------------------------------


@bp.get("/hosting/placements")
@requires("hosting.run")
def placement_list() -> str:
    today = local_today()
    page = queries.placement_list(db.session, today, page_number(), current_app.config["PAGE_SIZE"])
    return render_template(
        "people/hosting/placements.html",
        page=page,
        ending=queries.placements_ending_soon(db.session, today),
    )


@bp.route("/hosting/placements/new", methods=["GET", "POST"])
@requires("hosting.run")
def new_placement() -> Response | tuple[str, int]:
    form = PlacementForm()
    form.team_id.choices = team_choices()
    form.host_id.choices = [
        (str(host.id), f"{host.town} · {host.name}")
        for host in queries.hosts_with_agreement(db.session)
    ]
    status = 422 if form.is_submitted() else 200
    if form.validate_on_submit():
        try:
            placements.add_placement(db.session, actor=current_user, data=form.read())
            db.session.commit()
            flash(_("The stay is recorded."), "success")
            return redirect(url_for("people.placement_list"), 303)
        except DomainError as error:
            status = refused(form, error)
    return render_template("people/hosting/placement_form.html", form=form), status


# --- figures --------------------------------------------------------------------------


@bp.get("/hosting/figures.csv")
@requires("reports.view")
def hosting_figures_csv() -> Response:
    """Hosting per week (or month: ?by=month): nights, people placed, not placed,
    hosts active."""
    monthly = request.args.get("by") == "month"
    period, filename = csv_period("hosting-by-month" if monthly else "hosting-by-week")
    rows = (
        [
            week.start.isoformat(),
            week.nights,
            week.placed.adults,
            week.placed.minors,
            week.placed.children_under_10,
            week.placed.total,
            week.not_placed,
            week.hosts_active,
        ]
        for week in queries.hosting_figures(db.session, period, monthly=monthly)
    )
    header = [
        _("Month") if monthly else _("Monday"),
        _("Nights"),
        _("Adults hosted"),
        _("Minors hosted"),
        _("Children under 10 hosted"),
        _("People hosted"),
        _("People not placed"),
        _("Hosts active"),
    ]
    return csv_response(filename, header, rows)


def stays_ending_soon() -> list[Placement]:
    """For the home page of those who run hosting."""
    return list(queries.placements_ending_soon(db.session, local_today()))
