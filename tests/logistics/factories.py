"""Vehicles and trips for tests anywhere (tests/app walks and fuzzes the logistics
routes too), made through the services as a person would make them."""

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.models import User
from logistics import services
from logistics.models import FuelType, Trip, TripPurpose, Vehicle, VehicleKind


def vehicle_input(home_site_id: int, **overrides: Any) -> services.VehicleInput:
    """A van with an 80-litre tank, unless told otherwise."""
    return services.VehicleInput(
        **{
            "name": "Calais van",
            "plate": "GH-482-KT",
            "kind": VehicleKind.VAN,
            "seats": 3,
            "payload_kg": 1200,
            "fuel_type": FuelType.DIESEL,
            "tank_litres": 80,
            "home_site_id": home_site_id,
            **overrides,
        }
    )


def add_vehicle(session: Session, actor: User, home_site_id: int, **overrides: Any) -> Vehicle:
    return services.save_vehicle(
        session, actor=actor, data=vehicle_input(home_site_id, **overrides)
    )


def start_trip(
    session: Session,
    actor: User,
    vehicle: Vehicle,
    odometer_km: int,
    *,
    purpose: TripPurpose = TripPurpose.DISTRIBUTION,
    moment: datetime | None = None,
) -> Trip:
    """The actor drives the vehicle out."""
    return services.check_out_vehicle(
        session,
        actor=actor,
        vehicle_id=vehicle.id,
        driver_id=actor.id,
        purpose=purpose,
        odometer_km=odometer_km,
        moment=moment,
    )
