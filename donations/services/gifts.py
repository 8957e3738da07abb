"""Donation writes: a gift is started (pending) from the donation page, then fulfilled or
failed by the payment gateway's word, the webhook's or the demo gateway's, through the
same functions. None commits; each is safe to call again with the same news."""

import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute

from app.clock import utcnow
from app.errors import InvalidInput, NotFound
from app.extensions import Session
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
    postal_address,
)
from donations.services.payers import (
    Contact,
    Payment,
    contact_of,
    donor_contact,
    donor_for_payment,
    has_receipt_details,
    validate_contact,
)

GENERAL_FUND = "general"
AMOUNT = re.compile(r"(?P<euros>\d{1,9})(?:[.,](?P<cents>\d{1,2}))?")


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


def add_or_find_donation(
    session: Session, donation: Donation, column: InstrumentedAttribute[Any], value: str
) -> Donation | None:
    """The donation added; or, when another event of the same payment added one with this
    unique Stripe id first, that one, locked."""
    try:
        with session.begin_nested():
            session.add(donation)
    except IntegrityError:
        return locked_donation(session, column, value)
    return donation


@cache
def locking_lookup(column: InstrumentedAttribute[Any]) -> Select[Donation]:
    """Built once per column, as built_per_database builds its statements."""
    return (
        select(Donation)
        .where(column == bindparam("value"))
        .with_for_update()
        .execution_options(populate_existing=True)
    )


# --- what the payment gateway tells us ------------------------------------------------


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
