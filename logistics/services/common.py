"""What the logistics writes share: limits, today in France, looking a vehicle up (and
locking it), and the odometer readings a new one must fit between."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import format_date, format_decimal
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, select

from app.clock import local_day, paris_midnight
from app.errors import InvalidInput
from app.extensions import Session
from app.lookup import get_one
from logistics.models import FillUp, Trip, Vehicle

MAX_ODOMETER_KM = 2_000_000
EARLIEST_DAY = date(2000, 1, 1)
LATEST_DAY = date(2999, 12, 31)  # the last day a plan or a report may name
LATEST_DUE_DAY = date(2100, 12, 31)


def km(value: int) -> str:
    """A distance as a person reads it in their language: 45,600 or 45 600."""
    return format_decimal(value, format="#,##0")


def get_vehicle(session: Session, vehicle_id: int, *, for_update: bool = False) -> Vehicle:
    """A vehicle, locked for the rest of the transaction when it is about to be used, so
    two fill-ups, check-outs or check-ins of one vehicle happen one after the other."""
    missing = _("There is no vehicle number %(id)s.", id=vehicle_id)
    return get_one(
        session, Vehicle, vehicle_id, lock=for_update, missing=missing, field="vehicle_id"
    )


def open_trip_of(session: Session, vehicle_id: int) -> Trip | None:
    return session.scalar(
        select(Trip)
        .where(Trip.vehicle_id == vehicle_id, Trip.checked_in_at.is_(None))
        .execution_options(populate_existing=True)
    )


def validate_odometer(value: object, field: str = "odometer_km") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(_("The odometer reading must be a whole number of km."), field=field)
    if not 0 <= value <= MAX_ODOMETER_KM:
        raise InvalidInput(
            _("The odometer reading must be between 0 and %(max)s km.", max=km(MAX_ODOMETER_KM)),
            field=field,
        )
    return value


# --- odometer readings ----------------------------------------------------------------


@dataclass(frozen=True)
class Known:
    """An odometer reading already recorded, and the day it was read in France."""

    km: int
    on: date


def first_known(
    session: Session, queries: list[Select[Any, Any]], *, highest: bool
) -> Known | None:
    found = []
    for query in queries:
        row = session.execute(query.limit(1)).first()
        if row is not None:
            reading, when = row
            found.append(Known(reading, local_day(when) if isinstance(when, datetime) else when))
    if not found:
        return None
    return max(found, key=lambda known: known.km) if highest else min(found, key=lambda k: k.km)


Conditions = tuple[ColumnElement[bool], ColumnElement[bool], ColumnElement[bool]]


def reading_queries(
    vehicle_id: int, conditions: Conditions, *, highest: bool
) -> list[Select[Any, Any]]:
    """The highest (or lowest) reading of fill-ups, trips out and trips in, each kept to
    the readings its condition selects."""
    fill_ups, trips_out, trips_in = conditions
    order = (lambda column: column.desc()) if highest else (lambda column: column.asc())
    return [
        select(FillUp.odometer_km, FillUp.filled_on)
        .where(FillUp.vehicle_id == vehicle_id, FillUp.voided_at.is_(None), fill_ups)
        .order_by(order(FillUp.odometer_km)),
        select(Trip.odometer_out, Trip.checked_out_at)
        .where(Trip.vehicle_id == vehicle_id, trips_out)
        .order_by(order(Trip.odometer_out)),
        select(Trip.odometer_in, Trip.checked_in_at)
        .where(Trip.vehicle_id == vehicle_id, Trip.odometer_in.is_not(None), trips_in)
        .order_by(order(Trip.odometer_in)),
    ]


def check_reading(
    session: Session,
    vehicle: Vehicle,
    reading: int,
    *,
    earlier: Conditions,
    later: Conditions,
    also_earlier: tuple[Known, ...] = (),
) -> None:
    """Odometers only go up: a new reading is at least every earlier one (and the one
    the vehicle was added with) and at most every later one."""
    candidates = [Known(vehicle.registered_odometer_km, local_day(vehicle.created_at))]
    candidates += also_earlier
    highest = first_known(session, reading_queries(vehicle.id, earlier, highest=True), highest=True)
    if highest is not None:
        candidates.append(highest)
    before = max(candidates, key=lambda known: known.km)
    after = first_known(session, reading_queries(vehicle.id, later, highest=False), highest=False)
    if reading < before.km:
        raise InvalidInput(
            _(
                "The odometer reads %(km)s km, but %(known)s km was already recorded on "
                "%(date)s. Check the reading.",
                km=km(reading),
                known=km(before.km),
                date=format_date(before.on),
            ),
            field="odometer_km",
        )
    if after is not None and reading > after.km:
        raise InvalidInput(
            _(
                "The odometer reads %(km)s km, but %(known)s km was recorded later, on "
                "%(date)s. Check the reading and the date.",
                km=km(reading),
                known=km(after.km),
                date=format_date(after.on),
            ),
            field="odometer_km",
        )


def check_day_reading(session: Session, vehicle: Vehicle, reading: int, day: date) -> None:
    """A fill-up's reading, known only by its day: it must fit between the readings of
    earlier and later days (a trip of the same day may have come before or after it)
    and, while the vehicle is out, be above the reading it left with."""
    start, end = paris_midnight(day), paris_midnight(day + timedelta(days=1))
    trip = open_trip_of(session, vehicle.id)
    during = (
        (Known(trip.odometer_out, local_day(trip.checked_out_at)),)
        if trip is not None and local_day(trip.checked_out_at) <= day
        else ()
    )
    check_reading(
        session,
        vehicle,
        reading,
        earlier=(FillUp.filled_on < day, Trip.checked_out_at < start, Trip.checked_in_at < start),
        later=(FillUp.filled_on > day, Trip.checked_out_at >= end, Trip.checked_in_at >= end),
        also_earlier=during,
    )


def check_moment_reading(
    session: Session, vehicle: Vehicle, reading: int, moment: datetime
) -> None:
    """A trip's reading, made at a known moment: the fill-ups of that day came before
    it, since a fill-up is recorded after it is made."""
    day = local_day(moment)
    check_reading(
        session,
        vehicle,
        reading,
        earlier=(
            FillUp.filled_on <= day,
            Trip.checked_out_at < moment,
            Trip.checked_in_at < moment,
        ),
        later=(FillUp.filled_on > day, Trip.checked_out_at > moment, Trip.checked_in_at > moment),
    )
