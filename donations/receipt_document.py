"""A receipt as it is printed and checked: the document its PDF shows (French, whatever
the donor's language), its file name, and the key its QR code carries so that only its
holder can look its number up."""

import hashlib
import hmac
from functools import cache
from pathlib import Path

from flask import current_app

from app import ROOT
from app.clock import local_day
from app.links import external_url
from donations.models import PAYMENT_METHOD_ON_RECEIPT, Receipt
from donations.receipt_pdf import Organisation, ReceiptDocument, render_receipt
from donations.words import amount_in_words


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


def keys_match(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def masked_name(name: str) -> str:
    """Enough for a donor to recognise their receipt, not enough to learn who gave."""
    return " ".join(word[0] + "*" * (len(word) - 1) for word in name.split())
