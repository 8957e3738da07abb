"""Inventory pages and htmx fragments. Importing the modules registers their routes."""

from inventory.views import batch, crates, labels, needs, packing, setup, stock, stocktake
from inventory.views.common import bp, links, template_helpers

__all__ = [
    "batch",
    "bp",
    "crates",
    "labels",
    "links",
    "needs",
    "packing",
    "setup",
    "stock",
    "stocktake",
    "template_helpers",
]
