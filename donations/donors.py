"""A donor in their own area: one-time sign-in links, their gifts and receipts, their
receipt preference, the export of what is stored about them, and erasure.

A sign-in link is signed with the app's secret key and carries the donor's id and the
nonce stored on the donor: a new link replaces the nonce and using a link clears it, so
a link works once, and only the latest one does. None of these functions commits."""

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from http import HTTPStatus
from typing import Any, TypeVar

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import ColumnElement, Select, and_, case, exists, func, or_, select, update
from sqlalchemy.orm import Session, joinedload

from app import mail
from app.auth import normalise_email
from app.clock import local_day, utcnow
from app.errors import Conflict, DomainError, NotFound
from app.links import external_url
from app.pagination import Page, paginate
from donations import services
from donations.models import (
    Donation,
    Donor,
    Frequency,
    Fund,
    FundSpending,
    MonthlyGift,
    Receipt,
)

LINK_SALT = "relais.donations.donor-sign-in"
LINK_MAX_AGE_SECONDS = 30 * 60

T = TypeVar("T")


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


def link_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=LINK_SALT)


def issue_sign_in_token(session: Session, donor: Donor) -> str:
    """A token for a new sign-in link; any link sent before stops working."""
    donor.sign_in_nonce = secrets.token_urlsafe(16)
    session.flush()
    return link_serializer().dumps({"donor": donor.id, "nonce": donor.sign_in_nonce})


def read_sign_in_token(token: str) -> tuple[int, str]:
    """The donor id and nonce of a link made in the last 30 minutes."""
    try:
        data = link_serializer().loads(token, max_age=LINK_MAX_AGE_SECONDS)
    except SignatureExpired as error:
        raise LinkRefused(
            _("This sign-in link has expired: a link works for 30 minutes.")
        ) from error
    except BadSignature as error:
        raise LinkInvalid(
            _("This sign-in link is not valid. It may have been cut short when it was copied.")
        ) from error
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("donor"), int)
        or not isinstance(data.get("nonce"), str)
    ):
        raise LinkInvalid(_("This sign-in link is not valid."))
    return data["donor"], data["nonce"]


def donor_for_token(session: Session, token: str, *, for_update: bool = False) -> Donor:
    """The donor a link signs in, while the link may still be used."""
    donor_id, nonce = read_sign_in_token(token)
    query = select(Donor).where(Donor.id == donor_id)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    donor = session.scalar(query)
    if (
        donor is None
        or donor.erased_at is not None
        or donor.sign_in_nonce is None
        or not secrets.compare_digest(donor.sign_in_nonce, nonce)
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


# --- what the donor sees --------------------------------------------------------------


def scalars_page(session: Session, query: Select[tuple[T]], page: int, per_page: int) -> Page[T]:
    """A page of one kind of row (app.pagination gives rows as tuples)."""
    cut = paginate(session, query, page, per_page)
    return replace(cut, rows=[row[0] for row in cut.rows])


def list_gifts(session: Session, donor: Donor, *, page: int, per_page: int) -> Page[Donation]:
    """The donor's payments, newest first."""
    query = (
        select(Donation)
        .where(Donation.donor_id == donor.id)
        .options(joinedload(Donation.fund), joinedload(Donation.gift_item))
        .order_by(func.coalesce(Donation.paid_at, Donation.created_at).desc(), Donation.id.desc())
    )
    return scalars_page(session, query, page, per_page)


def list_receipts(session: Session, donor: Donor, *, page: int, per_page: int) -> Page[Receipt]:
    query = (
        select(Receipt)
        .where(Receipt.donor_id == donor.id)
        .order_by(Receipt.issued_at.desc(), Receipt.id.desc())
    )
    return scalars_page(session, query, page, per_page)


def get_receipt(session: Session, donor: Donor, number: str) -> Receipt:
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


# --- what the donor changes -----------------------------------------------------------


def set_receipt_preference(donor: Donor, *, yearly: bool) -> None:
    """One summary a year for monthly payments, or a receipt for each, from now on."""
    donor.yearly_receipt = yearly


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


def waiting_for_details(session: Session, donor: Donor) -> Sequence[Donation]:
    """The donor's paid gifts whose receipt waits for their name and postal address."""
    return session.scalars(
        select(Donation)
        .where(Donation.donor_id == donor.id, Donation.awaiting_details)
        .order_by(Donation.paid_at, Donation.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()


def change_details(
    session: Session, donor: Donor, details: services.Contact
) -> services.AfterCommit:
    """The donor's name and postal address on file, changed by the donor themselves
    (signed in). Receipts already issued keep what they print; those that waited for
    these details are issued now (returned, to be emailed once committed), and monthly
    gifts go on the next yearly summary."""
    tidy = services.tidy_contact(details)
    services.require_receipt_details(tidy)
    for field in services.ADDRESS_FIELDS:
        setattr(donor, field, getattr(tidy, field))
    donor.details_requested_at = None
    session.flush()
    after = services.AfterCommit()
    for donation in waiting_for_details(session, donor):
        if donation.counts_as_income:
            after |= services.settle_receipt(session, donation)
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
