"""Reads shared by the donation pages."""

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from donations.models import Donation, DonationStatus, GiftItem

INCOME_STATUSES = (DonationStatus.PAID, DonationStatus.PARTIALLY_REFUNDED)


@dataclass(frozen=True)
class GiftOffer:
    item: GiftItem
    raised_cents: int

    @property
    def progress_percent(self) -> int:
        if not self.item.target_cents:
            return 0
        return min(100, self.raised_cents * 100 // self.item.target_cents)


def list_gift_offers(session: Session) -> list[GiftOffer]:
    """Active gift items in their order, with what was raised for those with a target."""
    raised = (
        select(
            Donation.gift_item_id,
            func.sum(Donation.amount_cents - Donation.refunded_cents).label("raised"),
        )
        .where(Donation.status.in_(INCOME_STATUSES))
        .group_by(Donation.gift_item_id)
        .subquery()
    )
    rows = session.execute(
        select(GiftItem, func.coalesce(raised.c.raised, 0))
        .outerjoin(raised, raised.c.gift_item_id == GiftItem.id)
        .where(GiftItem.active)
        .order_by(GiftItem.position, GiftItem.id)
    )
    return [GiftOffer(item, int(total)) for item, total in rows]
