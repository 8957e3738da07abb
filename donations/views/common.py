"""The donations blueprint, and what its pages and the donor area share: a receipt's
PDF as an answer, and the emails a payment's news calls for once it is committed."""

from flask import Blueprint, current_app
from werkzeug.wrappers import Response

from app import exports
from app.extensions import db
from app.security import never_cache
from donations import receipt_document, receipt_mail, services
from donations.models import Donor, Receipt
from donations.services import donors

bp = Blueprint("donations", __name__, url_prefix="/donations")


def receipt_response(receipt: Receipt, *, duplicate: bool) -> Response:
    return never_cache(
        exports.pdf_response(
            receipt_document.receipt_pdf(receipt, duplicate=duplicate),
            receipt_document.receipt_filename(receipt),
        )
    )


def send_after_commit(after: services.AfterCommit) -> None:
    """The emails a payment's news calls for, once it is committed."""
    for receipt_id in after.receipt_ids:
        send_receipt(receipt_id)
    if after.ask_details_of is not None:
        ask_for_details(after.ask_details_of)


def ask_for_details(donor_id: int) -> None:
    """Email the donor a sign-in link to give the name and address their receipt waits
    for. A mail failure is logged; the treasurer sees the wait either way."""
    donor = db.session.get(Donor, donor_id)
    if donor is None or not donor.email:
        return
    token = donors.issue_sign_in_token(db.session, donor)
    db.session.commit()
    try:
        donors.send_details_request(donor, token)
    except OSError:
        current_app.logger.exception("Donor %s was not asked for their details", donor_id)


def send_receipt(receipt_id: int | None) -> None:
    """Email a receipt just committed, and record that it went; unless a watching sender
    emails receipts (RECEIPT_SENDER), which then takes it within seconds."""
    if receipt_id is None or current_app.config["RECEIPT_SENDER"]:
        return
    receipt = db.session.get(Receipt, receipt_id)
    if receipt is not None and receipt_mail.email_to_donor(receipt):
        db.session.commit()
