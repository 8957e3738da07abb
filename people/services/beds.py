"""Beds: places and bookings within their capacity, paid on arrival in cash (recorded by
a coordinator) or online through Checkout (donations/payments.py). A booking is locked
on its place's row, so two bookings for the last bed never both succeed."""

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.clock import utcnow
from app.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.extensions import Session
from app.lookup import get_one
from app.models import User
from logistics.services import get_team
from logistics.services.distributions import whole_number
from people.models import BedBooking, BedPlace, BookingStatus, PaidHow, Volunteer

MAX_BEDS = 500
MAX_PRICE_CENTS = 100_000
MAX_NIGHTS = 366
MAX_DAYS_AHEAD = 400
BOARD_NIGHTS = 14
TAKING = (BookingStatus.BOOKED, BookingStatus.PAID)
PURCHASE_KIND = "bed_booking"


@dataclass(frozen=True)
class PlaceInput:
    name: str
    beds: int
    price_cents: int
    team_id: int | None


def get_place(session: Session, place_id: int, *, for_update: bool = False) -> BedPlace:
    missing = _("There is no place number %(id)s.", id=place_id)
    return get_one(session, BedPlace, place_id, lock=for_update, missing=missing, field="place_id")


def list_places(session: Session) -> Sequence[BedPlace]:
    return session.scalars(select(BedPlace).order_by(BedPlace.name)).all()


def save_place(
    session: Session, *, actor: User, data: PlaceInput, place_id: int | None = None
) -> BedPlace:
    place = BedPlace() if place_id is None else get_place(session, place_id, for_update=True)
    name = " ".join(data.name.split())
    if not name or len(name) > 80:
        raise InvalidInput(_("Name the place (80 characters at most)."), field="name")
    clash = select(BedPlace.id).where(
        func.lower(BedPlace.name) == name.lower(), BedPlace.id != (place_id or 0)
    )
    if session.scalar(clash) is not None:
        raise Conflict(_("Another place is already called %(name)s.", name=name), field="name")
    whole_number(data.beds, 1, MAX_BEDS, "beds")
    whole_number(data.price_cents, 0, MAX_PRICE_CENTS, "price")
    place.name, place.beds, place.price_cents = name, data.beds, data.price_cents
    place.team_id = get_team(session, data.team_id).id if data.team_id is not None else None
    session.add(place)
    session.flush()
    return place


# --- bookings -------------------------------------------------------------------------


def nights_of(arrives_on: date, leaves_on: date) -> list[date]:
    return [arrives_on + timedelta(days=n) for n in range((leaves_on - arrives_on).days)]


def taken_per_night(
    session: Session, place_ids: Sequence[int], first: date, last: date
) -> dict[tuple[int, date], int]:
    """Beds booked per (place, night) for the nights first..last included."""
    bookings = session.execute(
        select(BedBooking.place_id, BedBooking.arrives_on, BedBooking.leaves_on).where(
            BedBooking.place_id.in_(place_ids),
            BedBooking.status.in_(TAKING),
            BedBooking.arrives_on <= last,
            BedBooking.leaves_on > first,
        )
    ).all()
    taken: dict[tuple[int, date], int] = {}
    for place_id, arrives_on, leaves_on in bookings:
        for night in nights_of(max(arrives_on, first), min(leaves_on, last + timedelta(days=1))):
            taken[(place_id, night)] = taken.get((place_id, night), 0) + 1
    return taken


def validate_stay(arrives_on: date | None, leaves_on: date | None, today: date) -> None:
    if arrives_on is None:
        raise InvalidInput(_("Give the night you arrive."), field="arrives_on")
    if leaves_on is None:
        raise InvalidInput(_("Give the day you leave."), field="leaves_on")
    if arrives_on < today:
        raise InvalidInput(_("The night you arrive cannot be in the past."), field="arrives_on")
    if leaves_on <= arrives_on:
        raise InvalidInput(_("Book at least one night: leave after you arrive."), field="leaves_on")
    if (leaves_on - arrives_on).days > MAX_NIGHTS or arrives_on > today + timedelta(
        days=MAX_DAYS_AHEAD
    ):
        raise InvalidInput(_("Book at most a year, starting within 400 days."), field="leaves_on")


def book_bed(
    session: Session,
    *,
    actor: User,
    volunteer: Volunteer,
    place_id: int,
    arrives_on: date | None,
    leaves_on: date | None,
    today: date,
) -> BedBooking:
    """A bed at the place for the nights from arrival to the night before departure,
    refused when any of those nights is full, or the volunteer has a bed then already."""
    if volunteer.user_id != actor.id and not actor.works_everywhere:
        raise Forbidden(_("You may book a bed only for yourself."))
    validate_stay(arrives_on, leaves_on, today)
    assert arrives_on is not None and leaves_on is not None
    place = get_place(session, place_id, for_update=True)
    if not place.active:
        raise Conflict(_("%(place)s takes no bookings.", place=place.name), field="place_id")
    overlapping = session.scalar(
        select(BedBooking.id).where(
            BedBooking.volunteer_id == volunteer.id,
            BedBooking.status.in_(TAKING),
            BedBooking.arrives_on < leaves_on,
            BedBooking.leaves_on > arrives_on,
        )
    )
    if overlapping is not None:
        raise Conflict(_("You already have a bed on some of these nights."), field="arrives_on")
    taken = taken_per_night(session, [place.id], arrives_on, leaves_on - timedelta(days=1))
    full = [
        night
        for night in nights_of(arrives_on, leaves_on)
        if taken.get((place.id, night), 0) >= place.beds
    ]
    if full:
        raise Conflict(
            _(
                "%(place)s is full on the night of %(night)s.",
                place=place.name,
                night=format_date(full[0]),
            ),
            field="arrives_on",
        )
    booking = BedBooking(
        public_id=secrets.token_urlsafe(16),
        place=place,
        volunteer=volunteer,
        arrives_on=arrives_on,
        leaves_on=leaves_on,
        amount_cents=place.price_cents * (leaves_on - arrives_on).days,
    )
    session.add(booking)
    session.flush()
    return booking


def get_booking(session: Session, public_id: str, *, for_update: bool = False) -> BedBooking:
    return get_one(
        session,
        BedBooking,
        public_id,
        lock=for_update,
        missing=_("There is no such bed booking."),
        column=BedBooking.public_id,
    )


def booking_for(
    session: Session, actor: User, public_id: str, *, for_update: bool = False
) -> BedBooking:
    """A booking the actor may see: their own, or any for a coordinator."""
    booking = get_booking(session, public_id, for_update=for_update)
    if not actor.works_everywhere and booking.volunteer.user_id != actor.id:
        raise NotFound(_("There is no such bed booking."))
    return booking


def record_cash(session: Session, *, actor: User, public_id: str) -> BedBooking:
    """A coordinator took the booking's money in cash on arrival."""
    booking = get_booking(session, public_id, for_update=True)
    if booking.status != BookingStatus.BOOKED:
        raise Conflict(_("This booking is not waiting for payment."))
    booking.status, booking.paid_how = BookingStatus.PAID, PaidHow.CASH
    booking.paid_at, booking.recorded_by_id = utcnow(), actor.id
    session.flush()
    return booking


def cancel_booking(session: Session, *, actor: User, public_id: str) -> BedBooking:
    booking = booking_for(session, actor, public_id, for_update=True)
    if booking.status != BookingStatus.BOOKED:
        raise Conflict(_("Only a booking not yet paid can be cancelled."))
    booking.status = BookingStatus.CANCELLED
    session.flush()
    return booking


def mark_paid_online(
    session: Session, public_id: str, checkout_id: str, amount_cents: int, paid_at: datetime
) -> None:
    """Checkout says the booking is paid (the webhook, or the demo gateway). Idempotent:
    news about a booking already paid changes nothing."""
    booking = session.scalar(
        select(BedBooking).where(BedBooking.public_id == public_id).with_for_update(of=BedBooking)
    )
    if booking is None or booking.status == BookingStatus.PAID:
        return
    booking.status, booking.paid_how, booking.paid_at = BookingStatus.PAID, PaidHow.ONLINE, paid_at
    booking.checkout_session_id = booking.checkout_session_id or checkout_id
    booking.amount_cents = amount_cents
    session.flush()


# --- the board ------------------------------------------------------------------------


@dataclass(frozen=True)
class PlaceNights:
    place: BedPlace
    taken: list[int]  # per night of the board


@dataclass(frozen=True)
class BedBoard:
    nights: list[date]
    rows: list[PlaceNights]


def bed_board(session: Session, first: date, nights: int = BOARD_NIGHTS) -> BedBoard:
    places = list_places(session)
    dates = [first + timedelta(days=n) for n in range(nights)]
    taken = taken_per_night(session, [place.id for place in places], dates[0], dates[-1])
    rows = [
        PlaceNights(place, [taken.get((place.id, night), 0) for night in dates]) for place in places
    ]
    return BedBoard(dates, rows)


def list_bookings(
    session: Session, *, volunteer: Volunteer | None, from_day: date
) -> Sequence[BedBooking]:
    query = (
        select(BedBooking)
        .where(BedBooking.leaves_on > from_day)
        .order_by(BedBooking.arrives_on, BedBooking.id)
    )
    if volunteer is not None:
        query = query.where(BedBooking.volunteer_id == volunteer.id)
    return session.scalars(query.limit(200)).all()
