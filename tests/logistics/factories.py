"""Vehicles, trips, teams and week slots for tests anywhere (tests/app walks and fuzzes
the logistics routes too), made through the services as a person would make them."""

from datetime import datetime, time
from typing import Any

from sqlalchemy.orm import Session

from app.models import User
from logistics import services
from logistics.models import (
    FuelType,
    Team,
    Trip,
    TripPurpose,
    Vehicle,
    VehicleKind,
    WeekSlot,
    WeekSlotLine,
)


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


def add_team(session: Session, name: str, departure_site_id: int) -> Team:
    team = Team(name=name, departure_site_id=departure_site_id)
    session.add(team)
    session.flush()
    return team


def add_slot(
    session: Session,
    team: Team,
    place_site_id: int,
    *,
    weekday: int,
    lines: list[tuple[int, int, int | None]] = (),  # type: ignore[assignment]
    **overrides: Any,
) -> WeekSlot:
    """A week-template entry; lines are (stock_item_id, quantity, per_people)."""
    slot = WeekSlot(
        **{
            "team_id": team.id,
            "weekday": weekday,
            "label": "Lunch",
            "place_site_id": place_site_id,
            "starts_at": time(12, 0),
            "ends_at": time(13, 30),
            "expected_people": 100,
            "team_size": 3,
            **overrides,
        },
        lines=[
            WeekSlotLine(stock_item_id=stock_item_id, quantity=quantity, per_people=per_people)
            for stock_item_id, quantity, per_people in lines
        ],
    )
    session.add(slot)
    session.flush()
    return slot


def distribution_input(place_site_id: int, **overrides: Any) -> services.DistributionInput:
    return services.DistributionInput(
        **{
            "label": "Lunch",
            "place_site_id": place_site_id,
            "starts_at": time(12, 0),
            "ends_at": time(13, 30),
            "expected_people": 100,
            "team_size": 3,
            **overrides,
        }
    )
