"""The logistics blueprint and what its pages share: the templates' helpers and number
formats, and the vehicle filter of the logs."""

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from flask import Blueprint, current_app, render_template, request
from flask_babel import format_decimal
from flask_login import current_user

from app.extensions import Session, db
from app.forms import wanted_id
from app.inputs import database_int
from app.pagination import Page
from logistics import queries
from logistics.models import (
    DistributionStatus,
    Vehicle,
)
from logistics.reminders import Check, Reminder
from logistics.services.common import km
from logistics.services.trips import check_out_refusal

bp = Blueprint("logistics", __name__, url_prefix="/logistics")


def litres(centilitres: int | Decimal) -> str:
    return format_decimal(Decimal(centilitres) / 100, format="#,##0.##")


def decimal(value: Decimal | None) -> str:
    return "—" if value is None else format_decimal(value, format="#,##0.00")


def home_reminders() -> list[Reminder]:
    """For the home page of those who look after the vehicles."""
    return queries.all_reminders(db.session)


def may_take_out(vehicle: Vehicle) -> bool:
    """Whether the board offers this person to check the vehicle out."""
    return check_out_refusal(current_user, vehicle) is None


def template_helpers() -> dict[str, Any]:
    return {
        "Check": Check,
        "DistributionStatus": DistributionStatus,
        "km": km,
        "litres": litres,
        "decimal": decimal,
        "vehicle_reminders": home_reminders,
        "may_take_out": may_take_out,
    }


Log = Callable[[Session, int | None, int, int], Page[Any]]


def render_log(template: str, log: Log) -> str:
    """A page of a log (fill-ups, trips), of one vehicle or all."""
    vehicle_id = wanted_id("vehicle")
    page = log(
        db.session,
        vehicle_id,
        request.args.get("page", 1, type=database_int),
        current_app.config["PAGE_SIZE"],
    )
    return render_template(
        template, page=page, vehicles=queries.list_vehicles(db.session), vehicle_id=vehicle_id
    )
