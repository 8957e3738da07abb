"""Inventory pages and htmx fragments. Importing the modules registers their routes."""

from inventory.views import crates, labels, needs, stock
from inventory.views.common import bp, links, template_helpers

__all__ = ["bp", "crates", "labels", "links", "needs", "stock", "template_helpers"]
