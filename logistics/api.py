"""JSON API for vehicles, their fill-ups, consumption and trips. Same services and
permissions as the pages. Writes accept an `event_id`: sent again, it changes nothing
and returns the first answer (a phone replaying its queue)."""

from collections.abc import Sequence
from typing import Any, NamedTuple

from flask import Response, g
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from app.api import DATABASE_ID, EVENT_ID, write_once
from app.extensions import db
from app.i18n import current_locale
from app.inputs import MAX_DATABASE_INT
from app.permissions import requires
from donations.models import Fund
from logistics import queries, services
from logistics.consumption import Consumption, Interval
from logistics.models import (
    FuelType,
    PaidBy,
    TripPurpose,
    VehicleKind,
    VehicleStatus,
)

blp = Blueprint("logistics_api", __name__, url_prefix="/api/v1", description="Vehicles and fuel")

# Any whole number the database's integers hold: the services say what is plausible.
WHOLE: dict[str, Any] = {
    "strict": True,
    "validate": validate.Range(min=-MAX_DATABASE_INT, max=MAX_DATABASE_INT),
}


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
    driver = fields.String(attribute="driver.name")
    purpose = fields.String()
    destination = fields.String()
    checked_out_at = fields.DateTime()
    odometer_out = fields.Integer()
    checked_in_at = fields.DateTime(allow_none=True)
    odometer_in = fields.Integer(allow_none=True)
    notes = fields.String()


TRIP_OUT_SCHEMA = TripOutSchema()


class VehicleSchema(Schema):
    """A vehicle as it stands now (queries.VehicleNow)."""

    id = fields.Integer(attribute="vehicle.id")
    name = fields.String(attribute="vehicle.name")
    plate = fields.String(attribute="vehicle.plate")
    kind = fields.String(attribute="vehicle.kind")
    seats = fields.Integer(attribute="vehicle.seats")
    payload_kg = fields.Integer(attribute="vehicle.payload_kg")
    fuel_type = fields.String(attribute="vehicle.fuel_type")
    tank_litres = fields.Integer(attribute="vehicle.tank_litres")
    home_site_id = fields.Integer(attribute="vehicle.home_site_id")
    status = fields.String(attribute="vehicle.status")
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


class FuelFundSchema(Schema):
    code = fields.String()
    name = fields.Function(lambda fund: fund.name(current_locale()), metadata={"type": "string"})


class FillUpSchema(Schema):
    id = fields.Integer()
    vehicle_id = fields.Integer()
    date = fields.Date(attribute="filled_on")
    odometer_km = fields.Integer()
    litres = fields.Float()
    cost_cents = fields.Integer()
    full_tank = fields.Boolean()
    missed_previous = fields.Boolean()
    station = fields.String()
    paid_by = fields.String()
    fund = fields.Pluck(FuelFundSchema, "code", allow_none=True)
    voided = fields.Boolean()


FILL_UP_SCHEMA = FillUpSchema()


def litres(measured: Interval | Consumption) -> float:
    return measured.litres_cl / 100


LITRES = fields.Function(litres, metadata={"type": "number"})


class IntervalSchema(Schema):
    start_date = fields.Date(attribute="start_on")
    end_date = fields.Date(attribute="end_on")
    start_km = fields.Integer()
    end_km = fields.Integer()
    distance_km = fields.Integer()
    litres = LITRES
    cost_cents = fields.Integer()
    litres_per_100km = fields.Float()
    cost_per_km_cents = fields.Float()


class VehicleConsumption(NamedTuple):
    vehicle_id: int
    consumption: Consumption


class ConsumptionSchema(Schema):
    """A vehicle's fuel consumption (VehicleConsumption)."""

    vehicle_id = fields.Integer()
    distance_km = fields.Integer(
        attribute="consumption.distance_km",
        metadata={"description": "Over the full-to-full intervals"},
    )
    litres = fields.Function(
        lambda measured: litres(measured.consumption), metadata={"type": "number"}
    )
    cost_cents = fields.Integer(attribute="consumption.cost_cents")
    litres_per_100km = fields.Float(attribute="consumption.litres_per_100km", allow_none=True)
    cost_per_km_cents = fields.Float(attribute="consumption.cost_per_km_cents", allow_none=True)
    intervals = fields.List(fields.Nested(IntervalSchema), attribute="consumption.intervals")


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


@blp.route("/vehicles", methods=["GET"])
@requires("vehicles.view")
@blp.response(200, VehicleSchema(many=True))
def list_vehicles() -> list[queries.VehicleNow]:
    """Every vehicle, with its last odometer reading and the trip it is on, if out."""
    return queries.fleet_now(db.session)


@blp.route("/vehicles", methods=["POST"])
@requires("vehicles.manage")
@blp.arguments(VehicleInSchema)
@blp.response(201, VehicleSchema)
def create_vehicle(data: dict[str, Any]) -> queries.VehicleNow:
    """Add a vehicle."""
    vehicle = services.save_vehicle(
        db.session, actor=g.api_user, data=services.VehicleInput(**data)
    )
    db.session.commit()
    return queries.vehicle_now(db.session, vehicle)


@blp.route("/vehicles/<int:vehicle_id>", methods=["GET"])
@requires("vehicles.view")
@blp.response(200, VehicleSchema)
def get_vehicle(vehicle_id: int) -> queries.VehicleNow:
    """A vehicle, its last odometer reading and the trip it is on, if out."""
    vehicle = services.get_vehicle(db.session, vehicle_id)
    return queries.vehicle_now(db.session, vehicle)


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
        status=201,
        schema=FILL_UP_SCHEMA,
        change=lambda: services.record_fill_up(
            db.session, actor=g.api_user, vehicle_id=vehicle_id, data=fill_up
        ),
    )


@blp.route("/fuel-funds", methods=["GET"])
@requires("fuel.record")
@blp.response(200, FuelFundSchema(many=True))
def fuel_funds() -> Sequence[Fund]:
    """The donations funds a fill-up may be paid from (`fund` of a fill-up)."""
    return queries.list_fuel_funds(db.session)


@blp.route("/vehicles/<int:vehicle_id>/consumption", methods=["GET"])
@requires("vehicles.view")
@blp.response(200, ConsumptionSchema)
def consumption(vehicle_id: int) -> VehicleConsumption:
    """Litres per 100 km and cost per km over the full-to-full intervals recorded: partial
    fill-ups count towards the next full one; a missed fill-up starts the count again."""
    vehicle = services.get_vehicle(db.session, vehicle_id)
    return VehicleConsumption(vehicle.id, queries.consumption_of(db.session, vehicle.id))


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
        status=201,
        schema=TRIP_OUT_SCHEMA,
        change=lambda: services.check_out_vehicle(
            db.session,
            actor=g.api_user,
            vehicle_id=vehicle_id,
            driver_id=data["driver_id"] or g.api_user.id,
            purpose=data["purpose"],
            odometer_km=data["odometer_km"],
            destination=data["destination"],
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
        status=200,
        schema=TRIP_OUT_SCHEMA,
        change=lambda: services.check_in_vehicle(
            db.session,
            actor=g.api_user,
            trip_id=trip_id,
            odometer_km=data["odometer_km"],
            notes=data["notes"],
        ),
    )
