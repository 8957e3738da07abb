"""JSON API for crates, stock, sites and need lists, used by the scanner's offline sync
and by integrations. Same services and permissions as the pages."""

from collections.abc import Callable
from typing import Any

from flask import Response, current_app, g, jsonify
from flask_babel import gettext as _
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from app.errors import InvalidInput
from app.extensions import db
from app.i18n import current_locale
from app.idempotency import Answer, run_once
from app.inputs import MAX_DATABASE_INT
from app.permissions import public, requires
from inventory import queries, services
from inventory.models import Crate, Gender, StockItem
from inventory.views.labels import label_format_from, labels_for, labels_response

blp = Blueprint(
    "inventory_api", __name__, url_prefix="/api/v1", description="Crates, stock and needs"
)

EVENT_ID = fields.String(
    validate=validate.Length(min=8, max=64),
    metadata={
        "description": "Chosen by the client; the same id sent again changes nothing "
        "and returns the first answer."
    },
)
SITE_ID = fields.Integer(
    required=True, strict=True, validate=validate.Range(min=1, max=MAX_DATABASE_INT)
)

PLACE = fields.String(
    load_default=None,
    allow_none=True,
    validate=validate.Length(max=services.MAX_PLACE_LENGTH),
    metadata={"description": "Where inside the site, such as “Shelf B3”."},
)


class LineSchema(Schema):
    item_id = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=1, max=MAX_DATABASE_INT)
    )
    quantity = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=1, max=services.MAX_LINE_QUANTITY)
    )
    gender = fields.String(
        load_default="", validate=validate.OneOf(["", *(g.value for g in Gender)])
    )
    size = fields.String(load_default="", validate=validate.Length(max=12))


class PackSchema(Schema):
    site_id = SITE_ID
    lines = fields.List(
        fields.Nested(LineSchema),
        required=True,
        validate=validate.Length(min=1, max=services.MAX_LINES_PER_CRATE),
    )
    expiry_date = fields.Date(load_default=None)
    weight_grams = fields.Integer(
        load_default=None,
        strict=True,
        validate=validate.Range(min=0, max=services.MAX_CRATE_WEIGHT_GRAMS),
    )
    note = fields.String(load_default="", validate=validate.Length(max=500))
    place = PLACE
    event_id = EVENT_ID


class SiteActionSchema(Schema):
    site_id = SITE_ID
    event_id = EVENT_ID


class MoveSchema(SiteActionSchema):
    place = PLACE


class EventSchema(Schema):
    event_id = EVENT_ID


class ScrapSchema(Schema):
    reason = fields.String(load_default="", validate=validate.Length(max=500))
    event_id = EVENT_ID


class CreateCratesSchema(Schema):
    count = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=1, max=services.MAX_CRATES_AT_ONCE)
    )


class CrateLineOutSchema(Schema):
    stock_item_id = fields.Integer()
    item_id = fields.Integer()
    name = fields.String()
    gender = fields.String()
    size = fields.String()
    quantity = fields.Integer()


class CrateSchema(Schema):
    code = fields.String()
    display_code = fields.String()
    state = fields.String()
    site_id = fields.Integer(allow_none=True)
    destination_site_id = fields.Integer(allow_none=True)
    expiry_date = fields.Date(allow_none=True)
    weight_grams = fields.Integer(allow_none=True)
    note = fields.String()
    place = fields.String(allow_none=True)
    lines = fields.List(fields.Nested(CrateLineOutSchema))
    url = fields.String()


class CodesSchema(Schema):
    codes = fields.List(fields.String())


class StockQuerySchema(Schema):
    site_id = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_DATABASE_INT))


class StockRowSchema(Schema):
    stock_item_id = fields.Integer()
    item_id = fields.Integer()
    name = fields.String()
    category = fields.String()
    unit = fields.String()
    gender = fields.String()
    size = fields.String()
    quantity = fields.Integer()


class SiteSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    kind = fields.String()
    address = fields.String()
    postcode = fields.String()
    city = fields.String()
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)
    opening_hours = fields.String()
    contact = fields.String()


class NeedSchema(Schema):
    item_id = fields.Integer()
    name = fields.String()
    gender = fields.String()
    size = fields.String()
    priority = fields.String()
    target_quantity = fields.Integer()
    on_hand = fields.Integer()
    in_transit = fields.Integer()
    shortfall = fields.Integer()
    note = fields.String()


class LabelQuerySchema(Schema):
    codes = fields.String(required=True, validate=validate.Length(min=1, max=10_000))
    format = fields.String(load_default="a4", validate=validate.OneOf(["a4", "thermal62"]))


def stock_item_out(stock_item: StockItem) -> dict[str, Any]:
    return {
        "stock_item_id": stock_item.id,
        "item_id": stock_item.item_id,
        "name": stock_item.item.name(current_locale()),
        "gender": stock_item.gender,
        "size": stock_item.size,
    }


def crate_out(crate: Crate) -> dict[str, Any]:
    return {
        "code": crate.code,
        "display_code": crate.display_code,
        "state": crate.state.value,
        "site_id": crate.site_id,
        "destination_site_id": crate.destination_site_id,
        "expiry_date": crate.expiry_date,
        "weight_grams": crate.weight_grams,
        "note": crate.note,
        "place": crate.place,
        "lines": [
            {**stock_item_out(line.stock_item), "quantity": line.quantity} for line in crate.lines
        ],
        "url": f"{current_app.config['BASE_URL']}/c/{crate.code}",
    }


def crate_write(
    code: str, action: str, payload: dict[str, Any], change: Callable[[Crate], None]
) -> Response:
    """Lock the crate, apply one change once per event id, commit, answer with the crate."""
    event_id = payload.pop("event_id", None)

    def work() -> Answer:
        crate = services.get_crate(db.session, code, for_update=True)
        change(crate)
        return Answer(200, crate_out(crate))

    answer = run_once(
        db.session,
        actor_id=g.api_user.id,
        event_id=event_id,
        action=f"{action}:{code.upper()}",
        payload=payload,
        work=work,
    )
    db.session.commit()
    response = jsonify(answer.body)
    response.status_code = answer.status
    if answer.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


@blp.route("/crates", methods=["POST"])
@requires("crates.create")
@blp.arguments(CreateCratesSchema)
@blp.response(201, CodesSchema)
def create_crates(data: dict[str, int]) -> dict[str, list[str]]:
    """Create empty crates (labels to print) and return their codes."""
    crates = services.create_crates(db.session, actor=g.api_user, count=data["count"])
    db.session.commit()
    return {"codes": [crate.code for crate in crates]}


@blp.route("/crates/<code>", methods=["GET"])
@requires("crates.scan")
@blp.response(200, CrateSchema)
def get_crate(code: str) -> dict[str, Any]:
    """A crate: its state, where it is and what it holds."""
    return crate_out(services.get_crate(db.session, code))


@blp.route("/crates/<code>/pack", methods=["POST"])
@requires("crates.act")
@blp.arguments(PackSchema)
@blp.response(200, CrateSchema)
def pack_crate(data: dict[str, Any], code: str) -> Response:
    """Pack an empty crate at a site with one or more lines. A distributed or scrapped
    crate answers 409: empty it with `/reuse` first."""
    lines = [services.LineInput(**line) for line in data["lines"]]
    return crate_write(
        code,
        "pack",
        data,
        lambda crate: services.pack_crate(
            db.session,
            actor=g.api_user,
            crate=crate,
            site_id=data["site_id"],
            lines=lines,
            expiry_date=data["expiry_date"],
            weight_grams=data["weight_grams"],
            note=data["note"],
            place=data["place"],
        ),
    )


@blp.route("/crates/<code>/move", methods=["POST"])
@requires("crates.act")
@blp.arguments(MoveSchema)
@blp.response(200, CrateSchema)
def move_crate(data: dict[str, Any], code: str) -> Response:
    """The crate is now at `site_id` (checked in there, at `place` inside it if given). A
    volunteer checks in only a crate sent to, or in stock or lost at, one of their sites:
    403 otherwise."""
    return crate_write(
        code,
        "move",
        data,
        lambda crate: services.check_in_crate(
            db.session, actor=g.api_user, crate=crate, site_id=data["site_id"], place=data["place"]
        ),
    )


@blp.route("/crates/<code>/dispatch", methods=["POST"])
@requires("crates.act")
@blp.arguments(SiteActionSchema)
@blp.response(200, CrateSchema)
def dispatch_crate(data: dict[str, Any], code: str) -> Response:
    """The crate leaves its site for `site_id`; it is in transit until moved there."""
    return crate_write(
        code,
        "dispatch",
        data,
        lambda crate: services.dispatch_crate(
            db.session, actor=g.api_user, crate=crate, destination_site_id=data["site_id"]
        ),
    )


@blp.route("/crates/<code>/distribute", methods=["POST"])
@requires("crates.act")
@blp.arguments(EventSchema)
@blp.response(200, CrateSchema)
def distribute_crate(data: dict[str, Any], code: str) -> Response:
    """The crate's contents were handed out."""
    return crate_write(
        code,
        "distribute",
        data,
        lambda crate: services.distribute_crate(db.session, actor=g.api_user, crate=crate),
    )


@blp.route("/crates/<code>/scrap", methods=["POST"])
@requires("crates.act")
@blp.arguments(ScrapSchema)
@blp.response(200, CrateSchema)
def scrap_crate(data: dict[str, Any], code: str) -> Response:
    """The crate and its contents were thrown away."""
    return crate_write(
        code,
        "scrap",
        data,
        lambda crate: services.scrap_crate(
            db.session, actor=g.api_user, crate=crate, reason=data["reason"]
        ),
    )


@blp.route("/crates/<code>/reuse", methods=["POST"])
@requires("crates.act")
@blp.arguments(EventSchema)
@blp.response(200, CrateSchema)
def reuse_crate(data: dict[str, Any], code: str) -> Response:
    """Use a distributed or scrapped crate's label again: the crate is empty once more
    (its history and ledger movements are kept), ready for `/pack`. Packing never does
    this by itself, so an old label scanned by mistake cannot hide a crate's past: a
    pack on a distributed or scrapped crate stays a 409, and this explicit step comes
    first (offline, queue both in order). 409 for a crate still in use."""
    return crate_write(
        code,
        "reuse",
        data,
        lambda crate: services.reuse_crate(db.session, actor=g.api_user, crate=crate),
    )


@blp.route("/stock", methods=["GET"])
@requires("stock.view")
@blp.arguments(StockQuerySchema, location="query")
@blp.response(200, StockRowSchema(many=True))
def stock(query: dict[str, int]) -> list[dict[str, Any]]:
    """Quantities on hand at a site, per stock item."""
    site = services.get_site(db.session, query["site_id"])
    return [
        {
            **stock_item_out(stock_item),
            "category": stock_item.item.category.value,
            "unit": stock_item.item.unit.value,
            "quantity": quantity,
        }
        for stock_item, quantity in queries.on_hand_at_site(db.session, site.id)
    ]


@blp.route("/sites", methods=["GET"])
@public
@blp.response(200, SiteSchema(many=True))
@blp.doc(security=[])
def sites() -> list[Any]:
    """Public collection and distribution points, with address and opening hours."""
    return list(queries.list_public_collection_points(db.session))


@blp.route("/sites/<int:site_id>/needs", methods=["GET"])
@public
@blp.response(200, NeedSchema(many=True))
@blp.doc(security=[])
def site_needs(site_id: int) -> list[dict[str, Any]]:
    """What a public site needs now, most urgent first."""
    site = services.get_public_site(db.session, site_id)
    return [
        {
            "item_id": need.line.item_id,
            "name": need.line.item.name(current_locale()),
            "gender": need.line.gender,
            "size": need.line.size,
            "priority": need.line.priority.value,
            "target_quantity": need.line.target_quantity,
            "on_hand": need.on_hand,
            "in_transit": need.in_transit,
            "shortfall": need.shortfall,
            "note": need.line.note,
        }
        for need in queries.list_needs(db.session, site.id)
    ]


@blp.route("/labels.pdf", methods=["GET"])
@requires("labels.print")
@blp.arguments(LabelQuerySchema, location="query")
@blp.response(200, {"type": "string", "format": "binary"}, content_type="application/pdf")
def labels(query: dict[str, str]) -> Response:
    """Printable labels for existing crates (A4 sheets of 24, or 62 mm thermal)."""
    codes = [code for code in query["codes"].split(",") if code.strip()][:1000]
    if not codes:
        raise InvalidInput(_("Give at least one crate code."), field="codes")
    crates = [services.get_crate(db.session, code) for code in codes]
    return labels_response(
        labels_for(crates), label_format_from(query["format"]), "crate-labels.pdf"
    )
