"""The week templates: the teams, each team's usual week of distributions, and the
standard pick list of each distribution. Every form works without JavaScript; htmx
swaps the pick list in place and shows the gender and size choices an item needs."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from app.clock import local_today
from app.errors import DomainError
from app.extensions import db, htmx
from app.forms import act_once, form_status, refused, typed_form
from app.i18n import current_locale
from app.permissions import requires
from inventory.models import Item, size_label
from inventory.queries import list_items, list_sites
from logistics import services
from logistics.forms.planning import CopySlotForm, SlotForm, SlotLineForm, TeamForm, weekday_choices
from logistics.models import WEEKDAY_LABELS, Team, WeekSlot, WeekSlotLine
from logistics.views.common import bp

WEEKDAY_CODES = {str(index) for index in range(len(WEEKDAY_LABELS))}


@dataclass(frozen=True)
class Day:
    """A day of a team's week and its distributions, earliest first."""

    index: int
    label: str
    slots: list[WeekSlot]


def rule_of(line: WeekSlotLine) -> str:
    """How much of an item a distribution takes: "1 per person", "1 per 20 people"."""
    if line.per_people is None:
        return _("%(quantity)s per distribution", quantity=line.quantity)
    if line.per_people == 1:
        return _("%(quantity)s per person", quantity=line.quantity)
    return _("%(quantity)s per %(people)s people", quantity=line.quantity, people=line.per_people)


def site_choices() -> list[SelectChoice]:
    return [SelectChoice(str(site.id), site.name) for site in list_sites(db.session)]


# --- teams ----------------------------------------------------------------------------


def teams_with_slots() -> Sequence[tuple[Team, int]]:
    """Every team, by name, with the number of distributions its week runs."""
    weekly = (
        select(WeekSlot.team_id, func.count().label("slots"))
        .where(WeekSlot.active)
        .group_by(WeekSlot.team_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Team, func.coalesce(weekly.c.slots, 0))
        .outerjoin(weekly, weekly.c.team_id == Team.id)
        .order_by(Team.name)
    )
    return [(team, slots) for team, slots in rows]


@bp.get("/teams")
@requires("distributions.view")
def teams() -> str:
    return render_template("logistics/teams.html", rows=teams_with_slots())


def render_team(team: Team | None, form: TeamForm, status: int = 200) -> tuple[str, int]:
    return render_template("logistics/edit_team.html", team=team, form=form), status


@bp.route("/teams/new", methods=["GET", "POST"], defaults={"team_id": None})
@bp.route("/teams/<int:team_id>/edit", methods=["GET", "POST"])
@requires("distributions.plan")
def edit_team(team_id: int | None) -> Response | tuple[str, int]:
    found = services.get_team(db.session, team_id) if team_id is not None else None
    form = TeamForm()
    form.departure_site_id.choices = site_choices()
    if found is not None and not form.is_submitted():
        form.fill_from(found)
    if not form.validate_on_submit():
        return render_team(found, form, form_status(form))

    def work() -> str:
        team = services.save_team(db.session, actor=current_user, team_id=team_id, **form.read())
        return _("%(team)s saved.", team=team.name)

    try:
        answer = act_once("save_team", work, team_id=team_id, form=typed_form())
    except DomainError as error:
        return render_team(found, form, refused(form, error))
    flash(answer.body["message"], "success")
    return redirect(url_for("logistics.teams"), 303)


# --- a team's week --------------------------------------------------------------------


def week_of(team: Team) -> list[Day]:
    slots = db.session.scalars(
        select(WeekSlot)
        .where(WeekSlot.team_id == team.id)
        .options(selectinload(WeekSlot.lines))
        .order_by(WeekSlot.weekday, WeekSlot.starts_at, WeekSlot.id)
    ).all()
    return [
        Day(index, str(label), [slot for slot in slots if slot.weekday == index])
        for index, label in enumerate(WEEKDAY_LABELS)
    ]


@bp.get("/teams/<int:team_id>/week")
@requires("distributions.view")
def week(team_id: int) -> str:
    team = services.get_team(db.session, team_id)
    return render_template(
        "logistics/week.html", team=team, days=week_of(team), opened=opened_days(), rule_of=rule_of
    )


def opened_days() -> set[int]:
    """The days the week page shows unfolded: today's, and those just changed (?open=)."""
    asked = {int(day) for day in request.args.getlist("open") if day in WEEKDAY_CODES}
    return {local_today().weekday(), *asked}


# --- a distribution of the week -------------------------------------------------------


def slot_form(*, sent: bool = True) -> SlotForm:
    form = SlotForm() if sent else SlotForm(formdata=None)
    form.place_site_id.choices = site_choices()
    return form


def copy_form(slot: WeekSlot, *, sent: bool = False) -> CopySlotForm:
    form = CopySlotForm() if sent else CopySlotForm(formdata=None)
    form.weekdays.choices = weekday_choices(other_than=slot.weekday)
    return form


def item_choices(items: Sequence[Item]) -> list[SelectChoice]:
    """The active items by category, named in the reader's language."""
    return [
        SelectChoice(str(item.id), item.name(current_locale()), optgroup=item.category.label)
        for item in items
    ]


def lines_context(slot: WeekSlot, form: SlotLineForm | None = None) -> dict[str, Any]:
    """What the pick list fragment shows: the lines and the form to add or change one,
    with the gender and size choices of the item chosen in it (the first one at first)."""
    form = form if form is not None else SlotLineForm(formdata=None)
    items = list_items(db.session)
    chosen = next((item for item in items if str(item.id) == form.item_id.data), None)
    chosen = chosen or (items[0] if items else None)
    form.item_id.choices = item_choices(items)
    form.item_id.data = str(chosen.id) if chosen else None
    sizes = chosen.sizes if chosen else ()
    form.size.choices = [
        SelectChoice("", "—"),
        *(SelectChoice(size, size_label(size)) for size in sizes),
    ]
    return {"slot": slot, "line_form": form, "chosen": chosen, "rule_of": rule_of}


def render_slot(
    team: Team,
    slot: WeekSlot | None,
    *,
    form: SlotForm | None = None,
    line_form: SlotLineForm | None = None,
    copy: CopySlotForm | None = None,
    status: int = 200,
) -> tuple[str, int]:
    """The page of a distribution of the week: its details and, once it exists, its pick
    list and copying it to other days. Each form shows what was sent to it."""
    context: dict[str, Any] = {"team": team, "slot": slot}
    if form is None:  # another form of the page was sent: show the slot's own values
        form = slot_form(sent=False)
        if slot is not None:
            form.fill_from(slot)
    context["form"] = form
    if slot is not None:
        context |= lines_context(slot, line_form)
        context["copy_form"] = copy if copy is not None else copy_form(slot)
    return render_template("logistics/edit_slot.html", **context), status


def save_slot_form(team: Team, slot: WeekSlot | None, form: SlotForm) -> Response | tuple[str, int]:
    """Save the slot form once. A new distribution opens its page for its pick list (or
    the week, when the form was sent twice and the first answer is shown again)."""
    if not form.validate_on_submit():
        return render_slot(team, slot, form=form, status=form_status(form))
    slot_id = slot.id if slot else None
    saved: list[WeekSlot] = []

    def work() -> str:
        done = services.save_slot(
            db.session, actor=current_user, team_id=team.id, data=form.to_input(), slot_id=slot_id
        )
        saved.append(done)
        return _("%(label)s saved.", label=done.label)

    try:
        answer = act_once("save_slot", work, team_id=team.id, slot_id=slot_id, form=typed_form())
    except DomainError as error:
        status = refused(form, error)
        return render_slot(team, slot, form=form, status=status)
    flash(answer.body["message"], "success")
    if slot is None and saved:
        return redirect(
            url_for("logistics.edit_slot", slot_id=saved[0].id, _anchor="slot-lines"), 303
        )
    anchor = f"slot-{slot_id}" if slot_id else None
    days = [saved[0].weekday] if saved else []
    return redirect(url_for("logistics.week", team_id=team.id, open=days, _anchor=anchor), 303)


def wanted_weekday() -> str | None:
    """The ?weekday= of an "add on this day" link."""
    weekday = request.args.get("weekday", "")
    return weekday if weekday in {str(index) for index in range(len(WEEKDAY_LABELS))} else None


@bp.route("/teams/<int:team_id>/slots/new", methods=["GET", "POST"])
@requires("distributions.plan")
def new_slot(team_id: int) -> Response | tuple[str, int]:
    team = services.get_team(db.session, team_id)
    form = slot_form()
    if not form.is_submitted():
        form.weekday.data = wanted_weekday()
    return save_slot_form(team, None, form)


@bp.route("/slots/<int:slot_id>/edit", methods=["GET", "POST"])
@requires("distributions.plan")
def edit_slot(slot_id: int) -> Response | tuple[str, int]:
    slot = services.get_slot(db.session, slot_id)
    form = slot_form()
    if not form.is_submitted():
        form.fill_from(slot)
    return save_slot_form(slot.team, slot, form)


# --- its pick list and copies ---------------------------------------------------------


def render_lines(slot: WeekSlot, form: SlotLineForm, status: int) -> tuple[str, int]:
    if htmx:
        return render_template("logistics/_slot_lines.html", **lines_context(slot, form)), status
    return render_slot(slot.team, slot, line_form=form, status=status)


@bp.post("/slots/<int:slot_id>/lines")
@requires("distributions.plan")
def set_slot_line(slot_id: int) -> Response | tuple[str, int]:
    """Put an item on the standard pick list, change it, or (quantity 0) take it off."""
    slot = services.get_slot(db.session, slot_id)
    form = SlotLineForm()
    if not form.validate_on_submit():
        return render_lines(slot, form, form_status(form))

    def work() -> str:
        services.set_slot_line(db.session, actor=current_user, slot_id=slot.id, **form.read())
        return _("Pick list saved.")

    try:
        answer = act_once("slot_line", work, slot_id=slot.id, form=typed_form())
    except DomainError as error:
        return render_lines(slot, form, refused(form, error))
    message = answer.body["message"]
    if htmx:
        page = render_template("logistics/_slot_lines.html", **lines_context(slot), message=message)
        return page, 200
    flash(message, "success")
    return redirect(url_for("logistics.edit_slot", slot_id=slot.id, _anchor="slot-lines"), 303)


@bp.get("/slots/<int:slot_id>/lines/variant")
@requires("distributions.plan")
def slot_line_variant(slot_id: int) -> str:
    """The gender and size choices of the item picked in the pick list form."""
    slot = services.get_slot(db.session, slot_id)
    form = SlotLineForm(formdata=None)
    form.item_id.data = request.args.get("item_id", "")[:12]
    return render_template("logistics/_slot_line_variant.html", **lines_context(slot, form))


def copied(copies: list[WeekSlot]) -> str:
    if not copies:
        return _("Every day you chose already has this distribution.")
    days = ", ".join(str(WEEKDAY_LABELS[copy.weekday]) for copy in copies)
    return ngettext(
        "Copied to %(num)s day: %(days)s.",
        "Copied to %(num)s days: %(days)s.",
        len(copies),
        days=days,
    )


@bp.post("/slots/<int:slot_id>/copy")
@requires("distributions.plan")
def copy_slot(slot_id: int) -> Response | tuple[str, int]:
    """Copy the distribution, with its pick list, to the days ticked."""
    slot = services.get_slot(db.session, slot_id)
    form = copy_form(slot, sent=True)
    if not form.validate_on_submit():
        return render_slot(slot.team, slot, copy=form, status=form_status(form))

    def work() -> str:
        copies = services.copy_slot_to_days(
            db.session, actor=current_user, slot_id=slot.id, weekdays=form.read()
        )
        return copied(copies)

    try:
        answer = act_once("copy_slot", work, slot_id=slot.id, weekdays=form.weekdays.data or [])
    except DomainError as error:
        status = refused(form, error)
        return render_slot(slot.team, slot, copy=form, status=status)
    flash(answer.body["message"], "success")
    days = sorted({slot.weekday, *form.read()})
    return redirect(url_for("logistics.week", team_id=slot.team_id, open=days), 303)
