"""Logistics writes. Each function validates, changes the session and raises a
DomainError; none commits."""

from logistics.services.common import MAX_ODOMETER_KM, get_vehicle
from logistics.services.distributions import (
    DistributionInput,
    generate_day_plan,
    get_distribution,
    get_team,
    plan_distribution,
    set_pick_line,
    update_distribution,
)
from logistics.services.fuel import FillUpInput, record_fill_up, void_fill_up
from logistics.services.recording import LooseOutcome, Served, record_run
from logistics.services.runs import (
    cancel_distribution,
    load_crate,
    load_loose,
    on_the_van,
    set_off,
    unload_crate,
    unload_loose,
)
from logistics.services.templates import (
    SlotInput,
    copy_slot_to_days,
    get_slot,
    save_slot,
    save_team,
    set_slot_line,
)
from logistics.services.trips import (
    check_in_vehicle,
    check_out_refusal,
    check_out_vehicle,
    get_trip,
)
from logistics.services.vehicles import VehicleInput, save_vehicle

__all__ = [
    "MAX_ODOMETER_KM",
    "DistributionInput",
    "FillUpInput",
    "LooseOutcome",
    "Served",
    "SlotInput",
    "VehicleInput",
    "cancel_distribution",
    "check_in_vehicle",
    "check_out_refusal",
    "check_out_vehicle",
    "copy_slot_to_days",
    "generate_day_plan",
    "get_distribution",
    "get_slot",
    "get_team",
    "get_trip",
    "get_vehicle",
    "load_crate",
    "load_loose",
    "on_the_van",
    "plan_distribution",
    "record_fill_up",
    "record_run",
    "save_slot",
    "save_team",
    "save_vehicle",
    "set_off",
    "set_pick_line",
    "set_slot_line",
    "unload_crate",
    "unload_loose",
    "update_distribution",
    "void_fill_up",
]
