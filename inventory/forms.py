"""Inventory forms. Crate lines are repeated fields, so they are read by hand; sites and
items use Flask-WTF forms. CSRF is checked for every form by Flask-WTF's CSRFProtect."""

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    FloatField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from app.errors import InvalidInput
from app.forms import choices_from, read_int
from inventory.models import (
    CATEGORY_LABELS,
    SITE_KIND_LABELS,
    SIZE_RANGE_LABELS,
    UNIT_LABELS,
    Category,
    SiteKind,
    SizeRange,
    Unit,
)
from inventory.services import MAX_CRATE_WEIGHT_GRAMS, LineInput
from inventory.services.setup import ItemInput, SiteInput


def read_weight_grams(form: Mapping[str, str]) -> int | None:
    """Kilograms as typed ("12,5") to grams. Infinity and NaN are not weights; a huge
    number is kept just past any crate's weight, for the service to refuse by its limit
    (multiplying 1e999999999 would overflow)."""
    raw = (form.get("weight_kg") or "").strip().replace(",", ".")
    if not raw:
        return None
    try:
        kilograms = Decimal(raw)
    except InvalidOperation:
        kilograms = Decimal("NaN")
    if not kilograms.is_finite():
        raise InvalidInput(_("“%(value)s” is not a weight.", value=raw[:20]), field="weight")
    beyond = Decimal(MAX_CRATE_WEIGHT_GRAMS)  # in kilograms: a thousand times the limit
    return round(max(-beyond, min(kilograms, beyond)) * 1000)


def read_lines(form: MultiDict[str, str]) -> list[LineInput]:
    """The crate lines of a pack or edit form. Each row names its fields with its own key
    (`item_id-K`, `gender-K`, ...) so that its gender and size buttons form their own
    radio groups; rows left entirely blank are ignored."""
    lines = []
    for key in form.getlist("row"):
        row = {
            field: form.get(f"{field}-{key}", "")
            for field in ("item_id", "quantity", "gender", "size")
        }
        if not row["item_id"].strip() and not row["quantity"].strip():
            continue
        lines.append(
            LineInput(
                item_id=read_int(row, "item_id") or 0,
                quantity=read_int(row, "quantity") or 0,
                gender=row["gender"],
                size=row["size"],
            )
        )
    return lines


class SiteForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    kind = SelectField(_l("Kind"), choices=choices_from(SITE_KIND_LABELS))
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
    category = SelectField(_l("Category"), choices=choices_from(CATEGORY_LABELS))
    name_fr = StringField(_l("Name in French"), validators=[DataRequired(), Length(max=120)])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=120)])
    unit = SelectField(_l("Unit"), choices=choices_from(UNIT_LABELS))
    size_range = SelectField(
        _l("Sizes"), choices=choices_from(SIZE_RANGE_LABELS, blank=_l("No sizes"))
    )
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
