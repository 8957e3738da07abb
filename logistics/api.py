"""JSON API for vehicles, their fill-ups, consumption and trips. Same services and
permissions as the pages. Writes accept an `event_id`: sent again, it changes nothing
and returns the first answer (a phone replaying its queue)."""

from collections.abc import Callable
from typing import Any

from flask import Response, g, jsonify
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from app.extensions import db
from app.i18n import current_locale
from app.idempotency import Answer, run_once
from app.inputs import MAX_DATABASE_INT
from app.permissions import requires
from logistics import queries, services
from logistics.consumption import Consumption
from logistics.models import (
    FillUp,
    FuelType,
    PaidBy,
    Trip,
    TripPurpose,
    VehicleKind,
    VehicleStatus,
)

blp = Blueprint("logistics_api", __name__, url_prefix="/api/v1", description="Vehicles and fuel")

EVENT_ID = fields.String(
    validate=validate.Length(min=8, max=64),
    metadata={
        "description": "Chosen by the client; the same id sent again changes nothing "
        "and returns the first answer."
    },
)
DATABASE_ID = validate.Range(min=1, max=MAX_DATABASE_INT)
# Any whole number the database's integers hold: the services say what is plausible.
WHOLE = {"strict": True, "validate": validate.Range(min=-MAX_DATABASE_INT, max=MAX_DATABASE_INT)}


class VehicleInSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=80))
    plate = fields.String(required=True, validate=validate.Length(min=1, max=20))
    kind = fields.Enum(VehicleKind, by_value=True, required=True)
    seats = fields.Integer(required=True, **WHOLE)
    payload_kg = fields.Integer(required=True, **WHOLE)
    fuel_type = fields.Enum(FuelType, by_value=True, required=True)
    tank_litres = fields.Integer(required=True, **WHOLE)
    home_site_id = fields.Integer(required=True, strict=True, validate=DATABASE_ID)
    status = fields.Enum(VehicleStatus, by_value=True, load_default=VehicleStatus.AVAILABLE)
    odometer_km = fields.Integer(load_default=0, **WHOLE)
    insurance_due_on = fields.Date(load_default=None)
    insurance_due_km = fields.Integer(load_default=None, allow_none=True, **WHOLE)
    inspection_due_on = fields.Date(load_default=None)
    inspection_due_km = fields.Integer(load_default=None, allow_none=True, **WHOLE)
    service_due_on = fields.Date(load_default=None)
    service_due_km = fields.Integer(load_default=None, allow_none=True, **WHOLE)
    notes = fields.String(load_default="", validate=validate.Length(max=2000))


class TripOutSchema(Schema):
    id = fields.Integer()
    vehicle_id = fields.Integer()
    driver_id = fields.Integer()
    driver = fields.String()
    purpose = fields.String()
    destination = fields.String()
    checked_out_at = fields.DateTime()
    odometer_out = fields.Integer()
    checked_in_at = fields.DateTime(allow_none=True)
    odometer_in = fields.Integer(allow_none=True)
    notes = fields.String()


class VehicleSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    plate = fields.String()
    kind = fields.String()
    seats = fields.Integer()
    payload_kg = fields.Integer()
    fuel_type = fields.String()
    tank_litres = fields.Integer()
    home_site_id = fields.Integer()
    status = fields.String()
    odometer_km = fields.Integer(metadata={"description": "The highest reading recorded"})
    trip = fields.Nested(TripOutSchema, allow_none=True, metadata={"description": "If out"})


class FillUpInSchema(Schema):
    date = fields.Date(required=True)
    odometer_km = fields.Integer(required=True, **WHOLE)
    litres = fields.Decimal(
        required=True, metadata={"description": "At most two decimals, e.g. 42.57"}
    )
    cost_cents = fields.Integer(required=True, **WHOLE)
    full_tank = fields.Boolean(load_default=True)
    missed_previous = fields.Boolean(
        load_default=False, metadata={"description": "A fill-up before this one was not recorded"}
    )
    station = fields.String(load_default="", validate=validate.Length(max=120))
    paid_by = fields.Enum(PaidBy, by_value=True, load_default=PaidBy.ORGANISATION_CARD)
    fund = fields.String(
        load_default="",
        validate=validate.Length(max=32),
        metadata={
            "description": "The code of the donations fund it was paid from, if any: one "
            "of GET /api/v1/fuel-funds"
        },
    )
    event_id = EVENT_ID


class FillUpSchema(Schema):
    id = fields.Integer()
    vehicle_id = fields.Integer()
    date = fields.Date()
    odometer_km = fields.Integer()
    litres = fields.Float()
    cost_cents = fields.Integer()
    full_tank = fields.Boolean()
    missed_previous = fields.Boolean()
    station = fields.String()
    paid_by = fields.String()
    fund = fields.String(allow_none=True)
    voided = fields.Boolean()


class IntervalSchema(Schema):
    start_date = fields.Date()
    end_date = fields.Date()
    start_km = fields.Integer()
    end_km = fields.Integer()
    distance_km = fields.Integer()
    litres = fields.Float()
    cost_cents = fields.Integer()
    litres_per_100km = fields.Float()
    cost_per_km_cents = fields.Float()


class FuelFundSchema(Schema):
    code = fields.String()
    name = fields.String()


class ConsumptionSchema(Schema):
    vehicle_id = fields.Integer()
    distance_km = fields.Integer(metadata={"description": "Over the full-to-full intervals"})
    litres = fields.Float()
    cost_cents = fields.Integer()
    litres_per_100km = fields.Float(allow_none=True)
    cost_per_km_cents = fields.Float(allow_none=True)
    intervals = fields.List(fields.Nested(IntervalSchema))


class CheckOutSchema(Schema):
    driver_id = fields.Integer(
        load_default=None, strict=True, validate=DATABASE_ID, metadata={"description": "You"}
    )
    purpose = fields.Enum(TripPurpose, by_value=True, required=True)
    odometer_km = fields.Integer(required=True, **WHOLE)
    destination = fields.String(load_default="", validate=validate.Length(max=200))
    event_id = EVENT_ID


class CheckInSchema(Schema):
    odometer_km = fields.Integer(required=True, **WHOLE)
    notes = fields.String(load_default="", validate=validate.Length(max=2000))
    event_id = EVENT_ID


def trip_out(trip: Trip | None) -> dict[str, Any] | None:
    if trip is None:
        return None
    return {
        "id": trip.id,
        "vehicle_id": trip.vehicle_id,
        "driver_id": trip.driver_id,
        "driver": trip.driver.name,
        "purpose": trip.purpose.value,
        "destination": trip.destination,
        "checked_out_at": trip.checked_out_at,
        "odometer_out": trip.odometer_out,
        "checked_in_at": trip.checked_in_at,
        "odometer_in": trip.odometer_in,
        "notes": trip.notes,
    }


def vehicle_out(now: queries.VehicleNow) -> dict[str, Any]:
    vehicle = now.vehicle
    return {
        "id": vehicle.id,
        "name": vehicle.name,
        "plate": vehicle.plate,
        "kind": vehicle.kind.value,
        "seats": vehicle.seats,
        "payload_kg": vehicle.payload_kg,
        "fuel_type": vehicle.fuel_type.value,
        "tank_litres": vehicle.tank_litres,
        "home_site_id": vehicle.home_site_id,
        "status": vehicle.status.value,
        "odometer_km": now.odometer_km,
        "trip": trip_out(now.trip),
    }


def fill_up_out(fill_up: FillUp) -> dict[str, Any]:
    return {
        "id": fill_up.id,
        "vehicle_id": fill_up.vehicle_id,
        "date": fill_up.filled_on,
        "odometer_km": fill_up.odometer_km,
        "litres": float(fill_up.litres),
        "cost_cents": fill_up.cost_cents,
        "full_tank": fill_up.full_tank,
        "missed_previous": fill_up.missed_previous,
        "station": fill_up.station,
        "paid_by": fill_up.paid_by.value,
        "fund": fill_up.fund.code if fill_up.fund else None,
        "voided": fill_up.voided,
    }


def ratio(value: Any) -> float | None:
    return None if value is None else float(value)


def consumption_out(vehicle_id: int, consumption: Consumption) -> dict[str, Any]:
    return {
        "vehicle_id": vehicle_id,
        "distance_km": consumption.distance_km,
        "litres": consumption.litres_cl / 100,
        "cost_cents": consumption.cost_cents,
        "litres_per_100km": ratio(consumption.litres_per_100km),
        "cost_per_km_cents": ratio(consumption.cost_per_km_cents),
        "intervals": [
            {
                "start_date": interval.start_on,
                "end_date": interval.end_on,
                "start_km": interval.start_km,
                "end_km": interval.end_km,
                "distance_km": interval.distance_km,
                "litres": interval.litres_cl / 100,
                "cost_cents": interval.cost_cents,
                "litres_per_100km": float(interval.litres_per_100km),
                "cost_per_km_cents": float(interval.cost_per_km_cents),
            }
            for interval in consumption.intervals
        ],
    }


def write_once(
    action: str, payload: dict[str, Any], status: int, change: Callable[[], dict[str, Any]]
) -> Response:
    """Apply one write, once per event id, commit, and answer with what it made."""
    event_id = payload.pop("event_id", None)
    answer = run_once(
        db.session,
        actor_id=g.api_user.id,
        event_id=event_id,
        action=action,
        payload=payload,
        work=lambda: Answer(status, change()),
    )
    db.session.commit()
    response = jsonify(answer.body)
    response.status_code = answer.status
    if answer.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


@blp.route("/vehicles", methods=["GET"])
@requires("vehicles.view")
@blp.response(200, VehicleSchema(many=True))
def list_vehicles() -> list[dict[str, Any]]:
    """Every vehicle, with its last odometer reading and the trip it is on, if out."""
    return [vehicle_out(now) for now in queries.fleet_now(db.session)]


@blp.route("/vehicles", methods=["POST"])
@requires("vehicles.manage")
@blp.arguments(VehicleInSchema)
@blp.response(201, VehicleSchema)
def create_vehicle(data: dict[str, Any]) -> dict[str, Any]:
    """Add a vehicle."""
    vehicle = services.save_vehicle(
        db.session, actor=g.api_user, data=services.VehicleInput(**data)
    )
    db.session.commit()
    return vehicle_out(queries.vehicle_now(db.session, vehicle))


@blp.route("/vehicles/<int:vehicle_id>", methods=["GET"])
@requires("vehicles.view")
@blp.response(200, VehicleSchema)
def get_vehicle(vehicle_id: int) -> dict[str, Any]:
    """A vehicle, its last odometer reading and the trip it is on, if out."""
    vehicle = services.get_vehicle(db.session, vehicle_id)
    return vehicle_out(queries.vehicle_now(db.session, vehicle))


@blp.route("/vehicles/<int:vehicle_id>/fuel", methods=["POST"])
@requires("fuel.record")
@blp.arguments(FillUpInSchema)
@blp.response(201, FillUpSchema)
def record_fuel(data: dict[str, Any], vehicle_id: int) -> Response:
    """Record a fill-up. Litres have at most two decimals; the odometer cannot be lower
    than an earlier reading; a fill-up paid from a fund (`fund`) draws it down."""
    fill_up = services.FillUpInput(
        filled_on=data["date"],
        odometer_km=data["odometer_km"],
        litres=data["litres"],
        cost_cents=data["cost_cents"],
        full_tank=data["full_tank"],
        missed_previous=data["missed_previous"],
        station=data["station"],
        paid_by=data["paid_by"],
        fund_code=data["fund"],
    )
    return write_once(
        f"fuel:{vehicle_id}",
        data,
        201,
        lambda: fill_up_out(
            services.record_fill_up(
                db.session, actor=g.api_user, vehicle_id=vehicle_id, data=fill_up
            )
        ),
    )


@blp.route("/fuel-funds", methods=["GET"])
@requires("fuel.record")
@blp.response(200, FuelFundSchema(many=True))
def fuel_funds() -> list[dict[str, str]]:
    """The donations funds a fill-up may be paid from (`fund` of a fill-up)."""
    locale = current_locale()
    return [
        {"code": fund.code, "name": fund.name(locale)}
        for fund in queries.list_fuel_funds(db.session)
    ]


@blp.route("/vehicles/<int:vehicle_id>/consumption", methods=["GET"])
@requires("vehicles.view")
@blp.response(200, ConsumptionSchema)
def consumption(vehicle_id: int) -> dict[str, Any]:
    """Litres per 100 km and cost per km over the full-to-full intervals recorded: partial
    fill-ups count towards the next full one; a missed fill-up starts the count again."""
    vehicle = services.get_vehicle(db.session, vehicle_id)
    return consumption_out(vehicle.id, queries.consumption_of(db.session, vehicle.id))


@blp.route("/vehicles/<int:vehicle_id>/check-out", methods=["POST"])
@requires("trips.drive")
@blp.arguments(CheckOutSchema)
@blp.response(201, TripOutSchema)
def check_out(data: dict[str, Any], vehicle_id: int) -> Response:
    """Check a vehicle out: 409 if it is out already, in maintenance or out of service.
    A volunteer checks out only the vehicles of their sites, as the driver: 403 otherwise."""
    return write_once(
        f"check_out:{vehicle_id}",
        data,
        201,
        lambda: (
            trip_out(
                services.check_out_vehicle(
                    db.session,
                    actor=g.api_user,
                    vehicle_id=vehicle_id,
                    driver_id=data["driver_id"] or g.api_user.id,
                    purpose=data["purpose"],
                    odometer_km=data["odometer_km"],
                    destination=data["destination"],
                )
            )
            or {}
        ),
    )


@blp.route("/trips/<int:trip_id>/check-in", methods=["POST"])
@requires("trips.drive")
@blp.arguments(CheckInSchema)
@blp.response(200, TripOutSchema)
def check_in(data: dict[str, Any], trip_id: int) -> Response:
    """Check a vehicle back in, with its odometer reading."""
    return write_once(
        f"check_in:{trip_id}",
        data,
        200,
        lambda: (
            trip_out(
                services.check_in_vehicle(
                    db.session,
                    actor=g.api_user,
                    trip_id=trip_id,
                    odometer_km=data["odometer_km"],
                    notes=data["notes"],
                )
            )
            or {}
        ),
    )
