"""The stock ledger's tables (only inventory/ledger.py writes them) and stocktakes."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow
from app.extensions import Model
from app.labels import LabelledEnum
from app.models import User, UTCDateTime, str_enum
from inventory.models.catalogue import Site, StockItem
from inventory.models.crates import Crate


class MovementReason(LabelledEnum):
    RECEIVED = "received", _l("Received")
    TRANSFER_OUT = "transfer_out", _l("Sent to another site")
    TRANSFER_IN = "transfer_in", _l("Arrived from another site")
    LOADED = "loaded", _l("Loaded on a van")
    DISTRIBUTED = "distributed", _l("Distributed")
    RETURNED = "returned", _l("Returned")
    ADJUSTED = "adjusted", _l("Adjusted")
    SCRAPPED = "scrapped", _l("Scrapped")
    EXPIRED = "expired", _l("Expired")


class StockMovement(Model):
    """Append-only: never updated, never deleted. Mistakes get a reversing movement."""

    __tablename__ = "stock_movements"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    stock_item_id: Mapped[int] = mapped_column(ForeignKey("stock_items.id"))
    quantity: Mapped[int]
    reason: Mapped[MovementReason] = mapped_column(str_enum(MovementReason))
    crate_id: Mapped[int | None] = mapped_column(ForeignKey("crates.id"), index=True)
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("stock_movements.id"))
    reference: Mapped[str] = mapped_column(String(64), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    event_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    stock_item: Mapped[StockItem] = relationship()
    actor: Mapped[User | None] = relationship()

    __table_args__ = (
        CheckConstraint("quantity <> 0", name="quantity_not_zero"),
        Index("ix_stock_movements_site_item", "site_id", "stock_item_id", "id"),
    )


class StockLevel(Model):
    """The running balance of one stock item at one site."""

    __tablename__ = "stock_levels"

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), primary_key=True)
    stock_item_id: Mapped[int] = mapped_column(ForeignKey("stock_items.id"), primary_key=True)
    quantity: Mapped[int] = mapped_column(default=0)

    stock_item: Mapped[StockItem] = relationship()

    # How many items a site has, counted from the index alone (its stock page's pagination).
    __table_args__ = (Index("ix_stock_levels_site_quantity", "site_id", "quantity"),)


class StocktakeStatus(StrEnum):
    OPEN = "open"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


class Stocktake(Model):
    """A count of one site: crates scanned and loose quantities entered, then confirmed
    into adjustments and lost crates in one go."""

    __tablename__ = "stocktakes"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    status: Mapped[StocktakeStatus] = mapped_column(
        str_enum(StocktakeStatus), default=StocktakeStatus.OPEN
    )
    started_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    site: Mapped[Site] = relationship()
    started_by: Mapped[User] = relationship(foreign_keys=[started_by_id])

    __table_args__ = (
        Index(
            "uq_stocktakes_open_per_site",
            "site_id",
            unique=True,
            postgresql_where=text("status = 'open'"),
            sqlite_where=text("status = 'open'"),
        ),
    )
    scans: Mapped[list[StocktakeScan]] = relationship(
        cascade="all, delete-orphan", order_by="StocktakeScan.id.desc()"
    )
    counts: Mapped[list[StocktakeCount]] = relationship(
        cascade="all, delete-orphan", order_by="StocktakeCount.id"
    )


class StocktakeScan(Model):
    __tablename__ = "stocktake_scans"

    id: Mapped[int] = mapped_column(primary_key=True)
    stocktake_id: Mapped[int] = mapped_column(ForeignKey("stocktakes.id", ondelete="CASCADE"))
    crate_id: Mapped[int] = mapped_column(ForeignKey("crates.id"))

    crate: Mapped[Crate] = relationship(lazy="joined", innerjoin=True)

    __table_args__ = (UniqueConstraint("stocktake_id", "crate_id", name="stocktake_crate"),)


class StocktakeCount(Model):
    """A loose quantity counted during a stocktake (what is not in any crate)."""

    __tablename__ = "stocktake_counts"

    id: Mapped[int] = mapped_column(primary_key=True)
    stocktake_id: Mapped[int] = mapped_column(ForeignKey("stocktakes.id", ondelete="CASCADE"))
    stock_item_id: Mapped[int] = mapped_column(ForeignKey("stock_items.id"))
    counted: Mapped[int]

    stock_item: Mapped[StockItem] = relationship(lazy="joined", innerjoin=True)

    __table_args__ = (
        UniqueConstraint("stocktake_id", "stock_item_id", name="stocktake_item"),
        CheckConstraint("counted >= 0", name="counted_not_negative"),
    )
