"""Tax receipts: numbering, issuing, cancelling, the PDF and the email.

Numbers are `YEAR-NNNNNN`, sequential per year with no gap: taken in the receipt's own
transaction from a per-year counter row that stays locked until it commits, so a
rolled-back receipt gives its number back and two receipts never share one."""

import hashlib
import hmac
from datetime import date, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app import ROOT, mail
from app.links import external_url
from app.models import utcnow
from donations.models import (
    PAYMENT_METHOD_ON_RECEIPT,
    Donation,
    Frequency,
    Receipt,
    ReceiptCounter,
    ReceiptKind,
)
from donations.receipt_pdf import Organisation, ReceiptDocument, render_receipt
from donations.words import amount_in_words

PARIS = ZoneInfo("Europe/Paris")
counters = ReceiptCounter.__table__


def allocate_receipt_number(session: Session, year: int) -> tuple[int, str]:
    """The next number of `year`: the only place receipt numbers come from."""
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(counters)
        .values(year=year, last_sequence=1)
        .on_conflict_do_update(
            index_elements=[counters.c.year],
            set_={"last_sequence": counters.c.last_sequence + 1},
        )
        .returning(counters.c.last_sequence)
    )
    sequence = session.execute(statement).scalar_one()
    return sequence, f"{year}-{sequence:06d}"


def local_date(moment: datetime) -> date:
    """The day of a payment in France, which decides its tax year."""
    return moment.astimezone(PARIS).date()


def needs_single_receipt(donation: Donation) -> bool:
    """A paid gift gets its receipt at once, unless the donor wants none, or gives
    monthly and chose one yearly summary instead."""
    if not donation.wants_receipt or donation.receipt_id is not None or donation.donor is None:
        return False
    if not donation.counts_as_income or donation.paid_at is None:
        return False
    return not (donation.frequency == Frequency.MONTHLY and donation.donor.yearly_receipt)


def issue_single_receipt(
    session: Session, donation: Donation, *, replaces: Receipt | None = None
) -> Receipt:
    assert donation.donor is not None and donation.paid_at is not None
    gift_date = local_date(donation.paid_at)
    sequence, number = allocate_receipt_number(session, gift_date.year)
    receipt = Receipt(
        number=number,
        year=gift_date.year,
        sequence=sequence,
        kind=ReceiptKind.SINGLE,
        donor_id=donation.donor.id,
        donor_name=donation.donor.name,
        donor_address=donation.donor.postal_address(),
        amount_cents=donation.kept_cents,
        gift_date=gift_date,
        payment_method=donation.payment_method,
        replaces=replaces,
        donations=[donation],
    )
    session.add(receipt)
    donation.receipt = receipt
    session.flush()
    return receipt


def cancel_receipt(session: Session, receipt: Receipt, reason: str) -> None:
    """Kept, marked cancelled; its number is never given again."""
    if receipt.cancelled:
        return
    receipt.cancelled_at = utcnow()
    receipt.cancel_reason = reason[:200]
    for donation in receipt.donations:
        if donation.receipt_id == receipt.id:
            donation.receipt = None
    session.flush()


def reissue_for_kept_amount(session: Session, donation: Donation, reason: str) -> Receipt | None:
    """After a partial refund: cancel the receipt and issue one for what was kept."""
    old = donation.receipt
    if old is None or old.kind != ReceiptKind.SINGLE:
        return None
    cancel_receipt(session, old, reason)
    return issue_single_receipt(session, donation, replaces=old)


def get_receipt(session: Session, number: str) -> Receipt | None:
    return session.scalar(select(Receipt).where(Receipt.number == number))


# --- what is printed and sent ---------------------------------------------------------


def verification_key(number: str) -> str:
    """Printed in the receipt's QR code, so that only its holder can look a number up."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"receipt:{number}".encode(), hashlib.sha256).hexdigest()[:20]


def verification_url(receipt: Receipt) -> str:
    return external_url(
        "donations.verify_receipt", number=receipt.number, k=verification_key(receipt.number)
    )


@cache
def signature_png(path: str) -> bytes | None:
    image = Path(path) if path else ROOT / "static" / "img" / "signature-demo.png"
    return image.read_bytes() if image.is_file() else None


def organisation() -> Organisation:
    config = current_app.config
    return Organisation(
        name=config["ORGANISATION_NAME"],
        address=config["ORGANISATION_ADDRESS"],
        object=config["ORGANISATION_OBJECT"],
        kind=config["ORGANISATION_KIND"],
        registration=config["ORGANISATION_REGISTRATION"],
        signatory_name=config["RECEIPT_SIGNATORY_NAME"],
        signatory_role=config["RECEIPT_SIGNATORY_ROLE"],
        signature_png=signature_png(config["RECEIPT_SIGNATURE_IMAGE"]),
    )


def receipt_document(receipt: Receipt, *, duplicate: bool = False) -> ReceiptDocument:
    period = None
    if receipt.period_start and receipt.period_end:
        period = (receipt.period_start, receipt.period_end)
    return ReceiptDocument(
        organisation=organisation(),
        number=receipt.number,
        donor_name=receipt.donor_name,
        donor_address=receipt.donor_address,
        amount_cents=receipt.amount_cents,
        amount_in_words=amount_in_words(receipt.amount_cents),
        gift_date=receipt.gift_date,
        period=period,
        payment_method=PAYMENT_METHOD_ON_RECEIPT[receipt.payment_method],
        articles=tuple(receipt.articles.split(",")),
        issued_on=local_date(receipt.issued_at),
        verify_url=verification_url(receipt),
        cancelled=receipt.cancelled,
        duplicate=duplicate,
        replaces=receipt.replaces.number if receipt.replaces else None,
    )


def receipt_pdf(receipt: Receipt, *, duplicate: bool = False) -> bytes:
    return render_receipt(receipt_document(receipt, duplicate=duplicate))


def receipt_filename(receipt: Receipt) -> str:
    return f"recu-fiscal-{receipt.number}.pdf"


def email_receipt(receipt: Receipt, *, email: str, locale: str) -> None:
    """Send the receipt as a PDF attachment, in the donor's language; the PDF is French."""
    with force_locale(locale):
        subject = _("Your tax receipt %(number)s", number=receipt.number)
        body = _(
            "Hello %(name)s,\n\n"
            "Thank you for your gift. Your tax receipt number %(number)s is attached: keep it "
            "with your tax papers. It lets you deduct part of your gift from your income tax.\n\n"
            "%(organisation)s",
            name=receipt.donor_name,
            number=receipt.number,
            organisation=current_app.config["ORGANISATION_NAME"],
        )
    attachment = mail.Attachment(receipt_filename(receipt), receipt_pdf(receipt))
    mail.send(mail.build_message(email, subject, body, (attachment,)))
    receipt.emailed_at = utcnow()


def keys_match(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def masked_name(name: str) -> str:
    """Enough for a donor to recognise their receipt, not enough to learn who gave."""
    return " ".join(word[0] + "*" * (len(word) - 1) for word in name.split())
