"""Inventory forms. Numbers and dates are typed as text and read with app.forms'
readers, so that every message is a clear one. CSRF is checked for every form by
Flask-WTF's CSRFProtect."""

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Self

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FloatField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from app.errors import DomainError, InvalidInput, refuse_together
from app.extensions import db
from app.forms import field_texts, read_date, read_int, row_field
from app.inputs import member_or
from app.labels import choices_of
from inventory.models import (
    Category,
    Priority,
    SiteKind,
    SizeRange,
    Unit,
)
from inventory.services import MAX_CRATE_WEIGHT_GRAMS, LineInput, line_refusals
from inventory.services.setup import ItemInput, SiteInput

LINE_LABELS = {
    "item_id": _l("Item"),
    "quantity": _l("Quantity"),
    "gender": _l("For"),
    "size": _l("Size"),
}


class CrateLinesForm(FlaskForm):
    """The crate lines of a pack or edit form. Each row names its fields with its own key
    (`item_id-K`, `gender-K`, ...) so that its gender and size buttons form their own
    radio groups; phones' outboxes keep forms in that shape, so `posted` makes a form
    with the fields of the rows sent. A refused line names its row's field, so the
    refusal shows beside that row."""

    row = SelectMultipleField(validate_choice=False)
    add_row = StringField()

    @classmethod
    def posted(cls) -> Self:
        keys = cls().row.data or []
        fields = {
            row_field(name, key): StringField(label)
            for key in keys
            for name, label in LINE_LABELS.items()
        }
        return type(cls.__name__, (cls,), fields)()  # type() uses the base's metaclass

    @property
    def adding_row(self) -> bool:
        return self.add_row.data is not None

    def typed_rows(self) -> list[dict[str, str]]:
        """Each row's text as typed, with its key."""
        return [
            {"key": key, **{name: self[row_field(name, key)].data or "" for name in LINE_LABELS}}
            for key in self.row.data or []
        ]

    def lines(self, *, zero_removes: bool = False) -> list[LineInput]:
        """The lines asked for; rows left entirely blank are ignored, and with
        `zero_removes` (correcting a crate's contents) so are rows of quantity 0. A row
        whose numbers cannot be read is refused together with every other refused row
        (services.line_refusals), so that each shows at once."""
        texts = field_texts(self)
        read = [
            self.read_line(texts, row)
            for row in self.typed_rows()
            if row["item_id"].strip() or row["quantity"].strip()
        ]
        read = [
            line
            for line in read
            if not (zero_removes and isinstance(line, LineInput) and line.quantity == 0)
        ]
        if any(isinstance(line, DomainError) for line in read):
            refuse_together(line_refusals(db.session, read))
        return [line for line in read if isinstance(line, LineInput)]

    def read_line(self, texts: dict[str, str], row: dict[str, str]) -> LineInput | DomainError:
        key = row["key"]
        try:
            return LineInput(
                item_id=read_int(texts, row_field("item_id", key)) or 0,
                quantity=read_int(texts, row_field("quantity", key)) or 0,
                gender=row["gender"],
                size=row["size"],
                key=key,
            )
        except DomainError as error:
            return error


class PackForm(CrateLinesForm):
    DOMAIN_FIELDS = {"weight_grams": "weight_kg"}

    site_id = StringField(_l("Site"))
    expiry_date = StringField(_l("Expiry date"))
    weight_kg = StringField(_l("Weight (kg)"))
    place = StringField(_l("Place"))
    note = StringField(_l("Note"))

    def site(self) -> int:
        return read_int(field_texts(self), "site_id") or 0

    def expiry(self) -> date | None:
        return read_date(field_texts(self), "expiry_date")

    def weight_grams(self) -> int | None:
        """Kilograms as typed ("12,5") to grams. Infinity and NaN are not weights; a huge
        number is kept just past any crate's weight, for the service to refuse by its
        limit (multiplying 1e999999999 would overflow)."""
        raw = (self.weight_kg.data or "").strip().replace(",", ".")
        if not raw:
            return None
        try:
            kilograms = Decimal(raw)
        except InvalidOperation:
            kilograms = Decimal("NaN")
        if not kilograms.is_finite():
            raise InvalidInput(_("“%(value)s” is not a weight.", value=raw[:20]), field="weight_kg")
        beyond = Decimal(MAX_CRATE_WEIGHT_GRAMS)  # in kilograms: a thousand times the limit
        return round(max(-beyond, min(kilograms, beyond)) * 1000)


class CrateActionForm(FlaskForm):
    """The small forms of a crate's page: where to (a site, a place in it), why (a
    scrapped crate's reason), and the answer to "are you sure?"."""

    site_id = StringField()
    place = StringField()
    reason = StringField()
    confirmed = StringField()

    def site(self, *, required: bool = True) -> int:
        return read_int(field_texts(self), "site_id", required=required) or 0

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed.data == "yes"


class BatchForm(CrateActionForm):
    action = StringField()


class StockLineForm(FlaskForm):
    """An item, who it is for, its size, and a quantity: a stocktake's count of loose
    stock, or loose stock received or moved."""

    item_id = StringField()
    quantity = StringField()
    gender = StringField()
    size = StringField()

    def line(self) -> LineInput:
        raw = field_texts(self)
        return LineInput(
            item_id=read_int(raw, "item_id") or 0,
            quantity=read_int(raw, "quantity") or 0,
            gender=raw["gender"],
            size=raw["size"],
        )


class LooseStockForm(StockLineForm):
    kind = StringField(default="receive")
    to_site_id = StringField()
    note = StringField()

    def destination(self) -> int:
        return read_int(field_texts(self), "to_site_id") or 0


class AdjustForm(FlaskForm):
    stock_item_id = StringField()
    counted = StringField()
    note = StringField()

    def read(self) -> dict[str, Any]:
        raw = field_texts(self)
        return {
            "stock_item_id": read_int(raw, "stock_item_id") or 0,
            "counted": read_int(raw, "counted") or 0,
            "note": raw["note"],
        }


class NeedForm(FlaskForm):
    item_id = StringField()
    target_quantity = StringField()
    gender = StringField()
    size = StringField()
    priority = StringField()
    note = StringField()

    def read(self) -> dict[str, Any]:
        raw = field_texts(self)
        return {
            "item_id": read_int(raw, "item_id") or 0,
            "target_quantity": read_int(raw, "target_quantity") or 0,
            "gender": raw["gender"],
            "size": raw["size"],
            "priority": member_or(Priority, raw["priority"], Priority.NORMAL),
            "note": raw["note"],
        }


class CodeForm(FlaskForm):
    """A crate code, typed or scanned."""

    code = StringField(default="")


class BlankLabelsForm(FlaskForm):
    count = StringField()
    format = StringField(default="")

    def how_many(self) -> int:
        return read_int(field_texts(self), "count") or 0


class SiteForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    kind = SelectField(_l("Kind"), choices=choices_of(SiteKind))
    address = StringField(_l("Address"), validators=[Length(max=255)])
    postcode = StringField(_l("Postcode"), validators=[Length(max=12)])
    city = StringField(_l("City"), validators=[DataRequired(), Length(max=120)])
    latitude = FloatField(_l("Latitude"), validators=[Optional()])
    longitude = FloatField(_l("Longitude"), validators=[Optional()])
    opening_hours = TextAreaField(_l("Opening hours"), validators=[Length(max=500)])
    contact = StringField(_l("Contact"), validators=[Length(max=255)])
    is_public = BooleanField(_l("Shown on the public pages"))
    active = BooleanField(_l("Active"), default=True)

    def to_input(self) -> SiteInput:
        return SiteInput(
            name=self.name.data or "",
            kind=SiteKind(self.kind.data),
            city=self.city.data or "",
            address=self.address.data or "",
            postcode=self.postcode.data or "",
            latitude=self.latitude.data,
            longitude=self.longitude.data,
            opening_hours=self.opening_hours.data or "",
            contact=self.contact.data or "",
            is_public=self.is_public.data,
            active=self.active.data,
        )


class ItemForm(FlaskForm):
    category = SelectField(_l("Category"), choices=choices_of(Category))
    name_fr = StringField(_l("Name in French"), validators=[DataRequired(), Length(max=120)])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=120)])
    unit = SelectField(_l("Unit"), choices=choices_of(Unit))
    size_range = SelectField(_l("Sizes"), choices=choices_of(SizeRange, blank=_l("No sizes")))
    gendered = BooleanField(_l("Counted by who it is for (men, women, children...)"))
    active = BooleanField(_l("Active"), default=True)

    def to_input(self) -> ItemInput:
        return ItemInput(
            category=Category(self.category.data),
            name_fr=self.name_fr.data or "",
            name_en=self.name_en.data or "",
            unit=Unit(self.unit.data),
            size_range=SizeRange(self.size_range.data) if self.size_range.data else None,
            gendered=self.gendered.data,
            active=self.active.data,
        )
