"""The crates of a site, as a person looks for them: by item, who-for, size, state and
expiry, or by a code or an item's name; soonest expiry first. A page at a time, cut in
SQL, or every row for an export."""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select
from sqlalchemy.orm import selectinload

from app.extensions import Session
from app.pagination import Page, paginate
from inventory.models import Crate, CrateAction, CrateEvent, CrateLine, CrateState, Item, StockItem

# Soonest expiry first, crates that never expire last; then by code, so pages are stable.
CRATE_LIST_ORDER = (Crate.expiry_date.asc().nulls_last(), Crate.code)
EXPORT_BATCH = 500


@dataclass(frozen=True)
class CrateFilter:
    item_id: int | None = None
    gender: str = ""
    size: str = ""
    state: CrateState | None = CrateState.IN_STOCK  # None: crates in any state
    expires_by: date | None = None  # crates expiring on that day or before
    text: str = ""  # part of a crate's code, or of an item's French or English name


@dataclass(frozen=True)
class CrateRow:
    """A crate of the list, and its last event (when and what), for "last movement"."""

    crate: Crate
    last_moved_at: datetime | None
    last_action: CrateAction | None


def holds(*conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    """The crate has a line whose stock item (and item) meet all `conditions`."""
    return exists(
        select(CrateLine.id)
        .join(StockItem, StockItem.id == CrateLine.stock_item_id)
        .join(Item, Item.id == StockItem.item_id)
        .where(CrateLine.crate_id == Crate.id, *conditions)
    )


def text_matches(text: str) -> ColumnElement[bool] | None:
    """A crate whose code holds what was typed (as codes are typed: any case, dashes and
    spaces), or with an item whose name holds it."""
    wanted = " ".join(text.split())
    if not wanted:
        return None
    named = holds(
        or_(
            Item.name_fr.icontains(wanted, autoescape=True),
            Item.name_en.icontains(wanted, autoescape=True),
        )
    )
    code = re.sub(r"[\s-]", "", wanted).upper()
    if not code.isalnum():
        return named
    return or_(Crate.code.contains(code, autoescape=True), named)


def crate_conditions(site_id: int, wanted: CrateFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [Crate.site_id == site_id]
    if wanted.state is not None:
        conditions.append(Crate.state == wanted.state)
    if wanted.expires_by is not None:
        conditions.append(Crate.expiry_date <= wanted.expires_by)
    line_conditions = [
        condition
        for value, condition in (
            (wanted.item_id, StockItem.item_id == wanted.item_id),
            (wanted.gender, StockItem.gender == wanted.gender),
            (wanted.size, StockItem.size == wanted.size),
        )
        if value
    ]
    if line_conditions:
        conditions.append(holds(and_(*line_conditions)))
    matches = text_matches(wanted.text)
    if matches is not None:
        conditions.append(matches)
    return conditions


def crate_list_query(site_id: int, wanted: CrateFilter) -> Select[Crate, datetime, CrateAction]:
    """(crate, time of its last event, that event's action), in CRATE_LIST_ORDER."""
    last_event_id = (
        select(func.max(CrateEvent.id))
        .where(CrateEvent.crate_id == Crate.id)
        .correlate(Crate)
        .scalar_subquery()
    )
    return (
        select(Crate, CrateEvent.at, CrateEvent.action)
        .outerjoin(CrateEvent, CrateEvent.id == last_event_id)
        .where(*crate_conditions(site_id, wanted))
        .order_by(*CRATE_LIST_ORDER)
    )


def site_crates_page(
    session: Session, site_id: int, wanted: CrateFilter, page: int, per_page: int
) -> Page[CrateRow]:
    """One page of a site's crates, with their contents loaded in one more query."""
    query = crate_list_query(site_id, wanted).options(selectinload(Crate.lines))
    found = paginate(session, query, page, per_page)
    return Page(
        rows=[CrateRow(*row) for row in found.rows],
        page=found.page,
        per_page=found.per_page,
        total=found.total,
    )


def site_crate_rows(session: Session, site_id: int, wanted: CrateFilter) -> Iterator[CrateRow]:
    """Every crate of the filtered list (for an export), read in batches."""
    query = (
        crate_list_query(site_id, wanted)
        .options(selectinload(Crate.lines))
        .execution_options(yield_per=EXPORT_BATCH)
    )
    for row in session.execute(query):
        yield CrateRow(*row)


def contents_summary(crate: Crate, locale: str) -> str:
    """What a crate holds, on one line: each stock item and its quantity, by the crate's
    lines."""
    return ", ".join(f"{line.stock_item.label(locale)} × {line.quantity}" for line in crate.lines)
