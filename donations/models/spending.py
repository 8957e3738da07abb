"""What each fund spent: money out, written only by donations.services.spending."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow
from app.extensions import Model
from app.models import UTCDateTime, str_enum
from donations.models.gifts import Fund


class SpendingKind(StrEnum):
    FUEL = "fuel"
    OTHER = "other"


class FundSpending(Model):
    """Money out of a fund: what its earmarked gifts paid for. Written only by
    donations.services.spending. Never edited: a mistake is cancelled (the row stays, marked) and
    recorded again. What it bought is kept as data (litres, a vehicle's name), so the
    sentence a donor reads is written in their language when it is shown."""

    __tablename__ = "fund_spendings"

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id"))
    amount_cents: Mapped[int]
    spent_on: Mapped[date]
    kind: Mapped[SpendingKind] = mapped_column(str_enum(SpendingKind))
    litres_cl: Mapped[int | None]
    subject: Mapped[str] = mapped_column(String(120), default="")
    description: Mapped[str] = mapped_column(String(200), default="")
    # Who wrote it and why, e.g. "fuel:123" for fill-up 123: unique, so a spending is
    # recorded once, and found again to be cancelled.
    reference: Mapped[str] = mapped_column(String(64), unique=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    fund: Mapped[Fund] = relationship(lazy="joined")

    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="positive_amount"),
        CheckConstraint("litres_cl IS NULL OR litres_cl > 0", name="positive_litres"),
        Index("ix_fund_spendings_fund_spent_on", "fund_id", "spent_on"),
    )

    @property
    def cancelled(self) -> bool:
        return self.cancelled_at is not None
