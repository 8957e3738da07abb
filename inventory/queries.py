"""Reads shared by pages and the API. Lists are paginated in SQL."""

import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

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

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    rows: Sequence[T]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def paginate(session: Session, query: Select[Any], page: int, per_page: int) -> Page[Any]:
    page = max(1, page)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    return Page(rows=rows, page=page, per_page=per_page, total=total)


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


def folded(text: str) -> str:
    """Lower case without accents: "Tee-shirt" matches "tée", "Chaussures" matches "chaus"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


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


def crates_at_site(session: Session, site_id: int) -> Sequence[Crate]:
    return session.scalars(
        select(Crate)
        .where(Crate.site_id == site_id, Crate.state == CrateState.IN_STOCK)
        .order_by(Crate.code)
    ).all()


# --- stock and needs ------------------------------------------------------------------


@dataclass(frozen=True)
class StockFilter:
    category: Category | None = None
    gender: str = ""
    size: str = ""
    text: str = ""


def site_stock_query(site_id: int, wanted: StockFilter) -> Select[tuple[StockItem, int]]:
    query = (
        select(StockItem, StockLevel.quantity)
        .join(StockLevel, StockLevel.stock_item_id == StockItem.id)
        .join(Item, Item.id == StockItem.item_id)
        .where(StockLevel.site_id == site_id, StockLevel.quantity != 0)
        .order_by(Item.category, Item.name_en, StockItem.gender, StockItem.size)
    )
    if wanted.category:
        query = query.where(Item.category == wanted.category)
    if wanted.gender:
        query = query.where(StockItem.gender == wanted.gender)
    if wanted.size:
        query = query.where(StockItem.size == wanted.size)
    if wanted.text:
        pattern = f"%{wanted.text.strip()}%"
        query = query.where(or_(Item.name_fr.ilike(pattern), Item.name_en.ilike(pattern)))
    return query


def site_stock_page(
    session: Session, site_id: int, wanted: StockFilter, page: int, per_page: int
) -> Page[tuple[StockItem, int]]:
    return paginate(session, site_stock_query(site_id, wanted), page, per_page)


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


def on_hand_at_site(session: Session, site_id: int) -> Sequence[tuple[StockItem, int]]:
    return session.execute(site_stock_query(site_id, StockFilter())).all()
