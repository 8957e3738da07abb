"""Reading the inventory forms. Crate lines are repeated fields, so they are read by hand;
CSRF is checked for every form by Flask-WTF's CSRFProtect."""

from collections.abc import Mapping
from datetime import date

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from app.errors import InvalidInput
from inventory.services import LineInput


def read_int(form: Mapping[str, str], name: str, *, required: bool = True) -> int | None:
    raw = (form.get(name) or "").strip()
    if not raw:
        if required:
            raise InvalidInput(_("Please fill in this field."), field=name)
        return None
    try:
        return int(raw)
    except ValueError:
        raise InvalidInput(
            _("“%(value)s” is not a whole number.", value=raw[:20]), field=name
        ) from None


def read_date(form: Mapping[str, str], name: str) -> date | None:
    raw = (form.get(name) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(_("“%(value)s” is not a date.", value=raw[:20]), field=name) from None


def read_weight_grams(form: Mapping[str, str]) -> int | None:
    raw = (form.get("weight_kg") or "").strip().replace(",", ".")
    if not raw:
        return None
    try:
        return round(float(raw) * 1000)
    except ValueError:
        raise InvalidInput(
            _("“%(value)s” is not a weight.", value=raw[:20]), field="weight"
        ) from None


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
