"""JSON API for the treasurer's integrations: donations and their receipts' PDFs."""

from typing import Any

from flask import abort, current_app
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from werkzeug.wrappers import Response

from app.extensions import db
from app.inputs import MAX_DATABASE_INT
from app.links import external_url
from app.permissions import requires
from app.security import never_cache
from donations import queries, receipts
from donations.models import Donation, DonationStatus, Frequency
from donations.views.common import receipt_response

blp = Blueprint("donations_api", __name__, url_prefix="/api/v1", description="Donations")
blp.after_request(never_cache)  # the treasurer's donors and money


class DonationQuerySchema(Schema):
    start = fields.Date(
        load_default=None,
        validate=validate.Range(min=queries.EARLIEST_DAY, max=queries.LATEST_DAY),
        metadata={"description": "Created on or after"},
    )
    end = fields.Date(
        load_default=None,
        validate=validate.Range(min=queries.EARLIEST_DAY, max=queries.LATEST_DAY),
        metadata={"description": "Created on or before"},
    )
    fund = fields.String(load_default="", validate=validate.Length(max=32))
    gift_item = fields.String(load_default="", validate=validate.Length(max=64))
    status = fields.Enum(DonationStatus, by_value=True, load_default=None)
    frequency = fields.Enum(Frequency, by_value=True, load_default=None)
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_DATABASE_INT))


class DonationSchema(Schema):
    id = fields.String(metadata={"description": "The donation's public id"})
    created_at = fields.DateTime()
    paid_at = fields.DateTime(allow_none=True)
    amount_cents = fields.Integer()
    refunded_cents = fields.Integer()
    currency = fields.String()
    status = fields.String()
    frequency = fields.String()
    fund = fields.String()
    gift_item = fields.String(allow_none=True)
    receipt_number = fields.String(allow_none=True)
    receipt_url = fields.String(allow_none=True)


class DonationPageSchema(Schema):
    donations = fields.List(fields.Nested(DonationSchema))
    page = fields.Integer()
    pages = fields.Integer()
    total = fields.Integer()


def donation_out(donation: Donation) -> dict[str, Any]:
    receipt = donation.receipt
    return {
        "id": donation.public_id,
        "created_at": donation.created_at,
        "paid_at": donation.paid_at,
        "amount_cents": donation.amount_cents,
        "refunded_cents": donation.refunded_cents,
        "currency": "eur",
        "status": donation.status.value,
        "frequency": donation.frequency.value,
        "fund": donation.fund.code,
        "gift_item": donation.gift_item.slug if donation.gift_item else None,
        "receipt_number": receipt.number if receipt else None,
        "receipt_url": (
            external_url("donations_api.receipt_pdf", number=receipt.number) if receipt else None
        ),
    }


@blp.route("/donations", methods=["GET"])
@requires("donations.view")
@blp.arguments(DonationQuerySchema, location="query")
@blp.response(200, DonationPageSchema)
def list_donations(query: dict[str, Any]) -> dict[str, Any]:
    """Donations, newest first, with their status, amount and receipt."""
    page_number = query.pop("page")
    wanted = queries.DonationFilter(**query)
    page = queries.list_donations(db.session, wanted, page_number, current_app.config["PAGE_SIZE"])
    return {
        "donations": [donation_out(donation) for (donation,) in page.rows],
        "page": page.page,
        "pages": page.pages,
        "total": page.total,
    }


@blp.route("/receipts/<number>.pdf", methods=["GET"])
@requires("donations.view")
@blp.response(200, {"type": "string", "format": "binary"}, content_type="application/pdf")
def receipt_pdf(number: str) -> Response:
    """A receipt's PDF, marked DUPLICATA (a reprint)."""
    receipt = receipts.get_receipt(db.session, number)
    if receipt is None:
        abort(404)
    return receipt_response(receipt, duplicate=True)
