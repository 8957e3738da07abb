"""Who pays: the contact typed on the donation page or collected by Stripe's checkout,
the payment the gateway confirms, and the donor they find or make. None commits."""

import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.auth import normalise_email
from app.errors import InvalidInput
from app.extensions import Session
from donations.models import Donation, Donor, PaymentMethod

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
