"""Logistics writes. Each function validates, changes the session and raises a
DomainError; none commits."""

from logistics.services.common import MAX_ODOMETER_KM, get_vehicle, local_today
from logistics.services.fuel import FillUpInput, record_fill_up, void_fill_up
from logistics.services.trips import check_in_vehicle, check_out_vehicle, get_trip
from logistics.services.vehicles import VehicleInput, save_vehicle

__all__ = [
    "MAX_ODOMETER_KM",
    "FillUpInput",
    "VehicleInput",
    "check_in_vehicle",
    "check_out_vehicle",
    "get_trip",
    "get_vehicle",
    "local_today",
    "record_fill_up",
    "save_vehicle",
    "void_fill_up",
]
