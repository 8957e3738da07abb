"""Planning a day: distributions made from each team's week template, or added by hand,
then edited (place, time, van, lead, team, pick list) until the van is loaded."""

from dataclasses import dataclass
from datetime import date, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from app.clock import local_today
from app.errors import Conflict, InvalidInput, NotFound
from app.extensions import Session
from app.lookup import get_one
from app.models import Role, User
from inventory.services import get_site, get_stock_item
from inventory.services.common import MAX_LOOSE_QUANTITY, validate_quantity
from logistics.models import (
    Distribution,
    DistributionLine,
    DistributionStatus,
    Team,
    WeekSlot,
)
from logistics.services.common import get_vehicle

MAX_LABEL = 80
MAX_PEOPLE = 5_000
MAX_TEAM_SIZE = 99
MAX_DAYS_AHEAD = 60
MAX_PICK_LINES = 60


@dataclass(frozen=True)
class DistributionInput:
    """A distribution as the planner edits it."""

    label: str
    place_site_id: int
    starts_at: time
    ends_at: time
    expected_people: int
    team_size: int
    vehicle_id: int | None = None
    lead_id: int | None = None
    notes: str = ""


def get_team(session: Session, team_id: int, *, for_update: bool = False) -> Team:
    missing = _("There is no team number %(id)s.", id=team_id)
    return get_one(session, Team, team_id, lock=for_update, missing=missing, field="team_id")


def get_distribution(
    session: Session, distribution_id: int, *, for_update: bool = False
) -> Distribution:
    """A distribution, locked for the rest of the transaction when it is about to change,
    so two leads loading, or recording, the same one act one after the other."""
    missing = _("There is no distribution number %(id)s.", id=distribution_id)
    return get_one(
        session,
        Distribution,
        distribution_id,
        lock=for_update,
        missing=missing,
        field="distribution_id",
    )


def ensure_open(distribution: Distribution) -> None:
    if not distribution.is_open:
        raise Conflict(
            _(
                "This distribution is %(status)s: its plan can no longer change.",
                status=distribution.status.label.lower(),
            )
        )


def validate_plan_day(day: object, today: date | None = None) -> date:
    today = today or local_today()
    if not isinstance(day, date):
        raise InvalidInput(_("Choose a day."), field="day")
    if day < today:
        raise InvalidInput(_("This day is over: plan today or a day to come."), field="day")
    if day > today + timedelta(days=MAX_DAYS_AHEAD):
        raise InvalidInput(_("Plan at most %(days)s days ahead.", days=MAX_DAYS_AHEAD), field="day")
    return day


def generate_day_plan(
    session: Session, *, actor: User, team_id: int, day: date, today: date | None = None
) -> list[Distribution]:
    """Make the day's distributions from the team's week template. Run again (a second
    click, another coordinator at the same moment) it makes only what is missing."""
    team = get_team(session, team_id, for_update=True)
    validate_plan_day(day, today)
    slots = session.scalars(
        select(WeekSlot)
        .where(WeekSlot.team_id == team.id, WeekSlot.weekday == day.weekday(), WeekSlot.active)
        .order_by(WeekSlot.starts_at, WeekSlot.id)
    ).all()
    planned = set(
        session.scalars(
            select(Distribution.slot_id).where(
                Distribution.day == day, Distribution.slot_id.in_([slot.id for slot in slots])
            )
        )
    )
    made = [distribution_from_slot(slot, team, day) for slot in slots if slot.id not in planned]
    session.add_all(made)
    session.flush()
    return made


def distribution_from_slot(slot: WeekSlot, team: Team, day: date) -> Distribution:
    return Distribution(
        day=day,
        team_id=team.id,
        slot_id=slot.id,
        label=slot.label,
        place_site_id=slot.place_site_id,
        departure_site_id=team.departure_site_id,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        expected_people=slot.expected_people,
        team_size=slot.team_size,
        lines=[
            DistributionLine(
                stock_item_id=line.stock_item_id,
                quantity=line.for_people(slot.expected_people),
            )
            for line in slot.lines
            if line.for_people(slot.expected_people) > 0
        ],
    )


def plan_distribution(
    session: Session,
    *,
    actor: User,
    team_id: int,
    day: date,
    data: DistributionInput,
    today: date | None = None,
) -> Distribution:
    """A distribution added by hand, outside the week template."""
    team = get_team(session, team_id)
    validate_plan_day(day, today)
    distribution = Distribution(day=day, team_id=team.id, departure_site_id=team.departure_site_id)
    apply_input(session, distribution, data)
    session.add(distribution)
    session.flush()
    return distribution


def update_distribution(
    session: Session, *, actor: User, distribution_id: int, data: DistributionInput
) -> Distribution:
    distribution = get_distribution(session, distribution_id, for_update=True)
    ensure_open(distribution)
    loading = distribution.status == DistributionStatus.LOADING
    if data.place_site_id != distribution.place_site_id and loading:
        raise Conflict(
            _("Stock is already loaded for this place: take it off the van first."),
            field="place_site_id",
        )
    apply_input(session, distribution, data)
    session.flush()
    return distribution


def validate_sitting(
    label: str, starts_at: object, ends_at: object, expected_people: object, team_size: object
) -> str:
    """What a distribution and a week slot both need: a name, a time span, how many people
    and how big a team. Returns the name as it is kept (on one line)."""
    clean = " ".join(label.split())
    if not clean or len(clean) > MAX_LABEL:
        raise InvalidInput(_("Name the distribution (80 characters at most)."), field="label")
    if not isinstance(starts_at, time) or not isinstance(ends_at, time):
        raise InvalidInput(_("Give a time such as 12:30."), field="starts_at")
    if ends_at <= starts_at:
        raise InvalidInput(_("The distribution must end after it starts."), field="ends_at")
    whole_number(expected_people, 0, MAX_PEOPLE, "expected_people")
    whole_number(team_size, 1, MAX_TEAM_SIZE, "team_size")
    return clean


def apply_input(session: Session, distribution: Distribution, data: DistributionInput) -> None:
    label = validate_sitting(
        data.label, data.starts_at, data.ends_at, data.expected_people, data.team_size
    )
    if len(data.notes) > 1000:
        raise InvalidInput(_("The note is too long (1,000 characters at most)."), field="notes")
    place = get_site(session, data.place_site_id)
    if data.vehicle_id is not None:
        get_vehicle(session, data.vehicle_id)
    if data.lead_id is not None:
        get_lead(session, data.lead_id)
    distribution.label = label
    distribution.place_site_id = place.id
    distribution.starts_at = data.starts_at
    distribution.ends_at = data.ends_at
    distribution.expected_people = data.expected_people
    distribution.team_size = data.team_size
    distribution.vehicle_id = data.vehicle_id
    distribution.lead_id = data.lead_id
    distribution.notes = data.notes.strip()


def whole_number(value: object, minimum: int, maximum: int, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise InvalidInput(
            _(
                "Enter a whole number from %(min)s to %(max)s.",
                min=f"{minimum:,}",
                max=f"{maximum:,}",
            ),
            field=field,
        )
    return value


def get_lead(session: Session, user_id: int) -> User:
    """Someone who may lead a distribution: an active volunteer, coordinator or admin."""
    user = session.get(User, user_id)
    if user is None or not user.active or user.role == Role.TREASURER:
        raise NotFound(_("There is no volunteer number %(id)s.", id=user_id), field="lead_id")
    return user


def set_pick_line(
    session: Session,
    *,
    actor: User,
    distribution_id: int,
    item_id: int,
    quantity: int,
    gender: str = "",
    size: str = "",
) -> Distribution:
    """Put a quantity of an item on the pick list, change it, or (0) take it off."""
    distribution = get_distribution(session, distribution_id, for_update=True)
    ensure_open(distribution)
    stock_item = get_stock_item(session, item_id, gender, size)
    line = next((line for line in distribution.lines if line.stock_item_id == stock_item.id), None)
    if quantity == 0 and not isinstance(quantity, bool):
        if line is not None:
            distribution.lines.remove(line)
        session.flush()
        return distribution
    quantity = validate_quantity(quantity, MAX_LOOSE_QUANTITY)
    if line is not None:
        line.quantity = quantity
    elif len(distribution.lines) >= MAX_PICK_LINES:
        raise InvalidInput(
            _("A pick list holds at most %(max)s items.", max=MAX_PICK_LINES), field="item_id"
        )
    else:
        distribution.lines.append(DistributionLine(stock_item_id=stock_item.id, quantity=quantity))
    session.flush()
    return distribution
