"""Logistics tables: vehicles with their fill-ups and trips, and distributions with
their week templates, pick lists, loads and results."""

from logistics.models.distributions import (
    WEEKDAY_LABELS,
    Distribution,
    DistributionLine,
    DistributionLoad,
    DistributionResult,
    DistributionStatus,
    Team,
    WeekSlot,
    WeekSlotLine,
)
from logistics.models.vehicles import (
    FillUp,
    FuelType,
    PaidBy,
    Trip,
    TripPurpose,
    Vehicle,
    VehicleKind,
    VehicleStatus,
)

__all__ = [
    "WEEKDAY_LABELS",
    "Distribution",
    "DistributionLine",
    "DistributionLoad",
    "DistributionResult",
    "DistributionStatus",
    "FillUp",
    "FuelType",
    "PaidBy",
    "Team",
    "Trip",
    "TripPurpose",
    "Vehicle",
    "VehicleKind",
    "VehicleStatus",
    "WeekSlot",
    "WeekSlotLine",
]
