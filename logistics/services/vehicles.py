"""Adding and changing vehicles (coordinators and admins)."""

import re
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from app.errors import Conflict, InvalidInput
from app.extensions import Session
from app.models import User
from inventory.services import get_site
from logistics.models import FuelType, Vehicle, VehicleKind, VehicleStatus
from logistics.services.common import (
    EARLIEST_DAY,
    LATEST_DUE_DAY,
    MAX_ODOMETER_KM,
    get_vehicle,
    km,
    open_trip_of,
    validate_odometer,
)

MAX_SEATS = 99
MAX_PAYLOAD_KG = 40_000
MAX_TANK_LITRES = 1_500
FRENCH_PLATE = re.compile(r"([A-Z]{2})(\d{3})([A-Z]{2})")
PLATE = re.compile(r"[A-Z0-9][A-Z0-9-]{0,14}[A-Z0-9]")
CHECKS = ("insurance", "inspection", "service")


@dataclass(frozen=True)
class VehicleInput:
    name: str
    plate: str
    kind: VehicleKind
    seats: int
    payload_kg: int
    fuel_type: FuelType
    tank_litres: int
    home_site_id: int
    status: VehicleStatus = VehicleStatus.AVAILABLE
    odometer_km: int = 0  # only when the vehicle is added
    insurance_due_on: date | None = None
    insurance_due_km: int | None = None
    inspection_due_on: date | None = None
    inspection_due_km: int | None = None
    service_due_on: date | None = None
    service_due_km: int | None = None
    notes: str = ""


def normalise_plate(typed: str) -> str:
    """ "gh 482 kt" and "GH-482-KT" are one plate; French plates get their dashes."""
    plate = re.sub(r"[\s-]+", "-", typed.strip().upper()).strip("-")
    compact = plate.replace("-", "")
    if match := FRENCH_PLATE.fullmatch(compact):
        return "-".join(match.groups())
    if not PLATE.fullmatch(plate):
        raise InvalidInput(
            _("“%(plate)s” is not a number plate.", plate=typed.strip()[:20]), field="plate"
        )
    return plate


def whole_number(value: object, field: str, minimum: int, maximum: int, message: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise InvalidInput(message, field=field)
    return value


def validate_due(data: VehicleInput) -> None:
    for check in CHECKS:
        due_on = getattr(data, f"{check}_due_on")
        due_km = getattr(data, f"{check}_due_km")
        if due_on is not None and not EARLIEST_DAY <= due_on <= LATEST_DUE_DAY:
            raise InvalidInput(_("This due date is not plausible."), field=f"{check}_due_on")
        if due_km is not None:
            whole_number(
                due_km,
                f"{check}_due_km",
                0,
                MAX_ODOMETER_KM,
                _("A due reading is between 0 and %(max)s km.", max=km(MAX_ODOMETER_KM)),
            )


def validate_vehicle(data: VehicleInput) -> tuple[str, str]:
    name = " ".join(data.name.split())
    if not name or len(name) > 80:
        raise InvalidInput(_("A vehicle needs a name of at most 80 characters."), field="name")
    plate = normalise_plate(data.plate)
    for value, kind, field in (
        (data.kind, VehicleKind, "kind"),
        (data.fuel_type, FuelType, "fuel_type"),
        (data.status, VehicleStatus, "status"),
    ):
        if not isinstance(value, kind):
            raise InvalidInput(_("Choose one of the options."), field=field)
    whole_number(
        data.seats, "seats", 1, MAX_SEATS, _("Seats are between 1 and %(max)s.", max=MAX_SEATS)
    )
    whole_number(
        data.payload_kg,
        "payload_kg",
        0,
        MAX_PAYLOAD_KG,
        _("The payload is between 0 and %(max)s kg.", max=km(MAX_PAYLOAD_KG)),
    )
    whole_number(
        data.tank_litres,
        "tank_litres",
        1,
        MAX_TANK_LITRES,
        _("The tank holds between 1 and %(max)s litres.", max=km(MAX_TANK_LITRES)),
    )
    validate_odometer(data.odometer_km)
    validate_due(data)
    if len(data.notes) > 2000:
        raise InvalidInput(_("The notes are too long."), field="notes")
    return name, plate


def save_vehicle(
    session: Session, *, actor: User, data: VehicleInput, vehicle_id: int | None = None
) -> Vehicle:
    """Add a vehicle, or change the one with `vehicle_id`. A vehicle that is out cannot
    be put in maintenance or out of service: it is checked in first."""
    name, plate = validate_vehicle(data)
    for column, value, message in (
        (Vehicle.name, name, _("Another vehicle is already called %(value)s.", value=name)),
        (Vehicle.plate, plate, _("Another vehicle has the plate %(value)s.", value=plate)),
    ):
        clash = select(Vehicle.id).where(column == value, Vehicle.id != (vehicle_id or 0))
        if session.scalar(clash) is not None:
            raise Conflict(message, field=column.key)
    site = get_site(session, data.home_site_id)
    if vehicle_id is None:
        vehicle = Vehicle(registered_odometer_km=data.odometer_km)
    else:
        vehicle = get_vehicle(session, vehicle_id, for_update=True)
        trip = open_trip_of(session, vehicle.id)
        if trip is not None and data.status != VehicleStatus.AVAILABLE:
            raise Conflict(
                _(
                    "%(vehicle)s is out with %(driver)s: check it in first.",
                    vehicle=vehicle.name,
                    driver=trip.driver.name,
                ),
                field="status",
            )
    vehicle.name, vehicle.plate, vehicle.home_site = name, plate, site
    vehicle.kind, vehicle.fuel_type, vehicle.status = data.kind, data.fuel_type, data.status
    vehicle.seats, vehicle.payload_kg = data.seats, data.payload_kg
    vehicle.tank_litres, vehicle.notes = data.tank_litres, data.notes.strip()
    for check in CHECKS:
        for suffix in ("due_on", "due_km"):
            setattr(vehicle, f"{check}_{suffix}", getattr(data, f"{check}_{suffix}"))
    session.add(vehicle)
    session.flush()
    return vehicle
