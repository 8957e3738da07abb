"""Funds and the impact catalogue, donors, donations and monthly gifts, and the Stripe
events received. Amounts are integer cents in euros."""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow
from app.extensions import Model
from app.labels import LabelledEnum
from app.models import UTCDateTime, str_enum

if TYPE_CHECKING:
    from donations.models.receipts import Receipt


def new_public_id() -> str:
    """An id that can be shown in a URL without revealing how many donations there are."""
    return secrets.token_urlsafe(16)


class Fund(Model):
    """Where money is earmarked: fuel, vehicles, emergency housing, general."""

    __tablename__ = "funds"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_fr: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(default=True)
    # A treasurer's choice: fill-ups may draw on this fund (gifts for fuel, for the vans).
    pays_for_fuel: Mapped[bool] = mapped_column(default=False)

    def name(self, locale: str) -> str:
        return self.name_fr if locale == "fr" else self.name_en


class GiftItem(Model):
    """Something concrete a gift pays for ("50 EUR fills a van's tank"), earmarked to a fund."""

    __tablename__ = "gift_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id"), index=True)
    title_fr: Mapped[str] = mapped_column(String(160))
    title_en: Mapped[str] = mapped_column(String(160))
    text_fr: Mapped[str] = mapped_column(Text, default="")
    text_en: Mapped[str] = mapped_column(Text, default="")
    amount_cents: Mapped[int]
    picture: Mapped[str] = mapped_column(String(200), default="")
    target_cents: Mapped[int | None]
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    fund: Mapped[Fund] = relationship(lazy="joined")

    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="positive_amount"),
        CheckConstraint("target_cents IS NULL OR target_cents > 0", name="positive_target"),
    )

    def title(self, locale: str) -> str:
        return self.title_fr if locale == "fr" else self.title_en

    def text(self, locale: str) -> str:
        return self.text_fr if locale == "fr" else self.text_en


class Donor(Model):
    """A person who gave. Erasing a donor blanks what no receipt needs; receipts keep
    their own copy of the name and address for the six years the law asks."""

    __tablename__ = "donors"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    address_line1: Mapped[str] = mapped_column(String(200), default="")
    address_line2: Mapped[str] = mapped_column(String(200), default="")
    postcode: Mapped[str] = mapped_column(String(20), default="")
    city: Mapped[str] = mapped_column(String(120), default="")
    country: Mapped[str] = mapped_column(String(2), default="FR")
    locale: Mapped[str] = mapped_column(String(5), default="fr")
    consent_contact: Mapped[bool] = mapped_column(default=False)
    yearly_receipt: Mapped[bool] = mapped_column(default=True)
    stripe_customer_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The nonce of the one sign-in link that may still be used (donations/services/donors.py):
    # a new link replaces it, using the link clears it.
    sign_in_nonce: Mapped[str | None] = mapped_column(String(32))
    # When the donor was last asked by email to give the name and postal address their
    # receipts need; cleared once they do, so that they are asked once per wait.
    details_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def postal_address(self) -> str:
        return postal_address(
            self.address_line1, self.address_line2, self.postcode, self.city, self.country
        )


def postal_address(line1: str, line2: str, postcode: str, city: str, country: str) -> str:
    """An address as a receipt prints it, the country only when not France."""
    lines = [line1, line2, f"{postcode} {city}".strip()]
    if country and country != "FR":
        lines.append(country)
    return "\n".join(line for line in lines if line)


class Frequency(LabelledEnum):
    ONCE = "once", _l("Once")
    MONTHLY = "monthly", _l("Monthly")


class DonationStatus(LabelledEnum):
    PENDING = (
        "pending",
        _l("Pending"),
    )  # the donor is at the payment page, or a SEPA debit is on its way
    PAID = "paid", _l("Paid")
    FAILED = "failed", _l("Failed")
    REFUNDED = "refunded", _l("Refunded")
    PARTIALLY_REFUNDED = "partially_refunded", _l("Partly refunded")
    DISPUTED = "disputed", _l("Disputed")
    DISPUTE_LOST = "dispute_lost", _l("Dispute lost")  # the bank took the money back


# A donation is money in while it is paid, or partly refunded (for what was kept).
INCOME_STATUSES = (DonationStatus.PAID, DonationStatus.PARTIALLY_REFUNDED)


class PaymentMethod(StrEnum):
    CARD = "card"
    SEPA_DEBIT = "sepa_debit"
    TRANSFER = "transfer"
    CHEQUE = "cheque"
    CASH = "cash"


# The words of the Cerfa 11580*05 model: receipts are French documents.
PAYMENT_METHOD_ON_RECEIPT = {
    PaymentMethod.CARD: "Carte bancaire",
    PaymentMethod.SEPA_DEBIT: "Prélèvement SEPA",
    PaymentMethod.TRANSFER: "Virement",
    PaymentMethod.CHEQUE: "Chèque",
    PaymentMethod.CASH: "Espèces",
}


class Gateway(StrEnum):
    STRIPE = "stripe"
    DEMO = "demo"


class MonthlyGift(Model):
    """A Stripe subscription: each monthly payment becomes a Donation of its own."""

    __tablename__ = "monthly_gifts"

    id: Mapped[int] = mapped_column(primary_key=True)
    donor_id: Mapped[int | None] = mapped_column(ForeignKey("donors.id"), index=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id"))
    gift_item_id: Mapped[int | None] = mapped_column(ForeignKey("gift_items.id"))
    amount_cents: Mapped[int]
    stripe_subscription_id: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    donor: Mapped[Donor | None] = relationship()
    fund: Mapped[Fund] = relationship()


class Donation(Model):
    """One payment: a one-off gift, or one month of a monthly gift."""

    __tablename__ = "donations"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    donor_id: Mapped[int | None] = mapped_column(ForeignKey("donors.id"), index=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id"), index=True)
    gift_item_id: Mapped[int | None] = mapped_column(ForeignKey("gift_items.id"), index=True)
    monthly_gift_id: Mapped[int | None] = mapped_column(ForeignKey("monthly_gifts.id"))
    frequency: Mapped[Frequency] = mapped_column(str_enum(Frequency))
    amount_cents: Mapped[int]
    refunded_cents: Mapped[int] = mapped_column(default=0)
    status: Mapped[DonationStatus] = mapped_column(
        str_enum(DonationStatus), default=DonationStatus.PENDING, index=True
    )
    gateway: Mapped[Gateway] = mapped_column(str_enum(Gateway))
    payment_method: Mapped[PaymentMethod] = mapped_column(
        str_enum(PaymentMethod), default=PaymentMethod.CARD
    )
    wants_receipt: Mapped[bool] = mapped_column(default=True)
    show_name: Mapped[bool] = mapped_column(default=False)
    consent_contact: Mapped[bool] = mapped_column(default=False)
    locale: Mapped[str] = mapped_column(String(5), default="fr")
    # As typed on the donation page; copied to the donor once the payment is confirmed.
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_address_line1: Mapped[str] = mapped_column(String(200), default="")
    contact_address_line2: Mapped[str] = mapped_column(String(200), default="")
    contact_postcode: Mapped[str] = mapped_column(String(20), default="")
    contact_city: Mapped[str] = mapped_column(String(120), default="")
    contact_country: Mapped[str] = mapped_column(String(2), default="FR")
    checkout_session_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    payment_intent_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    invoice_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    charge_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Paid, with a receipt wanted, but no name and postal address to print on it yet:
    # the receipt waits, unnumbered, until the donor gives them in their area.
    awaiting_details: Mapped[bool] = mapped_column(default=False, index=True)
    receipt_id: Mapped[int | None] = mapped_column(ForeignKey("receipts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    failure_reason: Mapped[str] = mapped_column(String(200), default="")

    donor: Mapped[Donor | None] = relationship()
    fund: Mapped[Fund] = relationship()
    gift_item: Mapped[GiftItem | None] = relationship()
    monthly_gift: Mapped[MonthlyGift | None] = relationship()
    receipt: Mapped[Receipt | None] = relationship(foreign_keys=[receipt_id])

    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="positive_amount"),
        CheckConstraint(
            "refunded_cents >= 0 AND refunded_cents <= amount_cents", name="refund_within_amount"
        ),
    )

    @property
    def kept_cents(self) -> int:
        return self.amount_cents - self.refunded_cents

    @property
    def counts_as_income(self) -> bool:
        return self.status in INCOME_STATUSES


class StripeEvent(Model):
    """A webhook event, stored in the same transaction as its effects: an event id seen
    before is acknowledged and changes nothing."""

    __tablename__ = "stripe_events"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(100))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
