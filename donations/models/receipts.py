"""Tax receipts with their yearly counters, and the tax rules.

A receipt is never edited: it is cancelled and another is issued. Only
donations/receipts.py allocates receipt numbers."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, Table, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow
from app.extensions import Model, db
from app.models import UTCDateTime, str_enum
from donations.models.gifts import Donation, Donor, PaymentMethod

receipt_donations = Table(
    "receipt_donations",
    db.metadata,
    Column("receipt_id", ForeignKey("receipts.id"), primary_key=True),
    Column("donation_id", ForeignKey("donations.id"), primary_key=True),
)


class ReceiptKind(StrEnum):
    SINGLE = "single"  # one gift, issued as soon as it is paid
    YEARLY = "yearly"  # every gift of a monthly donor over a calendar year


class Receipt(Model):
    """A tax receipt (reçu fiscal). Its number, amount, donor name and address are fixed
    when it is issued; cancelling keeps it, so its number is never reused."""

    __tablename__ = "receipts"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(16), unique=True)
    year: Mapped[int]
    sequence: Mapped[int]
    kind: Mapped[ReceiptKind] = mapped_column(str_enum(ReceiptKind))
    donor_id: Mapped[int | None] = mapped_column(ForeignKey("donors.id"), index=True)
    donor_name: Mapped[str] = mapped_column(String(200))
    donor_address: Mapped[str] = mapped_column(Text)
    amount_cents: Mapped[int]
    gift_date: Mapped[date | None]
    period_start: Mapped[date | None]
    period_end: Mapped[date | None]
    payment_method: Mapped[PaymentMethod] = mapped_column(str_enum(PaymentMethod))
    articles: Mapped[str] = mapped_column(String(32), default="200")
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("receipts.id"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str] = mapped_column(String(200), default="")
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    donor: Mapped[Donor | None] = relationship()
    replaces: Mapped[Receipt | None] = relationship(remote_side=[id])
    donations: Mapped[list[Donation]] = relationship(secondary=receipt_donations)

    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="positive_amount"),
        Index("uq_receipts_year_sequence", "year", "sequence", unique=True),
        # What the receipt sender looks for every second or so: few rows, whatever the
        # years of receipts behind them.
        Index(
            "ix_receipts_unsent",
            "id",
            postgresql_where=text("emailed_at IS NULL"),
            sqlite_where=text("emailed_at IS NULL"),
        ),
    )

    @property
    def cancelled(self) -> bool:
        return self.cancelled_at is not None


class ReceiptCounter(Model):
    """The last receipt number given in a year; its row is locked while a number is taken."""

    __tablename__ = "receipt_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_sequence: Mapped[int] = mapped_column(default=0)


class TaxScheme(StrEnum):
    GENERAL = "general"  # art. 200-1 CGI
    PEOPLE_IN_DIFFICULTY = "people_in_difficulty"  # art. 200-1 ter CGI


class TaxRule(Model):
    """How much of a gift a French taxpayer deducts, from a date on. Rules are data:
    when the law changes, a row is added with its date of effect."""

    __tablename__ = "tax_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme: Mapped[TaxScheme] = mapped_column(str_enum(TaxScheme))
    effective_from: Mapped[date]
    rate_percent: Mapped[int]
    yearly_ceiling_cents: Mapped[int | None]
    income_cap_percent: Mapped[int | None]
    reference: Mapped[str] = mapped_column(String(200))

    __table_args__ = (
        Index("uq_tax_rules_scheme_effective_from", "scheme", "effective_from", unique=True),
    )
