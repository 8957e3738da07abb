"""Distributions: each team's week template, the day plan made from it, what each van
loads and what happened on the run.

Stock a van loads leaves the departure warehouse for the distribution's place through the
ledger (reason "loaded"); after the run what was handed out leaves the place as
distributed, what came back returns to the warehouse, and what neither is written off.
Only counts of people served are kept: never names or anything personal."""

from __future__ import annotations

from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow
from app.extensions import Model
from app.labels import LabelledEnum
from app.models import User, UTCDateTime, str_enum
from inventory.models import Crate, Site, StockItem
from logistics.models.vehicles import Vehicle

WEEKDAY_LABELS = (
    _l("Monday"),
    _l("Tuesday"),
    _l("Wednesday"),
    _l("Thursday"),
    _l("Friday"),
    _l("Saturday"),
    _l("Sunday"),
)


class DistributionStatus(LabelledEnum):
    PLANNED = "planned", _l("Planned")
    LOADING = "loading", _l("Loading")
    OUT = "out", _l("Out")
    DONE = "done", _l("Done")
    CANCELLED = "cancelled", _l("Cancelled")


class Team(Model):
    """The people who run a town's distributions, and the warehouse their vans load at."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    departure_site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))

    departure_site: Mapped[Site] = relationship(lazy="joined", innerjoin=True)

    def __str__(self) -> str:
        return self.name


class WeekSlot(Model):
    """One distribution of a team's usual week: Calais, Tuesday, lunch at Verrotières."""

    __tablename__ = "week_slots"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    weekday: Mapped[int] = mapped_column(SmallInteger)
    label: Mapped[str] = mapped_column(String(80))
    place_site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    starts_at: Mapped[time]
    ends_at: Mapped[time]
    expected_people: Mapped[int]
    team_size: Mapped[int]
    active: Mapped[bool] = mapped_column(default=True)

    team: Mapped[Team] = relationship(lazy="joined", innerjoin=True)
    place: Mapped[Site] = relationship(lazy="joined", innerjoin=True)
    lines: Mapped[list[WeekSlotLine]] = relationship(
        cascade="all, delete-orphan", order_by="WeekSlotLine.id"
    )

    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_in_range"),
        CheckConstraint("starts_at < ends_at", name="slot_starts_before_end"),
        CheckConstraint("expected_people >= 0", name="slot_people_not_negative"),
        CheckConstraint("team_size BETWEEN 1 AND 99", name="slot_team_in_range"),
    )


class WeekSlotLine(Model):
    """A standard quantity of a week slot's pick list: `quantity` per `per_people`
    people, or `quantity` for the whole distribution when `per_people` is None ("1 meal
    per person", "1 pack of sugar per 20 people", "10 blankets")."""

    __tablename__ = "week_slot_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("week_slots.id", ondelete="CASCADE"))
    stock_item_id: Mapped[int] = mapped_column(ForeignKey("stock_items.id"))
    quantity: Mapped[int]
    per_people: Mapped[int | None]

    stock_item: Mapped[StockItem] = relationship(lazy="joined", innerjoin=True)

    __table_args__ = (
        UniqueConstraint("slot_id", "stock_item_id", name="week_slot_line_item"),
        CheckConstraint("quantity > 0", name="slot_line_quantity_positive"),
        CheckConstraint("per_people IS NULL OR per_people > 0", name="slot_line_per_positive"),
    )

    def for_people(self, people: int) -> int:
        if self.per_people is None:
            return self.quantity
        return -(-self.quantity * people // self.per_people)


class Distribution(Model):
    """One distribution on one day: where, when, which van, who leads, what it takes,
    and, once done, how many people were served."""

    __tablename__ = "distributions"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    # The template entry it was made from: generating a day twice makes nothing twice.
    slot_id: Mapped[int | None] = mapped_column(ForeignKey("week_slots.id", ondelete="SET NULL"))
    label: Mapped[str] = mapped_column(String(80))
    place_site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    departure_site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    starts_at: Mapped[time]
    ends_at: Mapped[time]
    expected_people: Mapped[int]
    team_size: Mapped[int]
    vehicle_id: Mapped[int | None] = mapped_column(ForeignKey("vehicles.id"))
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[DistributionStatus] = mapped_column(
        str_enum(DistributionStatus), default=DistributionStatus.PLANNED
    )
    served_adults: Mapped[int | None]
    served_minors: Mapped[int | None]
    served_families: Mapped[int | None]
    notes: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    team: Mapped[Team] = relationship(lazy="joined", innerjoin=True)
    place: Mapped[Site] = relationship(foreign_keys=[place_site_id], lazy="joined", innerjoin=True)
    departure: Mapped[Site] = relationship(
        foreign_keys=[departure_site_id], lazy="joined", innerjoin=True
    )
    vehicle: Mapped[Vehicle | None] = relationship(lazy="joined")
    lead: Mapped[User | None] = relationship(foreign_keys=[lead_id], lazy="joined")
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])
    lines: Mapped[list[DistributionLine]] = relationship(
        cascade="all, delete-orphan", order_by="DistributionLine.id"
    )

    __table_args__ = (
        UniqueConstraint("slot_id", "day", name="distribution_slot_day"),
        CheckConstraint("starts_at < ends_at", name="distribution_starts_before_end"),
        CheckConstraint("expected_people >= 0", name="distribution_people_not_negative"),
        CheckConstraint("team_size BETWEEN 1 AND 99", name="distribution_team_in_range"),
        CheckConstraint(
            "served_adults IS NULL OR served_adults >= 0", name="served_adults_not_negative"
        ),
        CheckConstraint(
            "served_minors IS NULL OR served_minors >= 0", name="served_minors_not_negative"
        ),
        CheckConstraint(
            "served_families IS NULL OR served_families >= 0",
            name="served_families_not_negative",
        ),
        Index("ix_distributions_vehicle_day", "vehicle_id", "day"),
    )

    @property
    def is_open(self) -> bool:
        """Still to be run: its plan can change and stock can be loaded."""
        return self.status in (DistributionStatus.PLANNED, DistributionStatus.LOADING)

    @property
    def reference(self) -> str:
        """How the ledger's movements point back at this distribution."""
        return f"distribution:{self.id}"


class DistributionLine(Model):
    """A line of a distribution's pick list: what the van should take."""

    __tablename__ = "distribution_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    distribution_id: Mapped[int] = mapped_column(
        ForeignKey("distributions.id", ondelete="CASCADE"), index=True
    )
    stock_item_id: Mapped[int] = mapped_column(ForeignKey("stock_items.id"))
    quantity: Mapped[int]

    stock_item: Mapped[StockItem] = relationship(lazy="joined", innerjoin=True)

    __table_args__ = (
        UniqueConstraint("distribution_id", "stock_item_id", name="distribution_line_item"),
        CheckConstraint("quantity > 0", name="distribution_line_quantity_positive"),
    )


class DistributionLoad(Model):
    """Stock put on the van for a distribution: loose units, or one line of a crate.
    Append-only, like the ledger movements it goes with."""

    __tablename__ = "distribution_loads"

    id: Mapped[int] = mapped_column(primary_key=True)
    distribution_id: Mapped[int] = mapped_column(
        ForeignKey("distributions.id", ondelete="CASCADE"), index=True
    )
    stock_item_id: Mapped[int] = mapped_column(ForeignKey("stock_items.id"))
    quantity: Mapped[int]
    crate_id: Mapped[int | None] = mapped_column(ForeignKey("crates.id"), index=True)
    loaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    stock_item: Mapped[StockItem] = relationship(lazy="joined", innerjoin=True)
    crate: Mapped[Crate | None] = relationship()

    __table_args__ = (CheckConstraint("quantity <> 0", name="load_quantity_not_zero"),)


class DistributionResult(Model):
    """After the run, per item: handed out, brought back, written off (spoilt, lost)."""

    __tablename__ = "distribution_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    distribution_id: Mapped[int] = mapped_column(
        ForeignKey("distributions.id", ondelete="CASCADE"), index=True
    )
    stock_item_id: Mapped[int] = mapped_column(ForeignKey("stock_items.id"))
    handed_out: Mapped[int]
    returned: Mapped[int]
    written_off: Mapped[int]

    stock_item: Mapped[StockItem] = relationship(lazy="joined", innerjoin=True)

    __table_args__ = (
        UniqueConstraint("distribution_id", "stock_item_id", name="distribution_result_item"),
        CheckConstraint(
            "handed_out >= 0 AND returned >= 0 AND written_off >= 0",
            name="result_not_negative",
        ),
    )
