"""Inventory pages and htmx fragments. Importing the modules registers their routes."""

from inventory.views import crates, labels, needs, setup, stock, stocktake
from inventory.views.common import bp, links, template_helpers

__all__ = [
    "bp",
    "crates",
    "labels",
    "links",
    "needs",
    "setup",
    "stock",
    "stocktake",
    "template_helpers",
]
