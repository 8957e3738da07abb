"""Vehicle, fill-up and trip forms. Numbers are typed as text and read here, so that
"42,5" works on a French phone and every message is a clear one; the rules themselves
are checked by logistics.services, the same for pages and API."""

from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length

from app.errors import InvalidInput
from app.forms import field_texts, read_date, read_int
from app.labels import choices_of
from app.money import read_cents
from logistics.models import (
    FuelType,
    PaidBy,
    TripPurpose,
    VehicleKind,
    VehicleStatus,
)
from logistics.services import (
    FillUpInput,
    VehicleInput,
)
from logistics.services.vehicles import CHECKS


def read_decimal(raw: str, field: str) -> Decimal:
    text = raw.strip().replace(" ", "").replace("\u00a0", "").replace(",", ".")
    if not text:
        raise InvalidInput(_("Please fill in this field."), field=field)
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite() or len(text) > 20:
        raise InvalidInput(_("“%(value)s” is not a number.", value=raw.strip()[:20]), field=field)
    return number


def read_cost(raw: str) -> int:
    """A fill-up's cost in euros as typed, to cents."""
    if not raw.strip():
        raise InvalidInput(_("Please fill in this field."), field="cost")
    return read_cents(raw, "cost")


Choice = TypeVar("Choice", PaidBy, TripPurpose)


def one_of(kind: type[Choice], value: object, field: str, message: str) -> Choice:
    try:
        return kind(value)
    except ValueError:
        raise InvalidInput(message, field=field) from None


class VehicleForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    plate = StringField(_l("Number plate"), validators=[DataRequired(), Length(max=20)])
    kind = SelectField(_l("Kind"), choices=choices_of(VehicleKind))
    seats = StringField(_l("Seats"), validators=[DataRequired()])
    payload_kg = StringField(_l("Payload (kg)"), validators=[DataRequired()])
    fuel_type = SelectField(_l("Fuel"), choices=choices_of(FuelType))
    tank_litres = StringField(_l("Tank (litres)"), validators=[DataRequired()])
    home_site_id = SelectField(_l("Home site"), choices=[], validate_choice=False)
    status = SelectField(_l("Status"), choices=choices_of(VehicleStatus))
    odometer_km = StringField(_l("Odometer now (km)"))
    insurance_due_on = StringField(_l("Insurance due on"))
    insurance_due_km = StringField(_l("Insurance due at (km)"))
    inspection_due_on = StringField(_l("Technical inspection due on"))
    inspection_due_km = StringField(_l("Technical inspection due at (km)"))
    service_due_on = StringField(_l("Service due on"))
    service_due_km = StringField(_l("Service due at (km)"))
    notes = TextAreaField(_l("Notes"), validators=[Length(max=2000)])

    def fill_from(self, vehicle: object) -> None:
        """Show a vehicle's values (dates and numbers as the inputs want them)."""
        for field in self:
            value: Any = getattr(vehicle, field.name, None)
            if field.name in ("csrf_token", "odometer_km"):
                continue
            if field.name == "home_site_id":
                field.data = str(value)
            elif hasattr(value, "value"):
                field.data = value.value
            elif value is not None:
                field.data = value.isoformat() if hasattr(value, "isoformat") else str(value)

    def to_input(self, *, new: bool) -> VehicleInput:
        raw = field_texts(self)
        due: dict[str, Any] = {}
        for check in CHECKS:
            due[f"{check}_due_on"] = read_date(raw, f"{check}_due_on")
            due[f"{check}_due_km"] = read_int(raw, f"{check}_due_km", required=False)
        return VehicleInput(
            name=raw["name"],
            plate=raw["plate"],
            kind=VehicleKind(self.kind.data),
            seats=read_int(raw, "seats") or 0,
            payload_kg=read_int(raw, "payload_kg") or 0,
            fuel_type=FuelType(self.fuel_type.data),
            tank_litres=read_int(raw, "tank_litres") or 0,
            home_site_id=read_int(raw, "home_site_id") or 0,
            status=VehicleStatus(self.status.data),
            odometer_km=(read_int(raw, "odometer_km") or 0) if new else 0,
            notes=raw["notes"],
            **due,
        )


class FillUpForm(FlaskForm):
    filled_on = StringField(_l("Date"))
    odometer_km = StringField(_l("Odometer (km)"))
    litres = StringField(_l("Litres"))
    cost = StringField(_l("Total cost (€)"))
    full_tank = BooleanField(_l("Full tank"), default=True)
    missed_previous = BooleanField(_l("A previous fill-up was not recorded"))
    station = StringField(_l("Station"), validators=[Length(max=120)])
    paid_by = RadioField(
        _l("Paid by"),
        choices=choices_of(PaidBy),
        default=PaidBy.ORGANISATION_CARD.value,
        validate_choice=False,
    )
    fund = SelectField(_l("Paid from a donations fund"), choices=[], validate_choice=False)
    receipt = FileField(_l("Photo of the receipt"))
    event_id = HiddenField()

    def to_input(self) -> FillUpInput:
        raw = field_texts(self)
        filled_on = read_date(raw, "filled_on")
        if filled_on is None:
            raise InvalidInput(_("Give the date of the fill-up."), field="filled_on")
        return FillUpInput(
            filled_on=filled_on,
            odometer_km=read_int(raw, "odometer_km") or 0,
            litres=read_decimal(raw["litres"], "litres"),
            cost_cents=read_cost(raw["cost"]),
            full_tank=bool(self.full_tank.data),
            missed_previous=bool(self.missed_previous.data),
            station=raw["station"],
            paid_by=one_of(PaidBy, self.paid_by.data, "paid_by", _("Say who paid.")),
            fund_code=(self.fund.data or "")[:32],
        )


class VoidFillUpForm(FlaskForm):
    reason = StringField()
    next = HiddenField()


class CheckOutForm(FlaskForm):
    driver_id = SelectField(_l("Driver"), choices=[], validate_choice=False)
    purpose = RadioField(_l("What for"), choices=choices_of(TripPurpose), validate_choice=False)
    destination = StringField(_l("Where to (optional)"), validators=[Length(max=200)])
    odometer_km = StringField(_l("Odometer when leaving (km)"))
    event_id = HiddenField()

    def read(self) -> dict[str, Any]:
        raw = field_texts(self)
        purpose = one_of(TripPurpose, self.purpose.data, "purpose", _("Say what the trip is for."))
        return {
            "driver_id": read_int(raw, "driver_id") or 0,
            "purpose": purpose,
            "destination": raw["destination"],
            "odometer_km": read_int(raw, "odometer_km") or 0,
        }


class CheckInForm(FlaskForm):
    odometer_km = StringField(_l("Odometer on return (km)"))
    notes = TextAreaField(_l("Notes"), validators=[Length(max=2000)])
    event_id = HiddenField()

    def read(self) -> dict[str, Any]:
        raw = field_texts(self)
        return {"odometer_km": read_int(raw, "odometer_km") or 0, "notes": raw["notes"]}
