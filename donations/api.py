"""JSON API for the treasurer's integrations: donations and their receipts' PDFs."""

from typing import Any

from flask import abort, current_app
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from werkzeug.wrappers import Response

from app.extensions import db
from app.inputs import MAX_DATABASE_INT
from app.links import external_url
from app.pagination import Page
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


def receipt_url(donation: Donation) -> str | None:
    receipt = donation.receipt
    return external_url("donations_api.receipt_pdf", number=receipt.number) if receipt else None


class DonationSchema(Schema):
    id = fields.String(attribute="public_id", metadata={"description": "The donation's public id"})
    created_at = fields.DateTime()
    paid_at = fields.DateTime(allow_none=True)
    amount_cents = fields.Integer()
    refunded_cents = fields.Integer()
    currency = fields.Constant("eur")
    status = fields.Enum(DonationStatus, by_value=True)
    frequency = fields.Enum(Frequency, by_value=True)
    fund = fields.Function(lambda donation: donation.fund.code)
    gift_item = fields.Function(
        lambda donation: donation.gift_item.slug if donation.gift_item else None, allow_none=True
    )
    receipt_number = fields.Function(
        lambda donation: donation.receipt.number if donation.receipt else None, allow_none=True
    )
    receipt_url = fields.Function(receipt_url, allow_none=True)


class DonationPageSchema(Schema):
    donations = fields.List(fields.Nested(DonationSchema), attribute="rows")
    page = fields.Integer()
    pages = fields.Integer()
    total = fields.Integer()


@blp.route("/donations", methods=["GET"])
@requires("donations.view")
@blp.arguments(DonationQuerySchema, location="query")
@blp.response(200, DonationPageSchema)
def list_donations(query: dict[str, Any]) -> Page[Donation]:
    """Donations, newest first, with their status, amount and receipt."""
    page_number = query.pop("page")
    wanted = queries.DonationFilter(**query)
    return queries.list_donations(db.session, wanted, page_number, current_app.config["PAGE_SIZE"])


@blp.route("/receipts/<number>.pdf", methods=["GET"])
@requires("donations.view")
@blp.response(200, {"type": "string", "format": "binary"}, content_type="application/pdf")
def receipt_pdf(number: str) -> Response:
    """A receipt's PDF, marked DUPLICATA (a reprint)."""
    receipt = receipts.get_receipt(db.session, number)
    if receipt is None:
        abort(404)
    return receipt_response(receipt, duplicate=True)
