"""Citizen hosting pages: tonight's board of a team (groups as counts, placing them,
the van run, closing the night), hosts and their agreements, longer placements, and the
public pages where someone offers to host and a host keeps their calendar.

Hosts' addresses are shown to hosting coordinators only."""

from datetime import date, timedelta

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from app.clock import local_today
from app.errors import DomainError, NotFound
from app.exports import csv_response
from app.extensions import db, limiter
from app.forms import wanted_id
from app.inputs import database_int
from app.links import external_url
from app.mail import draft, send
from app.permissions import public, requires
from logistics import queries as logistics_queries
from logistics.services import get_team
from logistics.views.reports import csv_period
from people import queries
from people.forms.hosting import (
    CalendarForm,
    CloseForm,
    GroupForm,
    HostForm,
    OfferForm,
    PlaceForm,
    PlacementForm,
    RunForm,
    read_counts,
)
from people.models import Host, Placement
from people.services import hosting, placements
from people.views.common import bp


def parse_night(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise NotFound(_("“%(value)s” is not a date.", value=raw[:20])) from None


def team_choices() -> list[tuple[str, str]]:
    return [(str(team.id), team.name) for team in logistics_queries.list_teams(db.session)]


def page_number() -> int:
    return request.args.get("page", 1, type=database_int)


def show_error(error: DomainError) -> int:
    db.session.rollback()
    flash(error.message, "error")
    return int(error.status)


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


# --- hosts ----------------------------------------------------------------------------


@bp.get("/hosting/hosts")
@requires("hosting.run")
def hosts() -> str:
    team_id = wanted_id("team")
    page = queries.host_list(db.session, team_id, page_number(), current_app.config["PAGE_SIZE"])
    return render_template(
        "people/hosting/hosts.html",
        page=page,
        teams=logistics_queries.list_teams(db.session),
        team_id=team_id,
        sees_addresses=hosting.sees_addresses(current_user),
    )


def render_host_form(form: HostForm, host: Host | None, status: int = 200) -> tuple[str, int]:
    return render_template(
        "people/hosting/host_form.html",
        form=form,
        host=host,
        sees_addresses=hosting.sees_addresses(current_user),
    ), status


@bp.route("/hosting/hosts/new", methods=["GET", "POST"])
@requires("hosting.run")
def new_host() -> Response | tuple[str, int]:
    form = HostForm()
    form.team_id.choices = team_choices()
    if not form.validate_on_submit():
        return render_host_form(form, None, 422 if form.errors else 200)
    try:
        host = hosting.save_host(db.session, actor=current_user, data=form.host_input())
        db.session.commit()
    except DomainError as error:
        return render_host_form(form, None, refused_on(form, error))
    flash(_("%(name)s is added.", name=host.name), "success")
    return redirect(url_for("people.edit_host", host_id=host.id), 303)


def refused_on(form: HostForm | PlacementForm | OfferForm, error: DomainError) -> int:
    """Undo the writes and show the message beside its field (or above the form)."""
    db.session.rollback()
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)
    return int(error.status)


@bp.route("/hosting/hosts/<int:host_id>", methods=["GET", "POST"])
@requires("hosting.run")
def edit_host(host_id: int) -> Response | tuple[str, int]:
    host = hosting.get_host(db.session, host_id)
    readable = hosting.sees_addresses(current_user)
    form = HostForm(obj=host)
    form.team_id.choices = team_choices()
    if not form.is_submitted():
        form.team_id.data = str(host.team_id)
        form.beds.data = str(host.beds)
        form.kind.data = host.kind.value
        form.agreement_signed_on.data = (
            host.agreement_signed_on.isoformat() if host.agreement_signed_on else ""
        )
        form.address.data = host.address if readable else ""
    if not form.validate_on_submit():
        return render_host_form(form, host, 422 if form.errors else 200)
    try:
        hosting.save_host(
            db.session,
            actor=current_user,
            data=form.host_input(keep_address=not readable),
            host_id=host.id,
        )
        db.session.commit()
    except DomainError as error:
        return render_host_form(form, host, refused_on(form, error))
    flash(_("%(name)s is saved.", name=host.name), "success")
    return redirect(url_for("people.hosts"), 303)


@bp.post("/hosting/hosts/<int:host_id>/calendar-link")
@requires("hosting.run")
def send_calendar_link(host_id: int) -> Response:
    """A new calendar link for the host (the old ones stop working), emailed to them
    when they have an address, and shown to pass on by phone."""
    host = hosting.get_host(db.session, host_id)
    if not CloseForm().validate_on_submit():
        raise NotFound(_("This form has expired: load the page again."))
    link = external_url(
        "people.host_calendar", token=hosting.issue_calendar_token(db.session, host)
    )
    db.session.commit()
    if host.email:
        send(
            draft(
                host.email,
                _("Your hosting calendar"),
                _(
                    "Hello %(name)s,\n\nThank you for hosting. Tick the nights you can take "
                    "people on this page; it is yours for 90 days:\n\n%(link)s\n",
                    name=host.name,
                    link=link,
                ),
            )
        )
        flash(_("The link is emailed to %(email)s.", email=host.email), "success")
    flash(_("Calendar link for %(name)s: %(link)s", name=host.name, link=link), "success")
    return redirect(url_for("people.edit_host", host_id=host.id), 303)


# --- the public pages: offering to host, and a host's calendar -------------------------


def offer_rate_limit() -> str:
    return current_app.config["HOSTING_OFFER_RATE_LIMIT"]


@bp.route("/hosting/offer", methods=["GET", "POST"])
@public
@limiter.limit(offer_rate_limit, methods=["POST"])
def offer() -> Response | tuple[str, int]:
    form = OfferForm()
    form.team_id.choices = team_choices()
    if not form.validate_on_submit():
        return render_template("people/hosting/offer.html", form=form), (
            422 if form.errors else 200
        )
    try:
        hosting.offer_hosting(db.session, data=form.host_input())
        db.session.commit()
    except DomainError as error:
        status = refused_on(form, error)
        return render_template("people/hosting/offer.html", form=form), status
    return redirect(url_for("people.offer_thanks"), 303)


@bp.get("/hosting/offer/thanks")
@public
def offer_thanks() -> str:
    return render_template("people/hosting/offer_thanks.html")


@bp.route("/hosting/calendar/<token>", methods=["GET", "POST"])
@public
@limiter.limit(offer_rate_limit, methods=["POST"])
def host_calendar(token: str) -> Response | tuple[str, int]:
    host = hosting.host_for_calendar_token(db.session, token)
    nights = hosting.calendar_nights()
    form = CalendarForm()
    form.nights.choices = [(night.isoformat(), format_date(night, "EEE d MMM")) for night in nights]
    status = 200
    if form.validate_on_submit():
        try:
            chosen = {date.fromisoformat(value) for value in form.nights.data or []}
        except ValueError:
            chosen = {date.min}
        try:
            hosting.set_host_nights(db.session, host=host, nights=chosen)
            db.session.commit()
            flash(_("Thank you: your calendar is saved."), "success")
            return redirect(url_for("people.host_calendar", token=token), 303)
        except DomainError as error:
            status = show_error(error)
    form.nights.data = [
        night.isoformat() for night in sorted(hosting.available_nights(db.session, host.id, nights))
    ]
    return render_template("people/hosting/calendar.html", host=host, form=form), status


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
            status = refused_on(form, error)
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
