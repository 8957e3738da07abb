"""Logistics pages. Importing the modules registers their routes."""

from logistics.views import fuel, trips, vehicles
from logistics.views.common import bp, template_helpers

__all__ = ["bp", "fuel", "template_helpers", "trips", "vehicles"]
