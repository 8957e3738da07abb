"""Reads that the vehicle pages and the API share: the fleet with who has which vehicle
now and what is due, the fuel and trip logs, consumption and monthly costs."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from app.clock import local_today
from app.extensions import Session
from app.models import User
from app.pagination import Page, paginate
from app.permissions import PERMISSIONS
from donations.models import Fund
from logistics.consumption import Consumption, Reading, measure
from logistics.models import FillUp, Team, Trip, Vehicle
from logistics.reminders import Reminder, reminders_for

MAX_DRIVERS_LISTED = 500


@dataclass(frozen=True)
class VehicleNow:
    """A vehicle as the board shows it: its last odometer reading, the trip it is on
    (if it is out) and what is due."""

    vehicle: Vehicle
    odometer_km: int
    trip: Trip | None
    reminders: list[Reminder] = field(default_factory=list)


def list_vehicles(session: Session) -> Sequence[Vehicle]:
    """Every vehicle: a fleet is a handful, not a table to page through."""
    return session.scalars(select(Vehicle).order_by(Vehicle.name)).all()


def current_odometers(session: Session, vehicle_ids: Sequence[int]) -> dict[int, int]:
    """The highest reading of each vehicle: fill-ups, trips out and in, registration."""
    highest = dict(
        session.execute(
            select(Vehicle.id, Vehicle.registered_odometer_km).where(Vehicle.id.in_(vehicle_ids))
        ).all()
    )
    for query in (
        select(FillUp.vehicle_id, func.max(FillUp.odometer_km))
        .where(FillUp.vehicle_id.in_(vehicle_ids), FillUp.voided_at.is_(None))
        .group_by(FillUp.vehicle_id),
        select(Trip.vehicle_id, func.max(Trip.odometer_out))
        .where(Trip.vehicle_id.in_(vehicle_ids))
        .group_by(Trip.vehicle_id),
        select(Trip.vehicle_id, func.max(Trip.odometer_in))
        .where(Trip.vehicle_id.in_(vehicle_ids))
        .group_by(Trip.vehicle_id),
    ):
        for vehicle_id, reading in session.execute(query):
            if reading is not None:
                highest[vehicle_id] = max(highest[vehicle_id], reading)
    return highest


def open_trips(session: Session) -> dict[int, Trip]:
    trips = session.scalars(select(Trip).where(Trip.checked_in_at.is_(None)))
    return {trip.vehicle_id: trip for trip in trips}


def reminder_settings() -> dict[str, int]:
    return {
        "soon_days": current_app.config["VEHICLE_REMINDER_DAYS"],
        "soon_km": current_app.config["VEHICLE_REMINDER_KM"],
    }


def fleet_now(session: Session, today: date | None = None) -> list[VehicleNow]:
    vehicles = list_vehicles(session)
    odometers = current_odometers(session, [vehicle.id for vehicle in vehicles])
    trips = open_trips(session)
    today = today or local_today()
    return [
        VehicleNow(
            vehicle,
            odometers[vehicle.id],
            trips.get(vehicle.id),
            reminders_for(vehicle, odometers[vehicle.id], today=today, **reminder_settings()),
        )
        for vehicle in vehicles
    ]


def vehicle_now(session: Session, vehicle: Vehicle, today: date | None = None) -> VehicleNow:
    odometer = current_odometers(session, [vehicle.id])[vehicle.id]
    trip = session.scalar(
        select(Trip).where(Trip.vehicle_id == vehicle.id, Trip.checked_in_at.is_(None))
    )
    today = today or local_today()
    reminders = reminders_for(vehicle, odometer, today=today, **reminder_settings())
    return VehicleNow(vehicle, odometer, trip, reminders)


def all_reminders(session: Session) -> list[Reminder]:
    """What is due across the fleet, overdue first."""
    found = [reminder for now in fleet_now(session) for reminder in now.reminders]
    return sorted(found, key=lambda reminder: not reminder.overdue)


# --- fuel ------------------------------------------------------------------------------


def consumption_of(session: Session, vehicle_id: int) -> Consumption:
    """The full-to-full intervals of a vehicle's whole fuel log, read as a stream."""
    rows = session.execute(
        select(
            FillUp.filled_on,
            FillUp.odometer_km,
            FillUp.litres_cl,
            FillUp.cost_cents,
            FillUp.full_tank,
            FillUp.missed_previous,
        )
        .where(FillUp.vehicle_id == vehicle_id, FillUp.voided_at.is_(None))
        .order_by(FillUp.filled_on, FillUp.odometer_km, FillUp.id)
        .execution_options(yield_per=500)
    )
    return measure(Reading(*row) for row in rows)


@dataclass(frozen=True)
class MonthCost:
    month: date  # its first day
    cost_cents: int = 0
    litres_cl: int = 0
    fill_ups: int = 0


def last_months(today: date, count: int) -> list[date]:
    """The first days of the `count` months up to today's, oldest first."""
    index = today.year * 12 + today.month - 1
    return [date(i // 12, i % 12 + 1, 1) for i in range(index - count + 1, index + 1)]


def monthly_costs(
    session: Session, vehicle_ids: Sequence[int], *, months: int = 12, today: date | None = None
) -> dict[int, list[MonthCost]]:
    """Fuel cost, litres and fill-ups per month of each vehicle, every month shown."""
    firsts = last_months(today or local_today(), months)
    totals: dict[tuple[int, date], MonthCost] = {}
    rows = session.execute(
        select(FillUp.vehicle_id, FillUp.filled_on, FillUp.cost_cents, FillUp.litres_cl).where(
            FillUp.vehicle_id.in_(vehicle_ids),
            FillUp.voided_at.is_(None),
            FillUp.filled_on >= firsts[0],
        )
    )
    for vehicle_id, filled_on, cost_cents, litres_cl in rows:
        key = (vehicle_id, filled_on.replace(day=1))
        seen = totals.get(key, MonthCost(key[1]))
        totals[key] = MonthCost(
            seen.month, seen.cost_cents + cost_cents, seen.litres_cl + litres_cl, seen.fill_ups + 1
        )
    return {
        vehicle_id: [totals.get((vehicle_id, first), MonthCost(first)) for first in firsts]
        for vehicle_id in vehicle_ids
    }


def fill_up_log_query(vehicle_id: int | None) -> Select[FillUp]:
    """Fill-ups, newest first, of one vehicle or all (None)."""
    query = (
        select(FillUp)
        .options(joinedload(FillUp.fund), joinedload(FillUp.recorded_by))
        .order_by(FillUp.filled_on.desc(), FillUp.odometer_km.desc(), FillUp.id.desc())
    )
    if vehicle_id is not None:
        query = query.where(FillUp.vehicle_id == vehicle_id)
    return query


def fill_up_log(session: Session, vehicle_id: int | None, page: int, per_page: int) -> Page[Any]:
    return paginate(session, fill_up_log_query(vehicle_id), page, per_page)


# --- trips -----------------------------------------------------------------------------


def trip_log(session: Session, vehicle_id: int | None, page: int, per_page: int) -> Page[Any]:
    query = select(Trip).order_by(Trip.checked_out_at.desc(), Trip.id.desc())
    if vehicle_id is not None:
        query = query.where(Trip.vehicle_id == vehicle_id)
    return paginate(session, query, page, per_page)


def list_drivers(session: Session) -> Sequence[User]:
    """Who may be named as a trip's driver."""
    return session.scalars(
        select(User)
        .where(User.active, User.role.in_(PERMISSIONS["trips.drive"]))
        .order_by(User.display_name, User.email)
        .limit(MAX_DRIVERS_LISTED)
    ).all()


def list_fuel_funds(session: Session) -> Sequence[Fund]:
    """The open funds a fill-up may draw on: a handful."""
    return session.scalars(
        select(Fund).where(Fund.active, Fund.pays_for_fuel).order_by(Fund.id)
    ).all()


def list_teams(session: Session) -> Sequence[Team]:
    """Every team: an organisation has a handful."""
    return session.scalars(select(Team).order_by(Team.name)).all()
