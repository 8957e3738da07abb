"""JSON API for crates, stock, sites and need lists, used by the scanner's offline sync
and by integrations. Same services and permissions as the pages."""

from collections.abc import Callable, Sequence
from typing import Any

from flask import current_app, g
from flask_babel import gettext as _
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from werkzeug.wrappers import Response

from app.api import DATABASE_ID, EVENT_ID, write_once
from app.errors import InvalidInput
from app.extensions import db
from app.i18n import current_locale
from app.permissions import public, requires
from inventory import queries, services
from inventory.models import Crate, Gender, Item, Site
from inventory.views.labels import label_format_from, labels_for, labels_response

blp = Blueprint(
    "inventory_api", __name__, url_prefix="/api/v1", description="Crates, stock and needs"
)

SITE_ID = fields.Integer(required=True, strict=True, validate=DATABASE_ID)

PLACE = fields.String(
    load_default=None,
    allow_none=True,
    validate=validate.Length(max=services.MAX_PLACE_LENGTH),
    metadata={"description": "Where inside the site, such as “Shelf B3”."},
)


class LineSchema(Schema):
    item_id = fields.Integer(required=True, strict=True, validate=DATABASE_ID)
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


def item_name(item: Item) -> str:
    return item.name(current_locale())


def crate_url(crate: Crate) -> str:
    return f"{current_app.config['BASE_URL']}/c/{crate.code}"


class StockItemOutSchema(Schema):
    """A stock item, read from the `stock_item` of what is written (a crate's line, a
    row of a site's stock)."""

    stock_item_id = fields.Integer(attribute="stock_item.id")
    item_id = fields.Integer(attribute="stock_item.item_id")
    name = fields.Function(
        lambda thing: item_name(thing.stock_item.item), metadata={"type": "string"}
    )
    gender = fields.String(attribute="stock_item.gender")
    size = fields.String(attribute="stock_item.size")


class CrateLineOutSchema(StockItemOutSchema):
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
    url = fields.Function(crate_url, metadata={"type": "string"})


CRATE_SCHEMA = CrateSchema()


class CodesSchema(Schema):
    codes = fields.List(fields.String())


class StockQuerySchema(Schema):
    site_id = fields.Integer(required=True, validate=DATABASE_ID)


class StockRowSchema(StockItemOutSchema):
    category = fields.String(attribute="stock_item.item.category")
    unit = fields.String(attribute="stock_item.item.unit")
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
    item_id = fields.Integer(attribute="line.item_id")
    name = fields.Function(lambda need: item_name(need.line.item), metadata={"type": "string"})
    gender = fields.String(attribute="line.gender")
    size = fields.String(attribute="line.size")
    priority = fields.String(attribute="line.priority")
    target_quantity = fields.Integer(attribute="line.target_quantity")
    on_hand = fields.Integer()
    in_transit = fields.Integer()
    shortfall = fields.Integer()
    note = fields.String(attribute="line.note")


class LabelQuerySchema(Schema):
    codes = fields.String(required=True, validate=validate.Length(min=1, max=10_000))
    format = fields.String(load_default="a4", validate=validate.OneOf(["a4", "thermal62"]))


def crate_write(
    code: str, action: str, payload: dict[str, Any], change: Callable[[Crate], object]
) -> Response:
    """Lock the crate, apply one change once per event id, commit, answer with the crate."""

    def work() -> Crate:
        crate = services.get_crate(db.session, code, for_update=True)
        change(crate)
        return crate

    return write_once(
        f"{action}:{code.upper()}", payload, status=200, schema=CRATE_SCHEMA, change=work
    )


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
def get_crate(code: str) -> Crate:
    """A crate: its state, where it is and what it holds."""
    return services.get_crate(db.session, code)


@blp.route("/crates/<code>/pack", methods=["POST"])
@requires("crates.act")
@blp.arguments(PackSchema)
@blp.response(200, CrateSchema)
def pack_crate(data: dict[str, Any], code: str) -> Response:
    """Pack an empty crate at a site with one or more lines. A distributed or scrapped
    crate answers 409: empty it with `/reuse` first. Every refused line is answered at
    once, under `errors.json.lines.<index>`."""
    # Each line is keyed by its place in the list, as flask-smorest names a list's entries.
    lines = [services.LineInput(**line, key=str(index)) for index, line in enumerate(data["lines"])]
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
def stock(query: dict[str, int]) -> list[queries.OnHand]:
    """Quantities on hand at a site, per stock item."""
    site = services.get_site(db.session, query["site_id"])
    return queries.on_hand_at_site(db.session, site.id)


@blp.route("/sites", methods=["GET"])
@public
@blp.response(200, SiteSchema(many=True))
@blp.doc(security=[])
def sites() -> Sequence[Site]:
    """Public collection and distribution points, with address and opening hours."""
    return queries.list_public_collection_points(db.session)


@blp.route("/sites/<int:site_id>/needs", methods=["GET"])
@public
@blp.response(200, NeedSchema(many=True))
@blp.doc(security=[])
def site_needs(site_id: int) -> Sequence[queries.Need]:
    """What a public site needs now, most urgent first."""
    site = services.get_public_site(db.session, site_id)
    return queries.list_needs(db.session, site.id)


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
