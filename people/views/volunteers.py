"""Volunteers' pages: the public sign-up (/volunteer), the sign-in link, coordinators'
review of sign-ups, and a volunteer's own page with their export and erasure."""

import json
from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import case, select
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from app import mail
from app.clock import local_today
from app.errors import DomainError, NotFound
from app.exports import csv_response
from app.extensions import db, limiter
from app.forms import form_status, refused
from app.i18n import current_locale
from app.links import external_url
from app.permissions import public, requires
from people.forms.volunteers import EraseForm, LinkForm, SignUpForm
from people.models import SignUpStatus, Volunteer
from people.services import beds, shifts, volunteers
from people.views.common import bp, team_choices

public_bp = Blueprint("volunteer", __name__)


def sign_up_rate_limit() -> str:
    return current_app.config["VOLUNTEER_SIGN_UP_RATE_LIMIT"]


def render_sign_up(form: SignUpForm, status: int = 200) -> tuple[str, int]:
    return render_template("people/volunteer_sign_up.html", form=form), status


@public_bp.route("/volunteer", methods=["GET", "POST"])
@public
@limiter.limit(sign_up_rate_limit, methods=["POST"])
def sign_up() -> Response | tuple[str, int]:
    """The public sign-up page. Nothing is written unless every answer is acceptable."""
    form = SignUpForm()
    form.team_id.choices = [SelectChoice("", _("A local group (name it below)")), *team_choices()]
    if not form.validate_on_submit():
        return render_sign_up(form, form_status(form))
    try:
        result = volunteers.sign_up(
            db.session, form.to_input(current_locale()), today=local_today()
        )
        db.session.commit()
    except DomainError as error:
        return render_sign_up(form, refused(form, error))
    if result.already_volunteer:
        message = _(
            "You are already one of our volunteers: sign in with the link we sent you, or "
            "ask for a new one below."
        )
    elif result.updated:
        message = _("We already had your sign-up: it is updated with these answers.")
    else:
        message = _("Thank you! A coordinator will read your sign-up and write to you.")
    return render_template("people/volunteer_signed_up.html", message=message), 200


@public_bp.route("/volunteer/link", methods=["GET", "POST"])
@public
@limiter.limit(sign_up_rate_limit, methods=["POST"])
def ask_link() -> Response | str:
    """A new sign-in link for an accepted volunteer: the same answer for any address."""
    form = LinkForm()
    if not form.validate_on_submit():
        return render_template("people/volunteer_link.html", form=form, sent=False)
    volunteer = volunteers.find_accepted(db.session, form.email.data or "")
    if volunteer is not None:
        token = volunteers.issue_sign_in_token(db.session, volunteer)
        db.session.commit()
        send_sign_in_link(volunteer, token)
    return render_template("people/volunteer_link.html", form=form, sent=True)


@public_bp.route("/volunteer/sign-in/<token>", methods=["GET", "POST"])
@public
def open_link(token: str) -> Response | str:
    """The link from the email: a button signs in (a mail scanner opening the link does
    not use it up)."""
    if request.method == "GET":
        return render_template("people/volunteer_open_link.html")
    user = volunteers.use_sign_in_token(db.session, token)
    db.session.commit()
    session.clear()
    session.permanent = True
    login_user(user)
    if user.locale:
        session["lang"] = user.locale
    flash(_("Welcome, %(name)s! Take your first shift.", name=user.name), "success")
    return redirect(url_for("people.shifts_week"), 303)


def send_sign_in_link(volunteer: Volunteer, token: str) -> None:
    """Email the link; a mail failure is logged (the coordinator can send it again)."""
    link = external_url("volunteer.open_link", token=token)
    days = current_app.config["VOLUNTEER_LINK_DAYS"]
    body = _(
        "Hello %(name)s,\n\nWelcome to the team! Sign in to Relais to take your shifts and "
        "book a bed with this link, which works once within %(days)s days:\n\n%(link)s\n\n"
        "A new link can be asked for at any time on %(ask)s\n",
        name=volunteer.name,
        days=days,
        link=link,
        ask=external_url("volunteer.ask_link"),
    )
    try:
        mail.send(mail.draft(volunteer.email or "", _("Your sign-in link to Relais"), body))
    except OSError:
        current_app.logger.exception("A sign-in link for volunteer %s was not sent", volunteer.id)


# --- review ---------------------------------------------------------------------------


@bp.get("/volunteers")
@requires("volunteers.review")
def sign_ups() -> str:
    """Sign-ups waiting for review first, then the volunteers who are here or coming."""
    waiting_first = case((Volunteer.status == SignUpStatus.PENDING, 0), else_=1)
    rows = db.session.scalars(
        select(Volunteer)
        .where(Volunteer.erased_at.is_(None), Volunteer.leaves_on >= local_today())
        .order_by(waiting_first, Volunteer.arrives_on, Volunteer.id)
        .limit(500)
    ).all()
    return render_template("people/volunteers.html", rows=rows)


@bp.post("/volunteers/<int:volunteer_id>/accept")
@requires("volunteers.review")
def accept(volunteer_id: int) -> Response:
    try:
        volunteer = volunteers.accept_volunteer(
            db.session, actor=current_user, volunteer_id=volunteer_id
        )
        token = volunteers.issue_sign_in_token(db.session, volunteer)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("people.sign_ups"), 303)
    send_sign_in_link(volunteer, token)
    flash(_("%(name)s is accepted: a sign-in link is on its way.", name=volunteer.name), "success")
    return redirect(url_for("people.sign_ups"), 303)


@bp.post("/volunteers/<int:volunteer_id>/decline")
@requires("volunteers.review")
def decline(volunteer_id: int) -> Response:
    try:
        volunteer = volunteers.decline_volunteer(
            db.session, actor=current_user, volunteer_id=volunteer_id
        )
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        flash(_("The sign-up of %(name)s is declined.", name=volunteer.name), "info")
    return redirect(url_for("people.sign_ups"), 303)


# --- the volunteer's own page ---------------------------------------------------------


def my_volunteer() -> Volunteer | None:
    return volunteers.volunteer_of(db.session, current_user)


@bp.get("/me")
@requires("volunteers.self")
def me() -> str:
    volunteer = my_volunteer()
    today = local_today()
    return render_template(
        "people/volunteer_me.html",
        volunteer=volunteer,
        my_shifts=shifts.list_my_shifts(db.session, current_user, today),
        bookings=beds.list_bookings(db.session, volunteer=volunteer, from_day=today)
        if volunteer
        else [],
    )


def my_data() -> dict[str, Any]:
    volunteer = my_volunteer()
    if volunteer is None:
        raise NotFound(_("Your account was not made from a volunteer sign-up."))
    return volunteers.export_volunteer(db.session, volunteer)


@bp.get("/me/export.json")
@requires("volunteers.self")
def export_json() -> Response:
    """Everything Relais stores about the volunteer, as a JSON file."""
    response = Response(
        json.dumps(my_data(), ensure_ascii=False, indent=2), mimetype="application/json"
    )
    response.headers["Content-Disposition"] = 'attachment; filename="relais-my-data.json"'
    return response


@bp.get("/me/export.csv")
@requires("volunteers.self")
def export_csv() -> Response:
    """The same, as rows of section, field and value."""
    data = my_data()
    rows = [("volunteer", key, value) for key, value in data["volunteer"].items()]
    rows += [
        ("shift", shift["day"], f"{shift['team']} {shift['starts_at']}-{shift['ends_at']}")
        for shift in data["shifts"]
    ]
    rows += [
        ("bed", booking["arrives_on"], f"{booking['place']} -> {booking['leaves_on']}")
        for booking in data["bed_bookings"]
    ]
    return csv_response("relais-my-data.csv", ("section", "field", "value"), rows)


@bp.route("/me/erase", methods=["GET", "POST"])
@requires("volunteers.self")
def erase() -> Response | tuple[str, int] | str:
    volunteer = my_volunteer()
    if volunteer is None:
        raise NotFound(_("Your account was not made from a volunteer sign-up."))
    form = EraseForm()
    if not form.is_submitted():
        return render_template("people/volunteer_erase.html", form=form)
    if not form.validate() or not form.confirm.data:
        form.confirm.errors = [
            *form.confirm.errors,
            _("Tick the box to confirm that your data should be erased."),
        ]
        return render_template("people/volunteer_erase.html", form=form), 422
    volunteers.erase_volunteer(db.session, volunteer, today=local_today())
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("Your personal data is erased and your account is closed."), "success")
    return redirect(url_for("app.home"), 303)
