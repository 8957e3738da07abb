"""What a donor sees in their area: their gifts and receipts, their monthly gifts, what
their gifts paid for; and, for the treasurer, the gifts whose receipt waits for a
donor's details."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from flask_babel import gettext as _
from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import joinedload

from app.clock import local_day
from app.errors import NotFound
from app.extensions import Session
from app.pagination import Page, scalars_page
from donations.models import Donation, Donor, Frequency, Fund, FundSpending, MonthlyGift, Receipt

T = TypeVar("T")


def list_gifts(session: Session, donor: Donor, *, page: int, per_page: int) -> Page[Donation]:
    """The donor's payments, newest first."""
    query = (
        select(Donation)
        .where(Donation.donor_id == donor.id)
        .options(joinedload(Donation.fund), joinedload(Donation.gift_item))
        .order_by(func.coalesce(Donation.paid_at, Donation.created_at).desc(), Donation.id.desc())
    )
    return scalars_page(session, query, page, per_page)


def list_donor_receipts(
    session: Session, donor: Donor, *, page: int, per_page: int
) -> Page[Receipt]:
    query = (
        select(Receipt)
        .where(Receipt.donor_id == donor.id)
        .order_by(Receipt.issued_at.desc(), Receipt.id.desc())
    )
    return scalars_page(session, query, page, per_page)


def get_donor_receipt(session: Session, donor: Donor, number: str) -> Receipt:
    """One of the donor's own receipts: another donor's number is not found."""
    receipt = session.scalar(
        select(Receipt).where(Receipt.number == number, Receipt.donor_id == donor.id)
    )
    if receipt is None:
        raise NotFound(_("You have no receipt with this number."))
    return receipt


def list_active_monthly_gifts(session: Session, donor: Donor) -> Sequence[MonthlyGift]:
    return session.scalars(
        select(MonthlyGift)
        .where(MonthlyGift.donor_id == donor.id, MonthlyGift.active)
        .options(joinedload(MonthlyGift.fund))
        .order_by(MonthlyGift.started_at, MonthlyGift.id)
    ).all()


@dataclass(frozen=True)
class FundMonth:
    """What a gift's fund paid for in the month the gift was paid: the first few
    spendings of that month, and how many there were in all."""

    fund: Fund
    month: date  # its first day
    spendings: list[FundSpending]
    count: int

    @property
    def more(self) -> int:
        return self.count - len(self.spendings)


SPENDINGS_SHOWN = 5


def gift_month(gift: Donation) -> date | None:
    """The month, in France, a gift was paid in; None for a gift that is not money in."""
    if gift.paid_at is None or not gift.counts_as_income:
        return None
    return local_day(gift.paid_at).replace(day=1)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def what_gifts_paid_for(session: Session, gifts: Sequence[Donation]) -> dict[int, FundMonth]:
    """For each paid gift (by id), what its fund paid for in the month of the gift, in one
    query: the spendings of each (fund, month) are numbered and the first few kept."""
    months = {gift.id: (gift.fund, month) for gift in gifts if (month := gift_month(gift))}
    pairs = sorted({(fund.id, month) for fund, month in months.values()})
    if not pairs:
        return {}
    in_pair = [
        and_(
            FundSpending.fund_id == fund_id,
            FundSpending.spent_on >= month,
            FundSpending.spent_on < next_month(month),
        )
        for fund_id, month in pairs
    ]
    pair = case(*((condition, index) for index, condition in enumerate(in_pair)))
    numbered = (
        select(
            FundSpending.id,
            pair.label("pair"),
            func.row_number()
            .over(partition_by=pair, order_by=(FundSpending.spent_on, FundSpending.id))
            .label("rank"),
            func.count().over(partition_by=pair).label("total"),
        )
        .where(FundSpending.cancelled_at.is_(None), or_(*in_pair))
        .subquery()
    )
    rows = session.execute(
        select(FundSpending, numbered.c.pair, numbered.c.total)
        .join(numbered, numbered.c.id == FundSpending.id)
        .where(numbered.c.rank <= SPENDINGS_SHOWN)
        .order_by(numbered.c.pair, numbered.c.rank)
    )
    found: dict[tuple[int, date], tuple[list[FundSpending], int]] = {}
    for spending, index, total in rows:
        found.setdefault(pairs[index], ([], total))[0].append(spending)
    result = {}
    for gift_id, (fund, month) in months.items():
        if (fund.id, month) in found:
            spendings, total = found[(fund.id, month)]
            result[gift_id] = FundMonth(fund, month, spendings, total)
    return result


def gives_monthly(session: Session, donor: Donor) -> bool:
    """Whether the choice between yearly and per-payment receipts concerns this donor."""
    monthly_gift = exists().where(MonthlyGift.donor_id == donor.id)
    monthly_donation = exists().where(
        Donation.donor_id == donor.id, Donation.frequency == Frequency.MONTHLY
    )
    return bool(session.scalar(select(or_(monthly_gift, monthly_donation))))


def details_needed(session: Session, donor: Donor) -> bool:
    """Whether a receipt of the donor waits for their name and postal address."""
    waiting = exists().where(Donation.donor_id == donor.id, Donation.awaiting_details)
    return bool(session.scalar(select(waiting)))


def list_waiting_for_details(session: Session, *, page: int, per_page: int) -> Page[Donation]:
    """For the treasurer: paid gifts whose receipt waits for a name and postal address,
    oldest first, with their donor."""
    query = (
        select(Donation)
        .where(Donation.awaiting_details)
        .options(joinedload(Donation.donor), joinedload(Donation.fund))
        .order_by(Donation.paid_at, Donation.id)
    )
    return scalars_page(session, query, page, per_page)
