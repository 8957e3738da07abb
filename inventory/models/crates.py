"""Crates: their states, their contents, the actions of their history, and the
batches their labels are printed in."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow
from app.extensions import Model
from app.labels import LabelledEnum
from app.models import User, UTCDateTime, str_enum
from inventory.codes import display_code
from inventory.models.catalogue import Site, StockItem


class CrateState(LabelledEnum):
    EMPTY = "empty", _l("Empty")
    IN_STOCK = "in_stock", _l("In stock")
    IN_TRANSIT = "in_transit", _l("In transit")
    DISTRIBUTED = "distributed", _l("Distributed")
    SCRAPPED = "scrapped", _l("Scrapped")
    LOST = "lost", _l("Lost")


class CrateAction(LabelledEnum):
    """What is done to a crate, by its value as the crate's history records it, with its
    label there. Which action may follow which state is inventory/lifecycle.py's to say."""

    CREATE = "created", _l("Label printed")
    PACK = "packed", _l("Packed")
    EDIT_CONTENTS = "contents_edited", _l("Contents corrected")
    CHECK_IN = "checked_in", _l("Checked in")
    PLACE = "placed", _l("Moved within the site")
    DISPATCH = "dispatched", _l("Sent to another site")
    DISTRIBUTE = "distributed", _l("Distributed")
    LOAD = "loaded", _l("Loaded on a van")
    UNLOAD = "unloaded", _l("Taken off the van")
    RETURN = "returned", _l("Brought back from a distribution")
    SCRAP = "scrapped", _l("Scrapped")
    LOSE = "lost", _l("Marked lost after a stocktake")
    REUSE = "reused", _l("Label used again: a new life begins")


class Crate(Model):
    __tablename__ = "crates"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    state: Mapped[CrateState] = mapped_column(str_enum(CrateState), default=CrateState.EMPTY)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"), index=True)
    destination_site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"), index=True)
    expiry_date: Mapped[date | None]
    weight_grams: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    # Where inside its site ("Shelf B3", "Container 2"); None once it leaves the site.
    place: Mapped[str | None] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    site: Mapped[Site | None] = relationship(foreign_keys=[site_id])
    destination: Mapped[Site | None] = relationship(foreign_keys=[destination_site_id])
    lines: Mapped[list[CrateLine]] = relationship(
        back_populates="crate", cascade="all, delete-orphan", order_by="CrateLine.id"
    )

    __table_args__ = (
        Index("ix_crates_state_site", "state", "site_id"),
        CheckConstraint("weight_grams IS NULL OR weight_grams >= 0", name="weight_not_negative"),
    )

    @property
    def display_code(self) -> str:
        return display_code(self.code)


class LabelBatch(Model):
    """Blank crates made together to print their labels: the labels open from a short
    address (?batch=ID), however many crates there are."""

    __tablename__ = "label_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The crates' codes, in the order their labels print, separated by commas.
    codes: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def code_list(self) -> list[str]:
        return self.codes.split(",")


class CrateLine(Model):
    __tablename__ = "crate_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    crate_id: Mapped[int] = mapped_column(ForeignKey("crates.id", ondelete="CASCADE"))
    stock_item_id: Mapped[int] = mapped_column(ForeignKey("stock_items.id"))
    quantity: Mapped[int]

    crate: Mapped[Crate] = relationship(back_populates="lines")
    stock_item: Mapped[StockItem] = relationship(lazy="joined", innerjoin=True)

    __table_args__ = (
        UniqueConstraint("crate_id", "stock_item_id", name="crate_line_item"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        Index("ix_crate_lines_stock_item_id", "stock_item_id"),
    )


class CrateEvent(Model):
    """One entry of a crate's timeline: who did what, when, where."""

    __tablename__ = "crate_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    crate_id: Mapped[int] = mapped_column(ForeignKey("crates.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[CrateAction] = mapped_column(str_enum(CrateAction))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    detail: Mapped[str] = mapped_column(Text, default="")

    actor: Mapped[User | None] = relationship()
    site: Mapped[Site | None] = relationship()
