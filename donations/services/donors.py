"""What a donor does in their own area: sign in with one-time links, give the details
their receipts need, choose their receipt preference, stop a monthly gift in the demo,
export what is stored about them, and be forgotten. What they see is in
donations.queries.

A sign-in link is signed with the app's secret key and carries the donor's id and the
nonce stored on the donor: a new link replaces the nonce and using a link clears it, so
a link works once, and only the latest one does. None of these functions commits."""

from collections.abc import Sequence
from datetime import date, datetime
from http import HTTPStatus
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.orm import joinedload

from app import mail
from app.auth import normalise_email
from app.clock import utcnow
from app.errors import Conflict, DomainError, NotFound
from app.extensions import Session
from app.links import (
    LinkFault,
    LinkPurpose,
    SignedLink,
    UnreadableLink,
    external_url,
    issue_link,
    nonce_matches,
    read_link,
)
from donations.models import (
    Donation,
    Donor,
    MonthlyGift,
    Receipt,
)
from donations.queries.donors import list_active_monthly_gifts
from donations.services.gifts import AfterCommit, settle_receipt
from donations.services.payers import (
    ADDRESS_FIELDS,
    Contact,
    require_receipt_details,
    tidy_contact,
)

SIGN_IN_LINK = LinkPurpose(salt="relais.donations.donor-sign-in", row_key="donor")
LINK_MAX_AGE_SECONDS = 30 * 60


class LinkRefused(DomainError):
    """A sign-in link that cannot be used: out of date, used, or replaced by a newer one."""

    status = HTTPStatus.GONE
    code = "link_refused"


class LinkInvalid(LinkRefused):
    """Not a link Relais made, or cut short when it was copied."""

    status = HTTPStatus.NOT_FOUND
    code = "link_invalid"


# --- signing in -----------------------------------------------------------------------


def find_donor_by_email(session: Session, email: str) -> Donor | None:
    """The donor who gave with this address; an erased donor has none."""
    return session.scalar(
        select(Donor).where(Donor.email == normalise_email(email), Donor.erased_at.is_(None))
    )


def issue_sign_in_token(session: Session, donor: Donor) -> str:
    """A token for a new sign-in link; any link sent before stops working."""
    token, donor.sign_in_nonce = issue_link(SIGN_IN_LINK, donor.id)
    session.flush()
    return token


def read_sign_in_token(token: str) -> SignedLink:
    """The donor id and nonce of a link made in the last 30 minutes."""
    try:
        return read_link(SIGN_IN_LINK, token, max_age_seconds=LINK_MAX_AGE_SECONDS)
    except UnreadableLink as unreadable:
        raise unreadable_link_refusal(unreadable.fault) from unreadable


def unreadable_link_refusal(fault: LinkFault) -> LinkRefused:
    match fault:
        case LinkFault.EXPIRED:
            return LinkRefused(_("This sign-in link has expired: a link works for 30 minutes."))
        case LinkFault.TAMPERED:
            return LinkInvalid(
                _("This sign-in link is not valid. It may have been cut short when it was copied.")
            )
        case LinkFault.MALFORMED:
            return LinkInvalid(_("This sign-in link is not valid."))


def donor_for_token(session: Session, token: str, *, for_update: bool = False) -> Donor:
    """The donor a link signs in, while the link may still be used."""
    link = read_sign_in_token(token)
    query = select(Donor).where(Donor.id == link.row_id)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    donor = session.scalar(query)
    if (
        donor is None
        or donor.erased_at is not None
        or not nonce_matches(donor.sign_in_nonce, link.nonce)
    ):
        raise LinkRefused(
            _("This sign-in link was already used, or a newer one was sent: each link works once.")
        )
    return donor


def use_sign_in_token(session: Session, token: str) -> Donor:
    """Sign in with a link, which cannot be used again."""
    donor = donor_for_token(session, token, for_update=True)
    donor.sign_in_nonce = None
    session.flush()
    return donor


# --- what the donor changes -----------------------------------------------------------


def set_receipt_preference(donor: Donor, *, yearly: bool) -> None:
    """One summary a year for monthly payments, or a receipt for each, from now on."""
    donor.yearly_receipt = yearly


def waiting_for_details(session: Session, donor: Donor) -> Sequence[Donation]:
    """The donor's paid gifts whose receipt waits for their name and postal address."""
    return session.scalars(
        select(Donation)
        .where(Donation.donor_id == donor.id, Donation.awaiting_details)
        .order_by(Donation.paid_at, Donation.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()


def change_details(session: Session, donor: Donor, details: Contact) -> AfterCommit:
    """The donor's name and postal address on file, changed by the donor themselves
    (signed in). Receipts already issued keep what they print; those that waited for
    these details are issued now (returned, to be emailed once committed), and monthly
    gifts go on the next yearly summary."""
    tidy = tidy_contact(details)
    require_receipt_details(tidy)
    for field in ADDRESS_FIELDS:
        setattr(donor, field, getattr(tidy, field))
    donor.details_requested_at = None
    session.flush()
    after = AfterCommit()
    for donation in waiting_for_details(session, donor):
        if donation.counts_as_income:
            after |= settle_receipt(session, donation)
        else:
            donation.awaiting_details = False
    return after


def send_details_request(donor: Donor, token: str) -> None:
    """The email that asks a donor for the name and postal address their receipt needs,
    with a one-time link into their area, where they give them."""
    assert donor.email is not None
    organisation = current_app.config["ORGANISATION_NAME"]
    with force_locale(donor.locale):
        subject = _("Your tax receipt needs your name and postal address")
        body = _(
            "Hello,\n\n"
            "Thank you for your gift to %(organisation)s. A tax receipt must show the "
            "donor's name and postal address, and we do not have them yet. Please give "
            "them here, and your receipt will be sent to you at once:\n\n"
            "%(link)s\n\n"
            "The link works once, within 30 minutes. After that, ask for a new one at "
            "%(sign_in)s\n\n"
            "%(organisation)s",
            link=external_url("donor.open_link", token=token),
            sign_in=external_url("donor.sign_in"),
            organisation=organisation,
        )
    mail.send(mail.draft(donor.email, subject, body))


def stop_monthly_gift_locally(session: Session, donor: Donor, gift_id: int) -> MonthlyGift:
    """Mark one of the donor's monthly gifts stopped in Relais only: for the demo gateway,
    where no Stripe subscription stands behind it."""
    gift = session.scalar(
        select(MonthlyGift).where(MonthlyGift.id == gift_id, MonthlyGift.donor_id == donor.id)
    )
    if gift is None:
        raise NotFound(_("You have no such monthly gift."))
    if gift.active:
        gift.active = False
        gift.ended_at = utcnow()
    session.flush()
    return gift


def donations_about(donor: Donor) -> ColumnElement[bool]:
    """The donor's payments, and gifts started with their address but never paid (those
    hold what they typed, and no donor)."""
    unpaid = (
        and_(Donation.donor_id.is_(None), Donation.contact_email == donor.email)
        if donor.email
        else None
    )
    mine = Donation.donor_id == donor.id
    return mine if unpaid is None else or_(mine, unpaid)


def erase_donor(session: Session, donor: Donor) -> None:
    """Blank the donor's personal data and what they typed on each gift. Receipts keep
    their own copy of the name and address: the law asks to keep them six years."""
    if list_active_monthly_gifts(session, donor):
        raise Conflict(
            _(
                "Please stop your monthly gift first: otherwise its next payment would "
                "bring your details back."
            )
        )
    session.execute(
        update(Donation)
        .where(donations_about(donor))
        .values(
            contact_email="",
            contact_name="",
            contact_address_line1="",
            contact_address_line2="",
            contact_postcode="",
            contact_city="",
            contact_country="",
            show_name=False,
            consent_contact=False,
        )
        .execution_options(synchronize_session="fetch")
    )
    donor.email = None
    donor.name = ""
    donor.address_line1 = ""
    donor.address_line2 = ""
    donor.postcode = ""
    donor.city = ""
    donor.country = ""
    donor.consent_contact = False
    donor.stripe_customer_id = None
    donor.sign_in_nonce = None
    donor.erased_at = utcnow()
    session.flush()


# --- the export -----------------------------------------------------------------------


def moment(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def donor_data(donor: Donor) -> dict[str, Any]:
    return {
        "email": donor.email,
        "name": donor.name,
        "address_line1": donor.address_line1,
        "address_line2": donor.address_line2,
        "postcode": donor.postcode,
        "city": donor.city,
        "country": donor.country,
        "language": donor.locale,
        "consent_contact": donor.consent_contact,
        "yearly_receipt": donor.yearly_receipt,
        "stripe_customer_id": donor.stripe_customer_id,
        "created_at": moment(donor.created_at),
    }


def donation_data(donation: Donation) -> dict[str, Any]:
    return {
        "id": donation.public_id,
        "created_at": moment(donation.created_at),
        "paid_at": moment(donation.paid_at),
        "amount_cents": donation.amount_cents,
        "refunded_cents": donation.refunded_cents,
        "currency": "EUR",
        "status": donation.status.value,
        "frequency": donation.frequency.value,
        "fund": donation.fund.code,
        "gift_item": donation.gift_item.slug if donation.gift_item else None,
        "payment_method": donation.payment_method.value,
        "wants_receipt": donation.wants_receipt,
        "show_name": donation.show_name,
        "consent_contact": donation.consent_contact,
        "language": donation.locale,
        "contact": {
            "email": donation.contact_email,
            "name": donation.contact_name,
            "address_line1": donation.contact_address_line1,
            "address_line2": donation.contact_address_line2,
            "postcode": donation.contact_postcode,
            "city": donation.contact_city,
            "country": donation.contact_country,
        },
        "receipt": donation.receipt.number if donation.receipt else None,
    }


def receipt_data(receipt: Receipt) -> dict[str, Any]:
    return {
        "number": receipt.number,
        "kind": receipt.kind.value,
        "issued_at": moment(receipt.issued_at),
        "amount_cents": receipt.amount_cents,
        "gift_date": moment(receipt.gift_date),
        "period_start": moment(receipt.period_start),
        "period_end": moment(receipt.period_end),
        "donor_name": receipt.donor_name,
        "donor_address": receipt.donor_address,
        "cancelled_at": moment(receipt.cancelled_at),
        "replaces": receipt.replaces.number if receipt.replaces else None,
    }


def monthly_gift_data(gift: MonthlyGift) -> dict[str, Any]:
    return {
        "amount_cents": gift.amount_cents,
        "fund": gift.fund.code,
        "active": gift.active,
        "started_at": moment(gift.started_at),
        "ended_at": moment(gift.ended_at),
    }


def export_donor(session: Session, donor: Donor) -> dict[str, Any]:
    """Everything Relais stores about the donor, as plain data."""
    donations = session.scalars(
        select(Donation)
        .where(donations_about(donor))
        .options(joinedload(Donation.fund), joinedload(Donation.gift_item))
        .order_by(Donation.created_at, Donation.id)
    ).all()
    receipts = session.scalars(
        select(Receipt).where(Receipt.donor_id == donor.id).order_by(Receipt.issued_at)
    ).all()
    gifts = session.scalars(
        select(MonthlyGift)
        .where(MonthlyGift.donor_id == donor.id)
        .options(joinedload(MonthlyGift.fund))
        .order_by(MonthlyGift.started_at)
    ).all()
    return {
        "exported_at": moment(utcnow()),
        "organisation": current_app.config["ORGANISATION_NAME"],
        "donor": donor_data(donor),
        "donations": [donation_data(donation) for donation in donations],
        "receipts": [receipt_data(receipt) for receipt in receipts],
        "monthly_gifts": [monthly_gift_data(gift) for gift in gifts],
    }
