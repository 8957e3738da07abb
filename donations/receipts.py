"""Tax receipts: numbering, issuing, cancelling, the PDF and the email.

Numbers are `YEAR-NNNNNN`, sequential per year with no gap: taken in the receipt's own
transaction from a per-year counter row that stays locked until it commits, so a
rolled-back receipt gives its number back and two receipts never share one."""

import hashlib
import hmac
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import Select, bindparam, func, select, update
from sqlalchemy.orm import Session, selectinload

from app import ROOT, mail
from app.clock import local_day, paris_midnight, utcnow
from app.links import external_url
from app.models import built_per_database, for_database
from donations.models import (
    INCOME_STATUSES,
    PAYMENT_METHOD_ON_RECEIPT,
    Donation,
    Donor,
    Frequency,
    Receipt,
    ReceiptCounter,
    ReceiptKind,
)
from donations.receipt_pdf import Organisation, ReceiptDocument, render_receipt
from donations.words import amount_in_words

counters = ReceiptCounter.__table__
ALLOCATE_NUMBERS = built_per_database(
    lambda insert: (
        insert(counters)
        .values(year=bindparam("year"), last_sequence=bindparam("count"))
        .on_conflict_do_update(
            index_elements=[counters.c.year],
            set_={"last_sequence": counters.c.last_sequence + bindparam("count")},
        )
        .returning(counters.c.last_sequence)
    )
)
# What a receipt cannot go without: the donor's name and postal address.
DETAILS_ON_RECEIPT = (Donor.name, Donor.address_line1, Donor.postcode, Donor.city)


def allocate_receipt_numbers(session: Session, year: int, count: int = 1) -> list[str]:
    """The next `count` numbers of `year`: the only place receipt numbers come from."""
    statement = for_database(session, ALLOCATE_NUMBERS)
    last = session.execute(statement, {"year": year, "count": count}).scalar_one()
    return [f"{year}-{sequence:06d}" for sequence in range(last - count + 1, last + 1)]


def needs_single_receipt(donation: Donation, *, yearly_summary: bool) -> bool:
    """A gift just paid gets its receipt at once, unless the donor wants none, or gives
    monthly and chose one yearly summary instead (`yearly_summary`, the donor's choice)."""
    if not donation.wants_receipt or donation.receipt_id is not None:
        return False
    return not (donation.frequency == Frequency.MONTHLY and yearly_summary)


def new_receipt(
    number: str,
    donations: list[Donation],
    *,
    donor_id: int | None,
    donor_name: str,
    donor_address: str,
    kind: ReceiptKind,
    gift_date: date | None = None,
    period: tuple[date, date] | None = None,
    replaces: Receipt | None = None,
) -> Receipt:
    """A receipt for what these donations kept, to this name and address: both stay as
    printed whatever happens to the donor later."""
    methods = Counter(donation.payment_method for donation in donations)
    year, sequence = (int(part) for part in number.split("-"))
    receipt = Receipt(
        number=number,
        year=year,
        sequence=sequence,
        kind=kind,
        donor_id=donor_id,
        donor_name=donor_name,
        donor_address=donor_address,
        amount_cents=sum(donation.kept_cents for donation in donations),
        gift_date=gift_date,
        period_start=period[0] if period else None,
        period_end=period[1] if period else None,
        payment_method=methods.most_common(1)[0][0],
        replaces=replaces,
        donations=donations,
    )
    for donation in donations:
        donation.receipt = receipt
    return receipt


def issue_single_receipt(
    session: Session,
    donation: Donation,
    *,
    donor_name: str,
    donor_address: str,
    issued_at: datetime | None = None,
) -> Receipt:
    """The receipt of one gift just paid, numbered now, to the name and address given
    for this gift (typed with it, or the donor's on file); dated `issued_at`, by default
    the present."""
    assert donation.paid_at is not None
    gift_date = local_day(donation.paid_at)
    (number,) = allocate_receipt_numbers(session, gift_date.year)
    receipt = new_receipt(
        number,
        [donation],
        donor_id=donation.donor_id,
        donor_name=donor_name,
        donor_address=donor_address,
        kind=ReceiptKind.SINGLE,
        gift_date=gift_date,
    )
    receipt.issued_at = issued_at or utcnow()
    session.add(receipt)
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


def reissue(session: Session, receipt: Receipt, reason: str) -> Receipt | None:
    """After a refund or a lost dispute: cancel the receipt, and issue one for what its
    gifts still keep (none when nothing is kept), to the same name and address. A
    yearly summary loses the gifts given back. The new receipt says which one it
    replaces."""
    kept = [donation for donation in receipt.donations if donation.counts_as_income]
    cancel_receipt(session, receipt, reason)
    if not kept:
        return None
    (number,) = allocate_receipt_numbers(session, receipt.year)
    period = None
    if receipt.period_start and receipt.period_end:
        period = (receipt.period_start, receipt.period_end)
    replacement = new_receipt(
        number,
        kept,
        donor_id=receipt.donor_id,
        donor_name=receipt.donor_name,
        donor_address=receipt.donor_address,
        kind=receipt.kind,
        gift_date=receipt.gift_date,
        period=period,
        replaces=receipt,
    )
    session.add(replacement)
    session.flush()
    return replacement


# --- yearly summaries for monthly donors ----------------------------------------------


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The calendar year in France, as UTC instants: [1 January, next 1 January)."""
    return paris_midnight(date(year, 1, 1)), paris_midnight(date(year + 1, 1, 1))


def due_for_yearly_receipt(year: int) -> Select[Any]:
    """Paid monthly gifts of `year` on no receipt yet, of donors who chose one yearly
    summary and have a name and postal address on file (the others wait for theirs)."""
    start, end = year_bounds(year)
    return (
        select(Donation)
        .join(Donor, Donation.donor_id == Donor.id)
        .where(
            Donation.frequency == Frequency.MONTHLY,
            Donation.status.in_(INCOME_STATUSES),
            Donation.receipt_id.is_(None),
            Donation.wants_receipt,
            Donation.paid_at >= start,
            Donation.paid_at < end,
            Donor.yearly_receipt,
            Donor.erased_at.is_(None),
            *(column != "" for column in DETAILS_ON_RECEIPT),
        )
    )


def count_donors_due(session: Session, year: int) -> int:
    donors = due_for_yearly_receipt(year).with_only_columns(Donation.donor_id).distinct()
    return session.scalar(select(func.count()).select_from(donors.subquery())) or 0


def issue_yearly_receipts(session: Session, year: int, *, limit: int) -> list[Receipt]:
    """One summary receipt for each of the next `limit` donors due one. Their gifts are
    locked and checked again, so two runs at once never put a gift on two receipts."""
    donor_ids = session.scalars(
        due_for_yearly_receipt(year)
        .with_only_columns(Donation.donor_id)
        .distinct()
        .order_by(Donation.donor_id)
        .limit(limit)
    ).all()
    if not donor_ids:
        return []
    donations = session.scalars(
        due_for_yearly_receipt(year)
        .where(Donation.donor_id.in_(donor_ids))
        .order_by(Donation.donor_id, Donation.paid_at)
        .with_for_update(of=Donation)
        .options(selectinload(Donation.donor))  # in one query, not one per receipt
        .execution_options(populate_existing=True)
    ).all()
    by_donor: dict[int, list[Donation]] = {}
    for donation in donations:
        if donation.receipt_id is None and donation.donor_id is not None:
            by_donor.setdefault(donation.donor_id, []).append(donation)
    if not by_donor:
        return []
    numbers = allocate_receipt_numbers(session, year, len(by_donor))
    period = (date(year, 1, 1), date(year, 12, 31))
    issued = []
    for number, gifts in zip(numbers, by_donor.values(), strict=True):
        donor = gifts[0].donor
        assert donor is not None
        issued.append(
            new_receipt(
                number,
                gifts,
                donor_id=donor.id,
                donor_name=donor.name,
                donor_address=donor.postal_address(),
                kind=ReceiptKind.YEARLY,
                period=period,
            )
        )
    session.add_all(issued)
    session.flush()
    return issued


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
        issued_on=local_day(receipt.issued_at),
        verify_url=verification_url(receipt),
        cancelled=receipt.cancelled,
        duplicate=duplicate,
        replaces=receipt.replaces.number if receipt.replaces else None,
    )


def receipt_pdf(receipt: Receipt, *, duplicate: bool = False) -> bytes:
    return render_receipt(receipt_document(receipt, duplicate=duplicate))


def receipt_filename(receipt: Receipt) -> str:
    return filename_of(receipt.number)


def filename_of(number: str) -> str:
    return f"recu-fiscal-{number}.pdf"


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


def keys_match(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def masked_name(name: str) -> str:
    """Enough for a donor to recognise their receipt, not enough to learn who gave."""
    return " ".join(word[0] + "*" * (len(word) - 1) for word in name.split())


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


# --- many receipts at once ------------------------------------------------------------


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
