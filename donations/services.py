"""Donation writes: a gift is started (pending) from the donation page, then fulfilled or
failed by the payment gateway's word, the webhook's or the demo gateway's, through the
same functions. None commits; each is safe to call again with the same news."""

import re
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app.errors import InvalidInput, NotFound
from donations import receipts
from donations.models import (
    Donation,
    DonationStatus,
    Donor,
    Frequency,
    Fund,
    Gateway,
    GiftItem,
    MonthlyGift,
    PaymentMethod,
    Receipt,
)

GENERAL_FUND = "general"
AMOUNT = re.compile(r"(?P<euros>\d{1,9})(?:[.,](?P<cents>\d{1,2}))?")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass(frozen=True)
class Contact:
    """Who gives, as typed on the donation page or given by Stripe's checkout."""

    email: str
    name: str = ""
    address_line1: str = ""
    address_line2: str = ""
    postcode: str = ""
    city: str = ""
    country: str = "FR"


@dataclass(frozen=True)
class GiftRequest:
    gift_item_slug: str | None
    amount: str  # as typed: "50", "50,20"; ignored when a gift item is chosen
    frequency: Frequency
    contact: Contact
    wants_receipt: bool
    show_name: bool
    consent_contact: bool
    locale: str


def parse_amount(raw: str, *, minimum: int, maximum: int) -> int:
    """Euros as a person types them, to cents; a clear message for anything else."""
    text = raw.strip().replace(" ", "").replace("\u00a0", "").removesuffix("€")
    match = AMOUNT.fullmatch(text)
    if not match:
        if re.fullmatch(r"\d+[.,]\d{3,}", text):
            raise InvalidInput(_("An amount has at most two decimals."), field="amount")
        raise InvalidInput(
            _("“%(value)s” is not an amount in euros.", value=raw.strip()[:20]), field="amount"
        )
    cents = int(match["euros"]) * 100 + int((match["cents"] or "0").ljust(2, "0"))
    if not minimum <= cents <= maximum:
        raise InvalidInput(
            _(
                "A gift is between %(minimum)s and %(maximum)s euros.",
                minimum=f"{minimum / 100:g}",
                maximum=f"{maximum // 100:,}".replace(",", " "),
            ),
            field="amount",
        )
    return cents


def validate_contact(contact: Contact, *, wants_receipt: bool) -> Contact:
    email = contact.email.strip().lower()
    if not EMAIL.fullmatch(email) or len(email) > 254:
        raise InvalidInput(_("Please give a valid email address."), field="email")
    cleaned = Contact(
        email=email,
        name=" ".join(contact.name.split())[:200],
        address_line1=contact.address_line1.strip()[:200],
        address_line2=contact.address_line2.strip()[:200],
        postcode=contact.postcode.strip()[:20],
        city=contact.city.strip()[:120],
        country=(contact.country.strip().upper() or "FR")[:2],
    )
    if wants_receipt:
        for field, value in (
            ("name", cleaned.name),
            ("address_line1", cleaned.address_line1),
            ("postcode", cleaned.postcode),
            ("city", cleaned.city),
        ):
            if not value:
                raise InvalidInput(
                    _("A tax receipt needs your name and postal address."), field=field
                )
    return cleaned


def get_gift_item(session: Session, slug: str) -> GiftItem:
    item = session.scalar(select(GiftItem).where(GiftItem.slug == slug, GiftItem.active))
    if item is None:
        raise NotFound(_("This gift is not offered any more."), field="gift_item")
    return item


def get_fund(session: Session, code: str) -> Fund:
    fund = session.scalar(select(Fund).where(Fund.code == code))
    if fund is None:
        raise NotFound(_("There is no fund %(code)s.", code=code))
    return fund


def start_donation(
    session: Session, request: GiftRequest, *, gateway: Gateway, minimum: int, maximum: int
) -> Donation:
    """A pending donation, before the donor pays."""
    if request.gift_item_slug:
        item = get_gift_item(session, request.gift_item_slug)
        amount, fund, gift_item = item.amount_cents, item.fund, item
    else:
        amount = parse_amount(request.amount, minimum=minimum, maximum=maximum)
        fund, gift_item = get_fund(session, GENERAL_FUND), None
    contact = validate_contact(request.contact, wants_receipt=request.wants_receipt)
    donation = Donation(
        fund=fund,
        gift_item=gift_item,
        frequency=request.frequency,
        amount_cents=amount,
        gateway=gateway,
        wants_receipt=request.wants_receipt,
        show_name=request.show_name,
        consent_contact=request.consent_contact,
        locale=request.locale,
        **{f"contact_{field}": value for field, value in vars(contact).items()},
    )
    session.add(donation)
    session.flush()
    return donation


def get_donation(session: Session, public_id: str, *, for_update: bool = False) -> Donation:
    query = select(Donation).where(Donation.public_id == public_id)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    donation = session.scalar(query)
    if donation is None:
        raise NotFound(_("There is no such donation."))
    return donation


# --- what the payment gateway tells us ------------------------------------------------


@dataclass(frozen=True)
class Payment:
    """A payment confirmed by the gateway."""

    paid_at: datetime
    method: PaymentMethod
    payment_intent_id: str | None = None
    customer_id: str | None = None
    contact: Contact | None = None  # what the checkout collected, used when the page did not


def contact_of(donation: Donation) -> Contact:
    return Contact(
        email=donation.contact_email,
        name=donation.contact_name,
        address_line1=donation.contact_address_line1,
        address_line2=donation.contact_address_line2,
        postcode=donation.contact_postcode,
        city=donation.contact_city,
        country=donation.contact_country,
    )


def find_or_create_donor(session: Session, email: str) -> Donor:
    """One donor per email, even when two payments of a new donor land at once."""
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    session.execute(insert(Donor.__table__).values(email=email).on_conflict_do_nothing())
    return session.scalars(select(Donor).where(Donor.email == email)).one()


def contact_for_receipt(donation: Donation, payment: Payment) -> Contact | None:
    """What the donor typed on our page; what the checkout collected fills the gaps (a
    payment link made in Stripe's dashboard has only the latter)."""
    typed, collected = contact_of(donation), payment.contact
    if collected is None or (typed.email and typed.address_line1):
        return typed if typed.email else None
    address = collected if not typed.address_line1 else typed
    return Contact(
        email=typed.email or collected.email,
        name=typed.name or collected.name,
        address_line1=address.address_line1,
        address_line2=address.address_line2,
        postcode=address.postcode,
        city=address.city,
        country=address.country,
    )


def attach_donor(session: Session, donation: Donation, payment: Payment) -> None:
    """The donor behind a paid donation, brought up to date with this gift's details."""
    contact = contact_for_receipt(donation, payment)
    if contact is None or not contact.email:
        return
    donor = find_or_create_donor(session, contact.email.strip().lower())
    if donor.erased_at is None:
        for field in ("name", "address_line1", "address_line2", "postcode", "city", "country"):
            if value := getattr(contact, field):
                setattr(donor, field, value)
        donor.locale = donation.locale
        donor.consent_contact = donor.consent_contact or donation.consent_contact
    if payment.customer_id and not donor.stripe_customer_id:
        donor.stripe_customer_id = payment.customer_id
    donation.donor = donor


def fulfil_donation(session: Session, donation: Donation, payment: Payment) -> Receipt | None:
    """Record the payment and issue the receipt; news of a payment already recorded
    changes nothing. Returns the receipt to email, if one was issued now."""
    if donation.status not in (DonationStatus.PENDING, DonationStatus.FAILED):
        return None
    donation.status = DonationStatus.PAID
    donation.paid_at = payment.paid_at
    donation.payment_method = payment.method
    donation.failure_reason = ""
    if payment.payment_intent_id:
        donation.payment_intent_id = payment.payment_intent_id
    attach_donor(session, donation, payment)
    session.flush()
    if receipts.needs_single_receipt(donation):
        return receipts.issue_single_receipt(session, donation)
    return None


def start_monthly_gift(session: Session, donation: Donation, subscription_id: str) -> None:
    """The monthly gift behind a donation: Stripe's subscription, or the demo's stand-in."""
    if donation.monthly_gift_id is not None:
        return
    gift = session.scalar(
        select(MonthlyGift).where(MonthlyGift.stripe_subscription_id == subscription_id)
    )
    if gift is None:
        gift = MonthlyGift(
            donor=donation.donor,
            fund=donation.fund,
            gift_item_id=donation.gift_item_id,
            amount_cents=donation.amount_cents,
            stripe_subscription_id=subscription_id,
        )
        session.add(gift)
    donation.monthly_gift = gift


def fail_donation(session: Session, donation: Donation, reason: str) -> None:
    """A payment that did not go through; news that comes after its success is ignored."""
    if donation.status != DonationStatus.PENDING:
        return
    donation.status = DonationStatus.FAILED
    donation.failure_reason = reason[:200]


def record_refund(session: Session, donation: Donation, refunded_cents: int) -> Receipt | None:
    """Stripe's running total of what was refunded: the receipt is cancelled, and for a
    partial refund one is issued for what was kept (returned, to be emailed). The same
    total told again, or an older one, changes nothing."""
    refunded_cents = min(refunded_cents, donation.amount_cents)
    if refunded_cents <= donation.refunded_cents or not donation.counts_as_income:
        return None
    donation.refunded_cents = refunded_cents
    if donation.kept_cents == 0:
        donation.status = DonationStatus.REFUNDED
    else:
        donation.status = DonationStatus.PARTIALLY_REFUNDED
    if donation.receipt is None:
        return None
    return receipts.reissue(session, donation.receipt, "refund")


def mark_disputed(donation: Donation) -> None:
    """The donor's bank disputes the payment: it no longer counts as money in until the
    treasurer settles the dispute; the receipt stays, since the outcome is not known."""
    if donation.counts_as_income:
        donation.status = DonationStatus.DISPUTED
