"""Each team's week template: the team itself, its usual distributions (which day, where,
when, for how many) and the standard pick list of each, per person or per distribution.
Planning a day copies the template (logistics.services.distributions); changing the
template later leaves the distributions already planned as they are."""

from dataclasses import dataclass
from datetime import time

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.errors import Conflict, InvalidInput, NotFound
from app.extensions import Session
from app.lookup import get_one
from app.models import User
from inventory.services import get_site, get_stock_item
from inventory.services.common import MAX_LOOSE_QUANTITY, validate_quantity
from logistics.models import WEEKDAY_LABELS, Team, WeekSlot, WeekSlotLine
from logistics.services.distributions import (
    MAX_LABEL,
    MAX_PICK_LINES,
    get_team,
    validate_sitting,
    whole_number,
)

MAX_PER_PEOPLE = 1_000
WEEKDAYS = range(len(WEEKDAY_LABELS))


@dataclass(frozen=True)
class SlotInput:
    """A distribution of the week template as the planner edits it."""

    weekday: int
    label: str
    place_site_id: int
    starts_at: time
    ends_at: time
    expected_people: int
    team_size: int
    active: bool = True


def one_line(text: str) -> str:
    return " ".join(text.split())


# --- teams ----------------------------------------------------------------------------


def save_team(
    session: Session, *, actor: User, name: str, departure_site_id: int, team_id: int | None = None
) -> Team:
    """Add a team, or rename the one with `team_id` and change where its vans load."""
    team = Team() if team_id is None else get_team(session, team_id, for_update=True)
    clean = one_line(name)
    if not clean or len(clean) > MAX_LABEL:
        raise InvalidInput(_("Name the team (80 characters at most)."), field="name")
    clash = select(Team.id).where(func.lower(Team.name) == clean.lower(), Team.id != (team_id or 0))
    if session.scalar(clash) is not None:
        raise Conflict(_("Another team is already called %(name)s.", name=clean), field="name")
    site = get_site(session, departure_site_id)
    team.name, team.departure_site_id = clean, site.id
    session.add(team)
    session.flush()
    return team


# --- week slots -----------------------------------------------------------------------


def get_slot(session: Session, slot_id: int, *, for_update: bool = False) -> WeekSlot:
    missing = _("There is no distribution number %(id)s in the week templates.", id=slot_id)
    return get_one(session, WeekSlot, slot_id, lock=for_update, missing=missing, field="slot_id")


def validate_weekday(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value not in WEEKDAYS:
        raise InvalidInput(_("Choose a day of the week."), field="weekday")
    return value


def validate_slot(data: SlotInput) -> str:
    """The slot's cleaned label, once every value is acceptable."""
    validate_weekday(data.weekday)
    return validate_sitting(
        data.label, data.starts_at, data.ends_at, data.expected_people, data.team_size
    )


def same_slot_days(
    session: Session, team_id: int, label: str, place_site_id: int, *, other_than: int = 0
) -> set[int]:
    """The weekdays on which the team already has a distribution of that name and place."""
    return set(
        session.scalars(
            select(WeekSlot.weekday).where(
                WeekSlot.team_id == team_id,
                func.lower(WeekSlot.label) == label.lower(),
                WeekSlot.place_site_id == place_site_id,
                WeekSlot.id != other_than,
            )
        )
    )


def save_slot(
    session: Session, *, actor: User, team_id: int, data: SlotInput, slot_id: int | None = None
) -> WeekSlot:
    """Add a distribution to the team's week, or change (pause, resume) the one with
    `slot_id`. A team has one distribution of a name at a place on a given day."""
    team = get_team(session, team_id, for_update=True)
    slot = WeekSlot(team_id=team.id) if slot_id is None else get_slot(session, slot_id)
    if slot.team_id != team.id:
        raise NotFound(
            _("There is no distribution number %(id)s in the week templates.", id=slot_id),
            field="slot_id",
        )
    label = validate_slot(data)
    place = get_site(session, data.place_site_id)
    if data.weekday in same_slot_days(session, team.id, label, place.id, other_than=slot.id or 0):
        raise Conflict(
            _(
                "%(day)s already has %(label)s at %(place)s.",
                day=WEEKDAY_LABELS[data.weekday],
                label=label,
                place=place.name,
            ),
            field="label",
        )
    slot.weekday, slot.label, slot.place_site_id = data.weekday, label, place.id
    slot.starts_at, slot.ends_at = data.starts_at, data.ends_at
    slot.expected_people, slot.team_size = data.expected_people, data.team_size
    slot.active = data.active
    session.add(slot)
    session.flush()
    return slot


def copy_slot_to_days(
    session: Session, *, actor: User, slot_id: int, weekdays: list[int]
) -> list[WeekSlot]:
    """Copy a distribution with its pick list to other days of the week. Days that
    already have a distribution of that name at that place are left as they are."""
    slot = get_slot(session, slot_id)
    get_team(session, slot.team_id, for_update=True)
    wanted = {validate_weekday(weekday) for weekday in weekdays}
    if not wanted:
        raise InvalidInput(_("Choose at least one day to copy to."), field="weekdays")
    taken = same_slot_days(session, slot.team_id, slot.label, slot.place_site_id)
    copies = [copy_of(slot, weekday) for weekday in sorted(wanted - taken)]
    session.add_all(copies)
    session.flush()
    return copies


def copy_of(slot: WeekSlot, weekday: int) -> WeekSlot:
    return WeekSlot(
        team_id=slot.team_id,
        weekday=weekday,
        label=slot.label,
        place_site_id=slot.place_site_id,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        expected_people=slot.expected_people,
        team_size=slot.team_size,
        active=slot.active,
        lines=[
            WeekSlotLine(
                stock_item_id=line.stock_item_id,
                quantity=line.quantity,
                per_people=line.per_people,
            )
            for line in slot.lines
        ],
    )


# --- the standard pick list -----------------------------------------------------------


def set_slot_line(
    session: Session,
    *,
    actor: User,
    slot_id: int,
    item_id: int,
    quantity: int,
    per_people: int | None,
    gender: str = "",
    size: str = "",
) -> WeekSlot:
    """Put an item on the distribution's standard pick list, `quantity` for every
    `per_people` people or (None) for the whole distribution; change it; or (0) take
    it off."""
    slot = get_slot(session, slot_id, for_update=True)
    removing = quantity == 0 and not isinstance(quantity, bool)
    if not removing:
        validate_quantity(quantity, MAX_LOOSE_QUANTITY)
        if per_people is not None:
            whole_number(per_people, 1, MAX_PER_PEOPLE, "per_people")
    stock_item = get_stock_item(session, item_id, gender, size)
    line = next((line for line in slot.lines if line.stock_item_id == stock_item.id), None)
    if removing:
        if line is not None:
            slot.lines.remove(line)
    elif line is not None:
        line.quantity, line.per_people = quantity, per_people
    elif len(slot.lines) >= MAX_PICK_LINES:
        raise InvalidInput(
            _("A pick list holds at most %(max)s items.", max=MAX_PICK_LINES), field="item_id"
        )
    else:
        slot.lines.append(
            WeekSlotLine(stock_item_id=stock_item.id, quantity=quantity, per_people=per_people)
        )
    session.flush()
    return slot
