"""Donation writes: a gift is started (pending) from the donation page, then fulfilled or
failed by the payment gateway's word, the webhook's or the demo gateway's, through the
same functions. None commits; each is safe to call again with the same news."""

import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Row, Select, bindparam, case, func, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.orm.util import identity_key

from app.errors import InvalidInput, NotFound
from app.models import InsertConstruct, built_per_database, for_database
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
donors = Donor.__table__
donations = Donation.__table__


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
    if for_update:
        donation = locked_donation(session, Donation.public_id, public_id)
    else:
        donation = session.scalar(select(Donation).where(Donation.public_id == public_id))
    if donation is None:
        raise NotFound(_("There is no such donation."))
    return donation


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


# What a donor's details become when a gift brings new ones.
ADDRESS_FIELDS = ("name", "address_line1", "address_line2", "postcode", "city", "country")


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


def donor_upsert(insert: InsertConstruct) -> Any:
    """See update_donor."""
    statement = insert(donors)
    given = statement.excluded
    changes: dict[str, Any] = {
        field: case((given[field] != "", given[field]), else_=donors.c[field])
        for field in ADDRESS_FIELDS
    }
    changes["locale"] = given.locale
    changes["consent_contact"] = or_(donors.c.consent_contact, given.consent_contact)
    changes["stripe_customer_id"] = func.coalesce(
        donors.c.stripe_customer_id, given.stripe_customer_id
    )
    return statement.on_conflict_do_update(index_elements=[donors.c.email], set_=changes).returning(
        *receipts.DONOR_ON_RECEIPT
    )


UPDATE_DONOR = built_per_database(donor_upsert)
RECORD_PAYMENT = update(donations).where(donations.c.id == bindparam("paid_donation_id"))


def update_donor(
    session: Session, contact: Contact, donation: Donation, payment: Payment
) -> Row[Any]:
    """The donor of this email, made or brought up to date with this gift's details in
    one statement: a detail given now replaces the one on file, an empty one leaves it;
    consent to be contacted, once given, stays. Two gifts of a new donor at once make
    one donor; the row stays locked until commit, so two gifts of one donor update it in
    turn. (An erased donor has no email left, so a new gift never brings their details
    back.)"""
    values = {
        "email": contact.email.strip().lower(),
        **{field: getattr(contact, field) for field in ADDRESS_FIELDS},
        "locale": donation.locale,
        "consent_contact": donation.consent_contact,
        "stripe_customer_id": payment.customer_id,
    }
    return session.execute(for_database(session, UPDATE_DONOR), values).one()


def donor_on_file(session: Session, donation: Donation, payment: Payment) -> Row[Any] | None:
    """Who the receipt is made out to: the donor of the gift's email, brought up to date,
    or for a monthly payment that names nobody, the monthly gift's donor as on file."""
    contact = contact_for_receipt(donation, payment)
    if contact is not None and contact.email:
        return update_donor(session, contact, donation, payment)
    if donation.donor_id is None:
        return None
    return session.execute(
        select(*receipts.DONOR_ON_RECEIPT).where(donors.c.id == donation.donor_id)
    ).one_or_none()


def fulfil_donation(session: Session, donation: Donation, payment: Payment) -> int | None:
    """Record the payment and issue the receipt; news of a payment already recorded
    changes nothing. Returns the id of the receipt issued now, if any, to be emailed
    once committed.

    This is the webhook's busiest path, so it writes with a handful of statements
    rather than through the session's unit of work: the donation, and its donor if
    loaded, are read again when next used."""
    if donation.status not in (DonationStatus.PENDING, DonationStatus.FAILED):
        return None
    session.flush()  # what the gateway's news changed so far, or a donation it made
    changes: dict[str, Any] = {
        "status": DonationStatus.PAID,
        "paid_at": payment.paid_at,
        "payment_method": payment.method,
        "failure_reason": "",
    }
    if payment.payment_intent_id:
        changes["payment_intent_id"] = payment.payment_intent_id
    donor = donor_on_file(session, donation, payment)
    if donor is not None:
        changes["donor_id"] = donor.id
        if receipts.needs_single_receipt(donation, yearly_summary=donor.yearly_receipt):
            changes["receipt_id"] = receipts.issue_single_receipt(
                session,
                donation.id,
                donor,
                amount_cents=donation.kept_cents,
                method=payment.method,
                paid_at=payment.paid_at,
            )
    session.execute(RECORD_PAYMENT, {"paid_donation_id": donation.id, **changes})
    read_again(session, Donation, donation.id)
    read_again(session, Donor, changes.get("donor_id"))
    return changes.get("receipt_id")


def read_again(session: Session, model: type[Any], row_id: int | None) -> None:
    """A statement changed this row behind the session's back: its object, if loaded,
    is read again when next used."""
    if row_id is None:
        return
    loaded = session.identity_map.get(identity_key(model, row_id))
    if loaded is not None:
        session.expire(loaded)


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
