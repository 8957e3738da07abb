"""Inventory tables: sites, the item catalogue, crates, need lists, the stock ledger and
stocktakes.

Stock is counted per StockItem: an Item at one gender and size. Only
inventory/ledger.py writes StockMovement and StockLevel."""

from inventory.models.catalogue import (
    PRIORITY_ORDER,
    SIZES,
    USER_SITES,
    Category,
    Gender,
    Item,
    NeedLine,
    Priority,
    Site,
    SiteKind,
    SizeRange,
    StockItem,
    Unit,
    may_act_at,
    quantity_with_unit,
    sites_of,
    size_label,
)
from inventory.models.crates import (
    Crate,
    CrateAction,
    CrateEvent,
    CrateLine,
    CrateState,
    LabelBatch,
)
from inventory.models.stock import (
    MovementReason,
    StockLevel,
    StockMovement,
    Stocktake,
    StocktakeCount,
    StocktakeScan,
    StocktakeStatus,
)

__all__ = [
    "PRIORITY_ORDER",
    "SIZES",
    "USER_SITES",
    "Category",
    "Crate",
    "CrateAction",
    "CrateEvent",
    "CrateLine",
    "CrateState",
    "Gender",
    "Item",
    "LabelBatch",
    "MovementReason",
    "NeedLine",
    "Priority",
    "Site",
    "SiteKind",
    "SizeRange",
    "StockItem",
    "StockLevel",
    "StockMovement",
    "Stocktake",
    "StocktakeCount",
    "StocktakeScan",
    "StocktakeStatus",
    "Unit",
    "may_act_at",
    "quantity_with_unit",
    "sites_of",
    "size_label",
]
