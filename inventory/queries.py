"""Reads shared by pages and the API. Lists are paginated in SQL."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Integer,
    Row,
    Select,
    String,
    bindparam,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.orm import selectinload

from app.extensions import Session
from app.pagination import Page, paginate
from inventory.models import (
    PRIORITY_ORDER,
    Category,
    Crate,
    CrateEvent,
    CrateLine,
    CrateState,
    Item,
    MovementReason,
    NeedLine,
    Site,
    SiteKind,
    StockItem,
    StockLevel,
    StockMovement,
)
from inventory.sorting import SizeRank, SortName, folded

T = TypeVar("T")


# --- sites and catalogue -------------------------------------------------------------


def list_sites(session: Session) -> Sequence[Site]:
    return session.scalars(select(Site).where(Site.active).order_by(Site.city, Site.name)).all()


def list_public_collection_points(session: Session) -> Sequence[Site]:
    return session.scalars(
        select(Site)
        .where(Site.active, Site.is_public)
        .order_by(Site.kind != SiteKind.COLLECTION_POINT, Site.city, Site.name)
    ).all()


def list_items(session: Session) -> Sequence[Item]:
    return session.scalars(
        select(Item).where(Item.active).order_by(Item.category, Item.name_en)
    ).all()


def search_items(session: Session, text: str, limit: int = 12) -> list[Item]:
    """Items whose French or English name has a word starting with what was typed."""
    wanted = folded(text).strip()
    if not wanted:
        return []
    matches = []
    for item in list_items(session):
        names = f"{folded(item.name_fr)} {folded(item.name_en)}"
        words = names.replace("-", " ").replace("'", " ").split()
        if any(word.startswith(wanted) for word in words) or wanted in names:
            matches.append(item)
    matches.sort(key=lambda item: not folded(item.name_fr).startswith(wanted))
    return matches[:limit]


def recent_stock_items_packed_at(session: Session, site_id: int, limit: int = 4) -> list[StockItem]:
    """The items last packed into crates at a site, most recent first: one tap to reuse."""
    recent = (
        select(StockMovement.stock_item_id, func.max(StockMovement.id).label("last"))
        .where(
            StockMovement.site_id == site_id,
            StockMovement.reason == MovementReason.RECEIVED,
            StockMovement.crate_id.is_not(None),
        )
        .group_by(StockMovement.stock_item_id)
        .order_by(func.max(StockMovement.id).desc())
        .limit(limit)
        .subquery()
    )
    return list(
        session.scalars(
            select(StockItem)
            .join(recent, recent.c.stock_item_id == StockItem.id)
            .order_by(recent.c.last.desc())
        )
    )


# --- crates ---------------------------------------------------------------------------


def crate_timeline(session: Session, crate_id: int) -> Sequence[CrateEvent]:
    return session.scalars(
        select(CrateEvent).where(CrateEvent.crate_id == crate_id).order_by(CrateEvent.id.desc())
    ).all()


def crates_with_codes(session: Session, codes: Sequence[str]) -> list[Crate]:
    """The crates of a batch of labels, in one query, in the order of `codes`."""
    found = session.scalars(
        select(Crate).where(Crate.code.in_(codes)).options(selectinload(Crate.lines))
    )
    by_code = {crate.code: crate for crate in found}
    return [by_code[code] for code in codes if code in by_code]


# --- stock and needs ------------------------------------------------------------------


@dataclass(frozen=True)
class StockFilter:
    category: Category | None = None
    gender: str = ""
    size: str = ""
    text: str = ""

    def parameters(self) -> dict[str, Any]:
        """The values of the filters that are set, by the names STOCK_FILTERS binds."""
        values = {
            "category": self.category,
            "gender": self.gender,
            "size": self.size,
            "pattern": f"%{self.text.strip()}%" if self.text else None,
        }
        return {name: value for name, value in values.items() if value}


# Stock lists are read as plain rows (Core), not ORM entities, which a table of 50 rows
# would only pay for; their statements are built once per language and set of filters,
# the values bound at each request.
ITEMS = Item.__table__
STOCK_ITEMS = StockItem.__table__
BALANCES = StockLevel.__table__
PATTERN = bindparam("pattern", type_=String)
STOCK_FILTERS: dict[str, ColumnElement[bool]] = {
    "category": ITEMS.c.category == bindparam("category"),
    "gender": STOCK_ITEMS.c.gender == bindparam("gender"),
    "size": STOCK_ITEMS.c.size == bindparam("size"),
    "pattern": or_(ITEMS.c.name_fr.ilike(PATTERN), ITEMS.c.name_en.ilike(PATTERN)),
}


def stock_order(locale: str) -> tuple[ColumnElement[Any], ...]:
    """How stock is listed: by category, then by the item's name in the reader's language,
    then by gender, then by size in its range's order."""
    name = ITEMS.c.name_fr if locale == "fr" else ITEMS.c.name_en
    return (
        ITEMS.c.category,
        SortName(name),
        name,
        STOCK_ITEMS.c.gender,
        SizeRank(ITEMS.c.size_range, STOCK_ITEMS.c.size),
        STOCK_ITEMS.c.size,
        STOCK_ITEMS.c.id,
    )


def stock_rows_query(
    quantities: FromClause, locale: str, filters: Iterable[str] = ()
) -> Select[*tuple[Any, ...]]:
    """Rows of stock from `quantities` (stock_item_id, quantity), in stock_order(): each
    (stock_item_id, category, name in `locale`, unit, gender, size, quantity). `filters`
    name the STOCK_FILTERS to apply; their values are bound when it runs."""
    name = ITEMS.c.name_fr if locale == "fr" else ITEMS.c.name_en
    return (
        select(
            STOCK_ITEMS.c.id.label("stock_item_id"),
            ITEMS.c.category,
            name.label("name"),
            ITEMS.c.unit,
            STOCK_ITEMS.c.gender,
            STOCK_ITEMS.c.size,
            quantities.c.quantity,
        )
        .select_from(quantities)
        .join(STOCK_ITEMS, STOCK_ITEMS.c.id == quantities.c.stock_item_id)
        .join(ITEMS, ITEMS.c.id == STOCK_ITEMS.c.item_id)
        .where(*(STOCK_FILTERS[wanted] for wanted in sorted(filters)))
        .order_by(*stock_order(locale))
    )


@dataclass(frozen=True)
class StockPage(Page[T]):
    has_need_list: bool = False  # whether the site keeps one, shown above its stock


class SiteStockStatements(NamedTuple):
    # All of a site's stock_rows_query() rows: bind site_id and filters.
    rows: Select[*tuple[Any, ...]]
    # One page of them, each row followed by the summary's columns.
    page: Select[*tuple[Any, ...]]
    summary: Select[int, bool]  # how many rows, and whether the site has need lines


@cache
def site_stock_statements(locale: str, filters: frozenset[str]) -> SiteStockStatements:
    """What a site has: its balances, but the zeros. Counted from the balances alone unless
    a filter looks at the item or variant (every balance has its stock item and item)."""
    on_hand = (BALANCES.c.site_id == bindparam("site_id"), BALANCES.c.quantity != 0)
    rows = stock_rows_query(BALANCES, locale, filters).where(*on_hand)
    count = select(func.count()).select_from(BALANCES).where(*on_hand)
    if filters:
        count = count.join_from(
            BALANCES, STOCK_ITEMS, STOCK_ITEMS.c.id == BALANCES.c.stock_item_id
        ).join(ITEMS, ITEMS.c.id == STOCK_ITEMS.c.item_id)
        count = count.where(*(STOCK_FILTERS[wanted] for wanted in sorted(filters)))
    need_lines = NeedLine.__table__
    summary = (
        count.scalar_subquery().label("total"),
        exists().where(need_lines.c.site_id == bindparam("site_id")).label("has_need_list"),
    )
    limit, offset = (bindparam(name, type_=Integer) for name in ("limit", "offset"))
    # The summary rides along with the rows (computed once): a page is one round trip.
    page = rows.add_columns(*summary).limit(limit).offset(offset)
    return SiteStockStatements(rows=rows, page=page, summary=select(*summary))


def site_stock_page(
    session: Session, site_id: int, wanted: StockFilter, page: int, per_page: int, locale: str
) -> StockPage[tuple[Any, ...]]:
    """One page of what a site has, as stock_rows_query() rows, with the count for its
    pagination and whether the site keeps a need list."""
    page = max(1, page)
    filters = wanted.parameters()
    statements = site_stock_statements(locale, frozenset(filters))
    values = {"site_id": site_id, **filters}
    bounds = {"limit": per_page, "offset": (page - 1) * per_page}
    found = session.execute(statements.page, {**values, **bounds}).all()
    if found:
        total, has_need_list = found[0][-2:]
    else:  # nothing at all, or a page past the end
        total, has_need_list = session.execute(statements.summary, values).one()
    return StockPage(
        rows=[row[:-2] for row in found],
        page=page,
        per_page=per_page,
        total=total,
        has_need_list=bool(has_need_list),
    )


def site_stock_rows(session: Session, site_id: int, locale: str) -> Sequence[Row[*tuple[Any, ...]]]:
    """Everything a site has, as stock_rows_query() rows (for an export)."""
    statement = site_stock_statements(locale, frozenset()).rows
    return session.execute(statement, {"site_id": site_id}).all()


def movement_history(
    session: Session, site_id: int, stock_item_id: int, page: int, per_page: int
) -> Page[tuple[StockMovement, int]]:
    """Movements of one item at one site, newest first, each with the balance after it."""
    running = func.sum(StockMovement.quantity).over(order_by=StockMovement.id).label("balance")
    numbered = (
        select(StockMovement.id.label("movement_id"), running)
        .where(StockMovement.site_id == site_id, StockMovement.stock_item_id == stock_item_id)
        .subquery()
    )
    query = (
        select(StockMovement, numbered.c.balance)
        .join(numbered, numbered.c.movement_id == StockMovement.id)
        .order_by(StockMovement.id.desc())
    )
    return paginate(session, query, page, per_page)


@dataclass(frozen=True)
class Need:
    line: NeedLine
    on_hand: int
    in_transit: int

    @property
    def shortfall(self) -> int:
        return max(0, self.line.target_quantity - self.on_hand - self.in_transit)


Variant = tuple[int, str, str]


def on_hand_by_variant(session: Session, site_id: int, item_ids: set[int]) -> dict[Variant, int]:
    rows = session.execute(
        select(StockItem.item_id, StockItem.gender, StockItem.size, StockLevel.quantity)
        .join(StockLevel, StockLevel.stock_item_id == StockItem.id)
        .where(StockLevel.site_id == site_id, StockItem.item_id.in_(item_ids))
    )
    return {(item_id, gender, size): quantity for item_id, gender, size, quantity in rows}


def in_transit_by_variant(session: Session, site_id: int, item_ids: set[int]) -> dict[Variant, int]:
    rows = session.execute(
        select(StockItem.item_id, StockItem.gender, StockItem.size, func.sum(CrateLine.quantity))
        .join(CrateLine, CrateLine.stock_item_id == StockItem.id)
        .join(Crate, Crate.id == CrateLine.crate_id)
        .where(
            Crate.state == CrateState.IN_TRANSIT,
            Crate.destination_site_id == site_id,
            StockItem.item_id.in_(item_ids),
        )
        .group_by(StockItem.item_id, StockItem.gender, StockItem.size)
    )
    return {(item_id, gender, size): int(total) for item_id, gender, size, total in rows}


def matching_total(counts: dict[Variant, int], line: NeedLine) -> int:
    """What counts toward a need line: its item, at its gender and size where it names one."""
    return sum(
        quantity
        for (item_id, gender, size), quantity in counts.items()
        if item_id == line.item_id
        and (not line.gender or gender == line.gender)
        and (not line.size or size == line.size)
    )


def list_needs(session: Session, site_id: int) -> list[Need]:
    """A site's need list with shortfalls: target - (on hand + in transit to the site),
    most urgent first, then the largest shortfall."""
    lines = session.scalars(select(NeedLine).where(NeedLine.site_id == site_id)).all()
    if not lines:
        return []
    item_ids = {line.item_id for line in lines}
    on_hand = on_hand_by_variant(session, site_id, item_ids)
    in_transit = in_transit_by_variant(session, site_id, item_ids)
    needs = [
        Need(line, matching_total(on_hand, line), matching_total(in_transit, line))
        for line in lines
    ]
    needs.sort(key=lambda need: (PRIORITY_ORDER[need.line.priority], -need.shortfall, need.line.id))
    return needs


def sites_with_shortfalls(session: Session) -> dict[int, int]:
    """For each public site, how many of its need lines are not yet covered."""
    counts: dict[int, int] = defaultdict(int)
    for site in list_public_collection_points(session):
        counts[site.id] = sum(1 for need in list_needs(session, site.id) if need.shortfall)
    return counts


class OnHand(NamedTuple):
    stock_item: StockItem
    quantity: int


def on_hand_at_site(session: Session, site_id: int, locale: str = "en") -> list[OnHand]:
    """Every stock item a site has, with its quantity, in stock_order()."""
    rows = session.execute(
        select(StockItem, StockLevel.quantity)
        .join(StockLevel, StockLevel.stock_item_id == StockItem.id)
        .join(Item, Item.id == StockItem.item_id)
        .where(StockLevel.site_id == site_id, StockLevel.quantity != 0)
        .order_by(*stock_order(locale))
    )
    return [OnHand(stock_item, quantity) for stock_item, quantity in rows]
