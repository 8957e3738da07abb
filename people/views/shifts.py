"""Shifts on the phone: a team's week with who is on each shift and how many are still
needed, taking and leaving a shift (htmx swaps the shift; without JavaScript the page
comes back), and the coordinators' week template and making a week's shifts from it."""

from datetime import date, time, timedelta
from typing import Any, NamedTuple

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response

from app.clock import local_today
from app.errors import DomainError, NotFound
from app.extensions import db, htmx
from app.forms import form_status, refused, wanted_id
from app.permissions import requires
from logistics.models import WEEKDAY_LABELS, Team
from logistics.queries import list_teams
from logistics.services import get_team
from people.forms.volunteers import GenerateForm, ShiftWeekForm, shift_week_form, week_prefix
from people.models import Shift, ShiftKind, ShiftTemplate
from people.services import shifts, volunteers
from people.views.common import bp

DEFAULT_TIMES = {
    ShiftKind.MORNING: (time(9), time(13)),
    ShiftKind.AFTERNOON: (time(13), time(18)),
    ShiftKind.EVENING: (time(18), time(22)),
}


class Day(NamedTuple):
    day: date
    shifts: list[Shift]


def wanted_week() -> date:
    """The Monday of ?week= (any day of it), or of this week."""
    raw = request.args.get("week", "")
    try:
        day = date.fromisoformat(raw) if raw else local_today()
    except ValueError:
        raise NotFound(_("“%(value)s” is not a day.", value=raw[:20])) from None
    return shifts.week_start(day)


def wanted_team(teams: list[Team]) -> Team | None:
    """The team asked for, else the volunteer's own, else the first."""
    team_id = wanted_id("team")
    if team_id is None:
        volunteer = volunteers.volunteer_of(db.session, current_user)
        team_id = volunteer.team_id if volunteer else None
    found = next((team for team in teams if team.id == team_id), None)
    return found or (teams[0] if teams else None)


@bp.get("/shifts")
@requires("shifts.take")
def shifts_week() -> str:
    teams = list(list_teams(db.session))
    team = wanted_team(teams)
    monday = wanted_week()
    rows = shifts.list_shifts(db.session, team.id, monday, 7) if team else []
    days = [
        Day(monday + timedelta(days=n), [s for s in rows if s.day == monday + timedelta(days=n)])
        for n in range(7)
    ]
    return render_template(
        "people/shifts.html",
        teams=teams,
        team=team,
        monday=monday,
        days=days,
        today=local_today(),
        previous_week=monday - timedelta(days=7),
        next_week=monday + timedelta(days=7),
    )


def shift_answer(shift_id: int, message: str, error: DomainError | None = None) -> Any:
    """The shift again for htmx, with the message; otherwise back to its week."""
    if htmx:
        page = render_template(
            "people/_shift.html",
            shift=shifts.get_shift(db.session, shift_id),
            today=local_today(),
            message=message,
            error=error is not None,
        )
        return page, int(error.status) if error else 200
    flash(message, "error" if error else "success")
    shift = db.session.get(Shift, shift_id)
    if shift is None:
        return redirect(url_for("people.shifts_week"), 303)
    target = url_for("people.shifts_week", team=shift.team_id, week=shift.day.isoformat())
    return redirect(target, 303)


@bp.post("/shifts/<int:shift_id>/take")
@requires("shifts.take")
def take(shift_id: int) -> Any:
    try:
        shift = shifts.take_shift(
            db.session, actor=current_user, shift_id=shift_id, today=local_today()
        )
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        return shift_answer(shift_id, error.message, error)
    return shift_answer(shift_id, _("You are on %(shift)s.", shift=shifts.describe(shift)))


@bp.post("/shifts/<int:shift_id>/leave")
@requires("shifts.take")
def leave(shift_id: int) -> Any:
    try:
        shift = shifts.leave_shift(
            db.session, actor=current_user, shift_id=shift_id, today=local_today()
        )
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        return shift_answer(shift_id, error.message, error)
    return shift_answer(shift_id, _("You left %(shift)s.", shift=shifts.describe(shift)))


@bp.post("/shifts/generate")
@requires("shifts.plan")
def generate() -> Response:
    form = GenerateForm()
    team_id = form.team()
    try:
        monday = form.monday()
        made = shifts.generate_shifts(
            db.session,
            actor=current_user,
            team_id=team_id,
            first_day=monday,
            days=7,
            today=local_today(),
        )
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("people.shifts_week", team=team_id or None), 303)
    if made:
        flash(
            ngettext(
                "%(num)s shift made from the week.", "%(num)s shifts made from the week.", len(made)
            ),
            "success",
        )
    else:
        flash(_("Every shift of the week template is already made for this week."), "info")
    return redirect(url_for("people.shifts_week", team=team_id, week=monday.isoformat()), 303)


# --- the week template ----------------------------------------------------------------


def fill_week(form: ShiftWeekForm, rows: list[ShiftTemplate]) -> None:
    """The team's week template in the form; the usual times where it has no shift."""
    saved = {week_prefix(row.weekday, row.kind): row for row in rows}
    for weekday in range(7):
        for kind in ShiftKind:
            prefix = week_prefix(weekday, kind)
            row = saved.get(prefix)
            starts_at, ends_at = (row.starts_at, row.ends_at) if row else DEFAULT_TIMES[kind]
            form[f"{prefix}-starts_at"].data = starts_at.strftime("%H:%M")
            form[f"{prefix}-ends_at"].data = ends_at.strftime("%H:%M")
            form[f"{prefix}-needed"].data = str(row.needed) if row else ""


def render_week_form(team: Team, form: ShiftWeekForm, status: int = 200) -> tuple[str, int]:
    page = render_template(
        "people/shift_week.html",
        team=team,
        form=form,
        weekdays=WEEKDAY_LABELS,
        kinds=list(ShiftKind),
        week_prefix=week_prefix,
    )
    return page, status


@bp.route("/teams/<int:team_id>/shift-week", methods=["GET", "POST"])
@requires("shifts.plan")
def shift_week(team_id: int) -> Response | tuple[str, int]:
    team = get_team(db.session, team_id)
    form = shift_week_form()
    if not form.is_submitted():
        fill_week(form, list(shifts.list_template(db.session, team.id)))
    if not form.validate_on_submit():
        return render_week_form(team, form, form_status(form))
    try:
        shifts.save_shift_week(
            db.session, actor=current_user, team_id=team.id, entries=form.entries()
        )
        db.session.commit()
    except DomainError as error:
        return render_week_form(team, form, refused(form, error))
    flash(_("The week of shifts of %(team)s is saved.", team=team.name), "success")
    return redirect(url_for("people.shifts_week", team=team.id), 303)
