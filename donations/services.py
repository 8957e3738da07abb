"""Donation writes: a gift is started (pending) from the donation page, then fulfilled or
failed by the payment gateway's word, the webhook's or the demo gateway's, through the
same functions. None commits; each is safe to call again with the same news."""

import re
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cache
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.auth import normalise_email
from app.clock import utcnow
from app.errors import InvalidInput, NotFound
from app.lookup import get_one
from app.money import read_cents
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
    postal_address,
)

GENERAL_FUND = "general"
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
    """A gift's amount as typed, to cents, within the limits; a clear message otherwise."""
    cents = read_cents(raw, "amount")
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


def tidy_contact(contact: Contact) -> Contact:
    """Spaces trimmed, each detail cut to what is stored of it."""
    return Contact(
        email=normalise_email(contact.email)[:254],
        name=" ".join(contact.name.split())[:200],
        address_line1=contact.address_line1.strip()[:200],
        address_line2=contact.address_line2.strip()[:200],
        postcode=contact.postcode.strip()[:20],
        city=contact.city.strip()[:120],
        country=(contact.country.strip().upper() or "FR")[:2],
    )


# What a tax receipt cannot go without: a name and a postal address.
RECEIPT_FIELDS = ("name", "address_line1", "postcode", "city")


def require_receipt_details(contact: Contact) -> None:
    for field in RECEIPT_FIELDS:
        if not getattr(contact, field):
            raise InvalidInput(_("A tax receipt needs your name and postal address."), field=field)


def validate_contact(contact: Contact, *, wants_receipt: bool) -> Contact:
    email = normalise_email(contact.email)
    if not EMAIL.fullmatch(email) or len(email) > 254:
        raise InvalidInput(_("Please give a valid email address."), field="email")
    cleaned = tidy_contact(contact)
    if wants_receipt:
        require_receipt_details(cleaned)
    return cleaned


def get_gift_item(session: Session, slug: str) -> GiftItem:
    item = session.scalar(select(GiftItem).where(GiftItem.slug == slug, GiftItem.active))
    if item is None:
        raise NotFound(_("This gift is not offered any more."), field="gift_item")
    return item


def get_fund(session: Session, code: str) -> Fund:
    missing = _("There is no fund %(code)s.", code=code)
    return get_one(session, Fund, code, column=Fund.code, missing=missing)


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
    missing = _("There is no such donation.")
    column = Donation.public_id
    return get_one(session, Donation, public_id, lock=for_update, column=column, missing=missing)


def locked_donation(
    session: Session, column: InstrumentedAttribute[Any], value: Any
) -> Donation | None:
    """The donation whose `column` is `value`, locked until commit and read afresh."""
    return session.scalar(locking_lookup(column), {"value": value})


@cache
def locking_lookup(column: InstrumentedAttribute[Any]) -> Select[tuple[Donation]]:
    """Built once per column, as built_per_database builds its statements."""
    return (
        select(Donation)
        .where(column == bindparam("value"))
        .with_for_update()
        .execution_options(populate_existing=True)
    )


# --- what the payment gateway tells us ------------------------------------------------


@dataclass(frozen=True)
class Payment:
    """A payment confirmed by the gateway."""

    paid_at: datetime
    method: PaymentMethod
    payment_intent_id: str | None = None
    charge_id: str | None = None
    customer_id: str | None = None
    # Who Stripe says paid: its customer's email (which finds the donor and keeps their
    # email up to date) and the name and address Stripe holds, which fill only the
    # blanks of the donor on file.
    contact: Contact | None = None


@dataclass(frozen=True)
class AfterCommit:
    """What to email once the payment's transaction is committed: receipts just issued,
    and the donor to ask for the details a waiting receipt needs."""

    receipt_ids: tuple[int, ...] = ()
    ask_details_of: int | None = None

    def __or__(self, other: "AfterCommit") -> "AfterCommit":
        return AfterCommit(
            receipt_ids=self.receipt_ids + other.receipt_ids,
            ask_details_of=self.ask_details_of or other.ask_details_of,
        )


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


# A donor's details, the name and the address.
ADDRESS_FIELDS = ("name", "address_line1", "address_line2", "postcode", "city", "country")


def donor_contact(donor: Donor) -> Contact:
    return Contact(
        email=donor.email or "",
        name=donor.name,
        address_line1=donor.address_line1,
        address_line2=donor.address_line2,
        postcode=donor.postcode,
        city=donor.city,
        country=donor.country,
    )


def has_receipt_details(contact: Contact) -> bool:
    return all(getattr(contact, field).strip() for field in RECEIPT_FIELDS)


def keep_collected_details(donation: Donation, collected: Contact | None) -> None:
    """What Stripe's checkout collected for this gift (tidied), where our page collected
    nothing (a payment link made in Stripe's dashboard): the name, and the address as a
    whole."""
    if collected is None:
        return
    donation.contact_email = donation.contact_email or collected.email
    donation.contact_name = donation.contact_name or collected.name
    if not donation.contact_address_line1 and collected.address_line1:
        donation.contact_address_line1 = collected.address_line1
        donation.contact_address_line2 = collected.address_line2
        donation.contact_postcode = collected.postcode
        donation.contact_city = collected.city
        donation.contact_country = collected.country


def locked_donor(session: Session, *condition: Any) -> Donor | None:
    return session.scalar(
        select(Donor).where(*condition).with_for_update().execution_options(populate_existing=True)
    )


def find_donor(session: Session, customer_id: str | None, email: str | None) -> Donor | None:
    """The donor of this Stripe customer, else of this email, locked until commit."""
    donor = None
    if customer_id:
        donor = locked_donor(session, Donor.stripe_customer_id == customer_id)
    if donor is None and email:
        donor = locked_donor(session, Donor.email == email)
    return donor


def new_donor(
    session: Session, details: Contact, donation: Donation, customer_id: str | None
) -> Donor | None:
    """A donor made for this gift; None when another gift of the same person made one
    at the same moment (the caller finds that one)."""
    donor = Donor(
        email=details.email,
        **{field: getattr(details, field) for field in ADDRESS_FIELDS},
        locale=donation.locale,
        consent_contact=donation.consent_contact,
        stripe_customer_id=customer_id,
    )
    try:
        with session.begin_nested():
            session.add(donor)
    except IntegrityError:
        return None
    return donor


def fill_blanks(donor: Donor, details: Contact) -> None:
    """Details given with a gift complete the donor on file, never overwrite it: the
    name if there is none, the address as a whole if there is none."""
    if not donor.name.strip() and details.name.strip():
        donor.name = details.name
    complete = donor.address_line1.strip() and donor.postcode.strip() and donor.city.strip()
    if not complete and details.address_line1.strip():
        for field in ADDRESS_FIELDS[1:]:
            setattr(donor, field, getattr(details, field))


def follow_email_change(session: Session, donor: Donor, email: str) -> None:
    """The donor changed their email at Stripe: it becomes theirs here too, unless
    another donor has it (then both stay as they are)."""
    if not email or donor.email == email or donor.erased_at is not None:
        return
    taken = session.scalar(select(Donor.id).where(Donor.email == email))
    if taken is None:
        donor.email = email


def donor_for_payment(session: Session, donation: Donation, payment: Payment) -> Donor | None:
    """Who paid: the donor of Stripe's customer, whose email follows Stripe's; else the
    donor of the gift's email; else the monthly gift's; made when new. Two gifts of a new
    donor at once make one donor: the second waits for the first's row, then finds it."""
    stripe_email = payment.contact.email if payment.contact else ""
    email = normalise_email(donation.contact_email or stripe_email)[:254]
    details = contact_of(donation)
    if payment.contact is not None and not has_receipt_details(details):
        details = payment.contact
    details = replace(details, email=email)
    donor = find_donor(session, payment.customer_id, None)
    if donor is not None:
        follow_email_change(session, donor, stripe_email)
    else:
        donor = find_donor(session, None, email) or donation.donor
    if donor is None and email:
        return new_donor(session, details, donation, payment.customer_id) or find_donor(
            session, payment.customer_id, email
        )
    if donor is None:
        return None
    donor.stripe_customer_id = donor.stripe_customer_id or payment.customer_id
    fill_blanks(donor, details)
    donor.locale = donation.locale
    donor.consent_contact = donor.consent_contact or donation.consent_contact
    return donor


def note_payment_ids(
    donation: Donation, payment_intent_id: str | None, charge_id: str | None
) -> None:
    """The PaymentIntent and charge, by which refunds and disputes find the gift."""
    donation.payment_intent_id = donation.payment_intent_id or payment_intent_id
    donation.charge_id = donation.charge_id or charge_id


def fulfil_donation(
    session: Session, donation: Donation, payment: Payment, *, now: datetime | None = None
) -> AfterCommit:
    """Record the payment and issue its receipt (dated `now`, by default the present),
    or have it wait for the donor's details; news of a payment already recorded only
    adds the ids it lacked. Returns what to email once committed."""
    note_payment_ids(donation, payment.payment_intent_id, payment.charge_id)
    if donation.status not in (DonationStatus.PENDING, DonationStatus.FAILED):
        return AfterCommit()
    donation.status = DonationStatus.PAID
    donation.paid_at = payment.paid_at
    donation.payment_method = payment.method
    donation.failure_reason = ""
    donor = donor_for_payment(session, donation, payment)
    if donor is not None:
        donation.donor = donor
    session.flush()
    return settle_receipt(session, donation, now=now)


def receipt_details(donation: Donation) -> Contact | None:
    """What this gift's receipt prints: the details given with the gift, else the donor's
    on file; None while neither has a name and a postal address."""
    given = contact_of(donation)
    if has_receipt_details(given):
        return given
    if donation.donor is not None and has_receipt_details(donor_contact(donation.donor)):
        return donor_contact(donation.donor)
    return None


def settle_receipt(
    session: Session, donation: Donation, *, now: datetime | None = None
) -> AfterCommit:
    """A paid gift's receipt: issued now (numbered, to be emailed), left to the yearly
    summary, or waiting for a name and address, which the donor is asked for once."""
    donor = donation.donor
    yearly = donor is not None and donor.yearly_receipt
    if not donation.wants_receipt or donation.receipt_id is not None:
        return AfterCommit()
    details = receipt_details(donation)
    donation.awaiting_details = details is None
    if details is None:
        return ask_for_details(donor)
    if not receipts.needs_single_receipt(donation, yearly_summary=yearly):
        return AfterCommit()
    receipt = receipts.issue_single_receipt(
        session,
        donation,
        donor_name=details.name,
        donor_address=postal_address(
            details.address_line1,
            details.address_line2,
            details.postcode,
            details.city,
            details.country,
        ),
        issued_at=now,
    )
    return AfterCommit(receipt_ids=(receipt.id,))


def ask_for_details(donor: Donor | None) -> AfterCommit:
    """Ask the donor for their details, unless they were asked since they last gave
    them. A donor without email cannot be asked: the treasurer sees the wait."""
    if donor is None or not donor.email or donor.details_requested_at is not None:
        return AfterCommit()
    donor.details_requested_at = utcnow()
    return AfterCommit(ask_details_of=donor.id)


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


def record_refund(session: Session, donation: Donation, refunded_cents: int) -> AfterCommit:
    """Stripe's running total of what was refunded: the receipt is cancelled, and one is
    issued for what was kept (a partial refund, or the other months of a yearly
    summary), to be emailed. The same total told again, or an older one, changes
    nothing."""
    refunded_cents = min(refunded_cents, donation.amount_cents)
    if refunded_cents <= donation.refunded_cents or not donation.counts_as_income:
        return AfterCommit()
    donation.refunded_cents = refunded_cents
    if donation.kept_cents == 0:
        donation.status = DonationStatus.REFUNDED
        donation.awaiting_details = False
    else:
        donation.status = DonationStatus.PARTIALLY_REFUNDED
    return reissue_receipt(session, donation, "refund")


def reissue_receipt(session: Session, donation: Donation, reason: str) -> AfterCommit:
    if donation.receipt is None:
        return AfterCommit()
    replacement = receipts.reissue(session, donation.receipt, reason)
    return AfterCommit(receipt_ids=(replacement.id,) if replacement else ())


def mark_disputed(donation: Donation) -> None:
    """The donor's bank disputes the payment: it no longer counts as money in until the
    dispute is closed; the receipt stays, since the outcome is not known."""
    if donation.counts_as_income:
        donation.status = DonationStatus.DISPUTED


def close_dispute(session: Session, donation: Donation, *, won: bool) -> AfterCommit:
    """A dispute won puts the gift back as money in. Lost, the bank took the money back:
    the gift leaves its receipt, which is cancelled and reissued for what it still
    covers (the other months of a yearly summary)."""
    if donation.status != DonationStatus.DISPUTED:
        return AfterCommit()
    if won:
        donation.status = (
            DonationStatus.PARTIALLY_REFUNDED if donation.refunded_cents else DonationStatus.PAID
        )
        return AfterCommit()
    donation.status = DonationStatus.DISPUTE_LOST
    donation.awaiting_details = False
    return reissue_receipt(session, donation, "dispute lost")
