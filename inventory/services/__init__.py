"""Inventory writes. Each function validates, changes the session and raises a
DomainError; none commits. Stock changes go through inventory.ledger."""

from inventory.services.common import (
    MAX_CRATE_WEIGHT_GRAMS,
    MAX_CRATES_AT_ONCE,
    MAX_LINE_QUANTITY,
    MAX_LINES_PER_CRATE,
    MAX_LOOSE_QUANTITY,
    LineInput,
    ensure_may_act_at,
    get_crate,
    get_public_site,
    get_site,
    get_stock_item,
    lock_crates,
)
from inventory.services.crates import (
    book_crate_in,
    check_in_crate,
    check_in_refusal,
    create_crates,
    dispatch_crate,
    distribute_crate,
    edit_crate_contents,
    lock_crate_balances,
    mark_crates_lost,
    pack_crate,
    scrap_crate,
)
from inventory.services.needs import remove_need, set_need
from inventory.services.stock import adjust_stock, move_loose, receive_loose

__all__ = [
    "MAX_CRATES_AT_ONCE",
    "MAX_CRATE_WEIGHT_GRAMS",
    "MAX_LINES_PER_CRATE",
    "MAX_LINE_QUANTITY",
    "MAX_LOOSE_QUANTITY",
    "LineInput",
    "adjust_stock",
    "book_crate_in",
    "check_in_crate",
    "check_in_refusal",
    "create_crates",
    "dispatch_crate",
    "distribute_crate",
    "edit_crate_contents",
    "ensure_may_act_at",
    "get_crate",
    "get_public_site",
    "get_site",
    "get_stock_item",
    "lock_crate_balances",
    "lock_crates",
    "mark_crates_lost",
    "move_loose",
    "pack_crate",
    "receive_loose",
    "remove_need",
    "scrap_crate",
    "set_need",
]
