"""Shifts: each team's usual week (morning, afternoon and evening, their times and how
many people each needs), the shifts made from it day by day, and volunteers taking and
leaving them. A shift's row is locked while a place is taken, so two volunteers taking
its last place never both get it; a volunteer's row is locked too, so one person is never
on two shifts at the same time."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta

from flask_babel import format_date, format_time
from flask_babel import gettext as _
from sqlalchemy import delete, select

from app.errors import Conflict, Forbidden, InvalidInput
from app.extensions import Session
from app.lookup import get_one
from app.models import User
from inventory.models import may_act_at
from logistics.models import WEEKDAY_LABELS
from logistics.services import get_team
from logistics.services.distributions import whole_number
from people.models import Shift, ShiftKind, ShiftPlace, ShiftTemplate, Volunteer

MAX_NEEDED = 99
MAX_DAYS_AHEAD = 120


@dataclass(frozen=True)
class TemplateShift:
    """One shift of the week as the coordinator edits it; needed 0 means none."""

    weekday: int
    kind: ShiftKind
    starts_at: time | None
    ends_at: time | None
    needed: int


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def field_name(entry: TemplateShift, name: str) -> str:
    return f"{entry.weekday}-{entry.kind.value}-{name}"


def validate_template_shift(entry: TemplateShift) -> None:
    whole_number(entry.needed, 0, MAX_NEEDED, field_name(entry, "needed"))
    if not entry.needed:
        return
    where = _(
        "%(day)s, %(kind)s",
        day=WEEKDAY_LABELS[entry.weekday],
        kind=entry.kind.label.lower(),
    )
    if entry.starts_at is None or entry.ends_at is None:
        raise InvalidInput(
            _("%(where)s: give the times, such as 09:00 and 13:00.", where=where),
            field=field_name(entry, "starts_at"),
        )
    if entry.ends_at <= entry.starts_at:
        raise InvalidInput(
            _("%(where)s: the shift must end after it starts.", where=where),
            field=field_name(entry, "ends_at"),
        )


def list_template(session: Session, team_id: int) -> Sequence[ShiftTemplate]:
    return session.scalars(
        select(ShiftTemplate)
        .where(ShiftTemplate.team_id == team_id)
        .order_by(ShiftTemplate.weekday, ShiftTemplate.starts_at)
    ).all()


def save_shift_week(
    session: Session, *, actor: User, team_id: int, entries: Sequence[TemplateShift]
) -> list[ShiftTemplate]:
    """Replace the team's week of shifts. Shifts already made stay as they are."""
    team = get_team(session, team_id, for_update=True)
    for entry in entries:
        validate_template_shift(entry)
    session.execute(delete(ShiftTemplate).where(ShiftTemplate.team_id == team.id))
    rows = [
        ShiftTemplate(
            team_id=team.id,
            weekday=entry.weekday,
            kind=entry.kind,
            starts_at=entry.starts_at,
            ends_at=entry.ends_at,
            needed=entry.needed,
        )
        for entry in entries
        if entry.needed
    ]
    session.add_all(rows)
    session.flush()
    return rows


def generate_shifts(
    session: Session, *, actor: User, team_id: int, first_day: date, days: int, today: date
) -> list[Shift]:
    """Make the team's shifts of these days from its week; a day's shift that exists
    already is left as it is, so making a week twice makes nothing twice."""
    team = get_team(session, team_id, for_update=True)
    if first_day > today + timedelta(days=MAX_DAYS_AHEAD):
        raise InvalidInput(
            _("Shifts are made at most %(days)s days ahead.", days=MAX_DAYS_AHEAD), field="week"
        )
    by_day: dict[int, list[ShiftTemplate]] = defaultdict(list)
    for entry in list_template(session, team.id):
        by_day[entry.weekday].append(entry)
    wanted = [first_day + timedelta(days=offset) for offset in range(days)]
    existing = set(
        session.execute(
            select(Shift.day, Shift.kind).where(Shift.team_id == team.id, Shift.day.in_(wanted))
        )
    )
    made = [
        Shift(
            team_id=team.id,
            day=day,
            kind=entry.kind,
            starts_at=entry.starts_at,
            ends_at=entry.ends_at,
            needed=entry.needed,
        )
        for day in wanted
        for entry in by_day[day.weekday()]
        if (day, entry.kind) not in existing
    ]
    session.add_all(made)
    session.flush()
    return made


# --- taking and leaving ---------------------------------------------------------------


def get_shift(session: Session, shift_id: int, *, for_update: bool = False) -> Shift:
    missing = _("There is no shift number %(id)s.", id=shift_id)
    return get_one(session, Shift, shift_id, lock=for_update, missing=missing, field="shift_id")


def describe(shift: Shift) -> str:
    return _(
        "%(kind)s of %(day)s, %(start)s–%(end)s",
        kind=shift.kind.label,
        day=format_date(shift.day, "EEE d MMM"),
        start=format_time(shift.starts_at, "HH:mm"),
        end=format_time(shift.ends_at, "HH:mm"),
    )


def lock_volunteer(session: Session, user: User) -> None:
    """One shift-taking of a person at a time: their volunteer row (or account) locked."""
    found = session.scalar(
        select(Volunteer.id).where(Volunteer.user_id == user.id).with_for_update()
    )
    if found is None:
        session.scalar(select(User.id).where(User.id == user.id).with_for_update())


def clashing_shift(session: Session, user_id: int, shift: Shift) -> Shift | None:
    """The shift the person is already on at the same time, if any."""
    return session.scalar(
        select(Shift)
        .join(ShiftPlace, ShiftPlace.shift_id == Shift.id)
        .where(
            ShiftPlace.user_id == user_id,
            Shift.day == shift.day,
            Shift.id != shift.id,
            Shift.starts_at < shift.ends_at,
            shift.starts_at < Shift.ends_at,
        )
        .limit(1)
    )


def may_work_for(user: User, shift: Shift) -> bool:
    return user.works_everywhere or may_act_at(user, shift.team.departure_site_id)


def take_shift(session: Session, *, actor: User, shift_id: int, today: date) -> Shift:
    """Put the actor on the shift: refused when full, past, taken already, or when they
    are on another shift at the same time."""
    lock_volunteer(session, actor)
    shift = get_shift(session, shift_id, for_update=True)
    if not may_work_for(actor, shift):
        raise Forbidden(_("This shift is for another team."))
    if shift.day < today:
        raise Conflict(_("This shift is over."))
    if shift.has(actor.id):
        raise Conflict(_("You are already on this shift."))
    if shift.still_needed <= 0:
        raise Conflict(_("This shift is full: %(num)s people are on it.", num=shift.needed))
    clash = clashing_shift(session, actor.id, shift)
    if clash is not None:
        raise Conflict(
            _("You are already on a shift at that time: %(shift)s.", shift=describe(clash))
        )
    shift.places.append(ShiftPlace(user_id=actor.id))
    session.flush()
    return shift


def leave_shift(session: Session, *, actor: User, shift_id: int, today: date) -> Shift:
    shift = get_shift(session, shift_id, for_update=True)
    place = next((place for place in shift.places if place.user_id == actor.id), None)
    if place is None:
        raise Conflict(_("You are not on this shift."))
    if shift.day < today:
        raise Conflict(_("This shift is over."))
    shift.places.remove(place)
    session.flush()
    return shift


# --- reading --------------------------------------------------------------------------


def list_shifts(session: Session, team_id: int, first_day: date, days: int) -> Sequence[Shift]:
    return session.scalars(
        select(Shift)
        .where(
            Shift.team_id == team_id,
            Shift.day >= first_day,
            Shift.day < first_day + timedelta(days=days),
        )
        .order_by(Shift.day, Shift.starts_at)
    ).all()


def list_my_shifts(session: Session, user: User, from_day: date) -> Sequence[Shift]:
    return session.scalars(
        select(Shift)
        .join(ShiftPlace, ShiftPlace.shift_id == Shift.id)
        .where(ShiftPlace.user_id == user.id, Shift.day >= from_day)
        .order_by(Shift.day, Shift.starts_at)
    ).all()
