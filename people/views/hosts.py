"""Hosts' pages: the list, adding and editing a host and sending their calendar link,
and the public pages where someone offers to host and a host keeps their calendar.

Hosts' addresses are shown to hosting coordinators only."""

from datetime import date

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app.errors import DomainError, NotFound
from app.extensions import db, limiter
from app.forms import refused, wanted_id
from app.links import external_url
from app.mail import draft, send
from app.permissions import public, requires
from logistics import queries as logistics_queries
from people import queries
from people.forms.hosting import CalendarForm, CloseForm, HostForm, OfferForm
from people.models import Host
from people.services import hosting
from people.views.common import bp, page_number, show_error, team_choices

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
        return render_host_form(form, None, refused(form, error))
    flash(_("%(name)s is added.", name=host.name), "success")
    return redirect(url_for("people.edit_host", host_id=host.id), 303)


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
        return render_host_form(form, host, refused(form, error))
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
        status = refused(form, error)
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
