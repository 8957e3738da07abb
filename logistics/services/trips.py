"""Trips: a driver checks a vehicle out, and someone checks it back in. A vehicle is out
once at a time, however many people press "Check out" at the same moment: its row is
locked while the check is made, and a partial unique index backs the rule up."""

from datetime import datetime

from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from app.clock import utcnow
from app.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.extensions import Session
from app.lookup import get_one
from app.models import User
from app.permissions import role_may
from inventory.models import may_act_at
from logistics.models import Trip, TripPurpose, Vehicle, VehicleStatus
from logistics.services.common import (
    check_moment_reading,
    get_vehicle,
    km,
    open_trip_of,
    validate_odometer,
)

MAX_DESTINATION_LENGTH = 200
MAX_NOTES_LENGTH = 2000


def get_driver(session: Session, driver_id: object) -> User:
    driver = session.get(User, driver_id) if isinstance(driver_id, int) else None
    if driver is None or not driver.active:
        raise NotFound(_("Choose who drives."), field="driver_id")
    if not role_may(driver.role, "trips.drive"):
        raise InvalidInput(
            _("%(name)s does not drive for Relais: choose another driver.", name=driver.name),
            field="driver_id",
        )
    return driver


def check_out_refusal(actor: User, vehicle: Vehicle, driver: User | None = None) -> str | None:
    """Why this person may not check the vehicle out (for `driver`, when known), or None.
    A volunteer takes out only the vehicles of their sites, and drives themselves; a
    coordinator checks any vehicle out for anyone who drives."""
    if actor.works_everywhere:
        return None
    if not may_act_at(actor, vehicle.home_site_id):
        return _(
            "%(vehicle)s belongs to %(site)s, where you are not assigned: ask a coordinator.",
            vehicle=vehicle.name,
            site=vehicle.home_site.name,
        )
    if driver is not None and driver.id != actor.id:
        return _("You can check a vehicle out only in your own name: ask a coordinator.")
    return None


def ensure_may_check_out(actor: User, vehicle: Vehicle, driver: User) -> None:
    refusal = check_out_refusal(actor, vehicle, driver)
    if refusal is not None:
        raise Forbidden(refusal)


def moment_of(moment: datetime | None) -> datetime:
    now = utcnow()
    if moment is None:
        return now
    if moment > now:
        raise InvalidInput(_("A trip cannot start or end in the future."))
    return moment


def check_out_vehicle(
    session: Session,
    *,
    actor: User,
    vehicle_id: int,
    driver_id: int,
    purpose: TripPurpose,
    odometer_km: int,
    destination: str = "",
    moment: datetime | None = None,
) -> Trip:
    """Start a trip. The vehicle must be available and not out already."""
    at = moment_of(moment)
    vehicle = get_vehicle(session, vehicle_id, for_update=True)
    driver = get_driver(session, driver_id)
    ensure_may_check_out(actor, vehicle, driver)
    if vehicle.status != VehicleStatus.AVAILABLE:
        raise Conflict(
            _(
                "%(vehicle)s is %(status)s: it cannot be checked out.",
                vehicle=vehicle.name,
                status=vehicle.status.label.lower(),
            )
        )
    current = open_trip_of(session, vehicle.id)
    if current is not None:
        raise Conflict(
            _(
                "%(vehicle)s is already out with %(driver)s since %(time)s.",
                vehicle=vehicle.name,
                driver=current.driver.name,
                time=format_datetime(current.checked_out_at, "short"),
            )
        )
    if not isinstance(purpose, TripPurpose):
        raise InvalidInput(_("Say what the trip is for."), field="purpose")
    destination = " ".join(str(destination).split())
    if len(destination) > MAX_DESTINATION_LENGTH:
        raise InvalidInput(_("The destination is too long."), field="destination")
    odometer = validate_odometer(odometer_km)
    check_moment_reading(session, vehicle, odometer, at)
    trip = Trip(
        vehicle=vehicle,
        driver=driver,
        purpose=purpose,
        destination=destination,
        checked_out_at=at,
        checked_out_by_id=actor.id,
        odometer_out=odometer,
    )
    try:
        with session.begin_nested():
            session.add(trip)
            session.flush()
    except IntegrityError:
        # The index uq_trips_one_open_per_vehicle: another check-out of this vehicle
        # got there first, past the lock (which the lock should make impossible).
        raise Conflict(
            _(
                "%(vehicle)s was checked out by someone else at the same moment.",
                vehicle=vehicle.name,
            )
        ) from None
    return trip


def get_trip(session: Session, trip_id: int, *, for_update: bool = False) -> Trip:
    missing = _("There is no trip number %(id)s.", id=trip_id)
    return get_one(session, Trip, trip_id, lock=for_update, missing=missing)


def check_in_vehicle(
    session: Session,
    *,
    actor: User,
    trip_id: int,
    odometer_km: int,
    notes: str = "",
    moment: datetime | None = None,
) -> Trip:
    """End a trip: the vehicle is back, with its odometer reading."""
    at = moment_of(moment)
    vehicle_id = get_trip(session, trip_id).vehicle_id
    vehicle = get_vehicle(session, vehicle_id, for_update=True)  # the order check-out takes
    trip = get_trip(session, trip_id, for_update=True)
    if not trip.is_open:
        raise Conflict(
            _(
                "%(vehicle)s was already checked in at %(time)s.",
                vehicle=vehicle.name,
                time=format_datetime(trip.checked_in_at, "short"),
            )
        )
    if at < trip.checked_out_at:
        raise InvalidInput(_("A trip cannot end before it starts."))
    odometer = validate_odometer(odometer_km)
    if odometer < trip.odometer_out:
        raise InvalidInput(
            _(
                "The odometer reads %(km)s km, less than the %(out)s km it left with.",
                km=km(odometer),
                out=km(trip.odometer_out),
            ),
            field="odometer_km",
        )
    check_moment_reading(session, vehicle, odometer, at)
    notes = str(notes).strip()
    if len(notes) > MAX_NOTES_LENGTH:
        raise InvalidInput(_("The notes are too long."), field="notes")
    trip.checked_in_at = at
    trip.checked_in_by_id = actor.id
    trip.odometer_in = odometer
    trip.notes = notes
    session.flush()
    return trip
