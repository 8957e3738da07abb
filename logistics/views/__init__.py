"""Logistics pages. Importing the modules registers their routes."""

from logistics.views import day, distributions, fuel, runs, trips, vehicles
from logistics.views import pick_lists as pick_lists
from logistics.views import reports as reports
from logistics.views import week as week
from logistics.views.common import bp, template_helpers

__all__ = [
    "bp",
    "day",
    "distributions",
    "fuel",
    "runs",
    "template_helpers",
    "trips",
    "vehicles",
]
