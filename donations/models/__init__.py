"""Donations tables: funds and the impact catalogue, donors, donations and monthly
gifts, the Stripe events received; tax receipts with their yearly counters and the tax
rules; and what each fund spent."""

from donations.models.gifts import (
    INCOME_STATUSES,
    PAYMENT_METHOD_ON_RECEIPT,
    Donation,
    DonationStatus,
    Donor,
    Frequency,
    Fund,
    Gateway,
    GiftItem,
    MonthlyGift,
    PaymentMethod,
    StripeEvent,
    postal_address,
)
from donations.models.receipts import (
    Receipt,
    ReceiptCounter,
    ReceiptKind,
    TaxRule,
    TaxScheme,
)
from donations.models.spending import FundSpending, SpendingKind

__all__ = [
    "INCOME_STATUSES",
    "PAYMENT_METHOD_ON_RECEIPT",
    "Donation",
    "DonationStatus",
    "Donor",
    "Frequency",
    "Fund",
    "FundSpending",
    "Gateway",
    "GiftItem",
    "MonthlyGift",
    "PaymentMethod",
    "Receipt",
    "ReceiptCounter",
    "ReceiptKind",
    "SpendingKind",
    "StripeEvent",
    "TaxRule",
    "TaxScheme",
    "postal_address",
]
