"""The register of receipts the treasurer keeps and declares, and the yearly summaries
due to monthly donors."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from app.extensions import Session
from app.pagination import Page, paginate
from donations.models import Donation, Receipt, ReceiptKind
from donations.receipts import due_for_yearly_receipt


@dataclass(frozen=True)
class RegisterYear:
    """What the art. 222 bis declaration asks: receipts issued in a year and their total
    (cancelled ones counted apart: their numbers are used, their amounts are not)."""

    year: int
    valid_count: int
    valid_cents: int
    cancelled_count: int


def register_years(session: Session) -> list[RegisterYear]:
    valid = Receipt.cancelled_at.is_(None)
    query = (
        select(
            Receipt.year,
            func.count().filter(valid),
            func.coalesce(func.sum(Receipt.amount_cents).filter(valid), 0),
            func.count().filter(~valid),
        )
        .group_by(Receipt.year)
        .order_by(Receipt.year.desc())
    )
    return [RegisterYear(*row) for row in session.execute(query)]


def receipts_of_year(year: int) -> Select[Receipt]:
    return (
        select(Receipt)
        .options(joinedload(Receipt.replaces))
        .where(Receipt.year == year)
        .order_by(Receipt.sequence)
    )


def list_receipts(session: Session, year: int, page: int, per_page: int) -> Page[Any]:
    return paginate(session, receipts_of_year(year), page, per_page)


def count_yearly_receipts(session: Session, year: int) -> int:
    return (
        session.scalar(
            select(func.count()).where(Receipt.year == year, Receipt.kind == ReceiptKind.YEARLY)
        )
        or 0
    )


@dataclass(frozen=True)
class YearlyDue:
    """The yearly summaries the treasurer's button would issue: one per donor."""

    receipts: int
    cents: int


def yearly_receipts_due(session: Session, year: int) -> YearlyDue:
    """How many yearly receipts of `year` are due and what they add up to, from the very
    rule that issues them (what each gift kept, as a receipt prints it)."""
    kept = Donation.amount_cents - Donation.refunded_cents
    query = due_for_yearly_receipt(year).with_only_columns(
        func.count(Donation.donor_id.distinct()), func.coalesce(func.sum(kept), 0)
    )
    receipts, cents = session.execute(query).one()
    return YearlyDue(int(receipts), int(cents))
