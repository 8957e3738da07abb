"""Receipts by email: one just issued, from the request that issued it, or many at once
from `flask receipts`, their PDFs perhaps made by other processes. A mail failure is
logged and leaves the receipt unstamped, for `flask receipts send-pending`."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import update

from app import mail
from app.clock import utcnow
from app.extensions import Session
from app.links import external_url
from donations.models import Receipt
from donations.receipt_document import filename_of, receipt_document, receipt_pdf
from donations.receipt_pdf import ReceiptDocument, render_receipt


def receipt_draft(number: str, donor_name: str, *, email: str, locale: str) -> mail.Draft:
    """The email that carries a receipt, in the donor's language (the PDF, French, is
    attached by with_pdf)."""
    with force_locale(locale):
        subject = _("Your tax receipt %(number)s", number=number)
        body = _(
            "Hello %(name)s,\n\n"
            "Thank you for your gift. Your tax receipt number %(number)s is attached: keep it "
            "with your tax papers. It lets you deduct part of your gift from your income tax.\n\n"
            "Your gifts and receipts, at any time: %(area)s\n\n"
            "%(organisation)s",
            name=donor_name,
            number=number,
            area=external_url("donor.home"),
            organisation=current_app.config["ORGANISATION_NAME"],
        )
    return mail.draft(email, subject, body)


def with_pdf(letter: mail.Draft, number: str, pdf: bytes) -> mail.Draft:
    """The receipt's email with its PDF attached."""
    return letter.attach(mail.Attachment(filename_of(number), pdf))


def email_receipt(receipt: Receipt, *, email: str, locale: str) -> None:
    """Send the receipt as a PDF attachment, in the donor's language; the PDF is French."""
    letter = receipt_draft(receipt.number, receipt.donor_name, email=email, locale=locale)
    mail.send(with_pdf(letter, receipt.number, receipt_pdf(receipt)))
    receipt.emailed_at = utcnow()


def email_to_donor(receipt: Receipt) -> bool:
    """Email a committed receipt to its donor and stamp it (the caller commits). A mail
    failure is logged, never undoes the payment, and leaves the receipt for
    `flask receipts send-pending`."""
    donor = receipt.donor
    if donor is None or not donor.email:
        return False
    try:
        email_receipt(receipt, email=donor.email, locale=donor.locale)
    except OSError:
        current_app.logger.exception("Receipt %s could not be emailed", receipt.number)
        return False
    return True


@dataclass(frozen=True)
class Outgoing:
    """A receipt on its way to its donor, as plain data read while the receipt is at
    hand (before a commit expires it): its PDF's content and its email's draft. Another
    process may render its PDF (render_pdf), so that making it asks neither the database
    nor the app anything."""

    receipt_id: int
    number: str
    document: ReceiptDocument
    letter: mail.Draft


def outgoing(receipts: Iterable[Receipt]) -> list[Outgoing]:
    """Those of the receipts whose donor has an email address, ready to be sent."""
    return [
        Outgoing(
            receipt_id=receipt.id,
            number=receipt.number,
            document=receipt_document(receipt),
            letter=receipt_draft(
                receipt.number,
                receipt.donor_name,
                email=receipt.donor.email,
                locale=receipt.donor.locale,
            ),
        )
        for receipt in receipts
        if receipt.donor is not None and receipt.donor.email
    ]


def render_pdf(item: Outgoing) -> bytes:
    """The receipt's PDF: the costly part of sending one, pure computation that worker
    processes can share out."""
    return render_receipt(item.document)


def email_to_donors(session: Session, batch: Sequence[Outgoing], pdfs: Iterable[bytes]) -> int:
    """Send the receipts' emails (`pdfs`: render_pdf of each, in order, perhaps still
    being made by other processes) over one mail connection, and stamp those that went
    with one UPDATE, even when a later one fails (the caller commits). As for a single
    receipt, a mail failure is logged and leaves the receipt for `flask receipts
    send-pending`. Returns how many went."""
    sent: list[int] = []
    try:
        with mail.Mailer() as mailer:
            for item, pdf in zip(batch, pdfs, strict=True):
                try:
                    mailer.send(with_pdf(item.letter, item.number, pdf))
                except OSError:
                    current_app.logger.exception("Receipt %s could not be emailed", item.number)
                    continue
                sent.append(item.receipt_id)
    finally:
        if sent:
            stamp = update(Receipt).where(Receipt.id.in_(sent)).values(emailed_at=utcnow())
            session.execute(stamp)
    return len(sent)
