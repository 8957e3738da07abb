"""Forms of the volunteers' pages: the sign-up and its sign-in link, erasing one's data,
booking a bed and adding a place, and the shifts of a week. Numbers and dates are typed
as text and read here so that each gets a clear message; the rules are checked by the
services."""

from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from app.errors import InvalidInput
from app.forms import field_texts, read_date, read_int, read_time
from people.models import ShiftKind
from people.services import shifts
from people.services.beds import PlaceInput
from people.services.volunteers import SignUp

YES_NO = [SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))]


class SignUpForm(FlaskForm):
    name = StringField(_l("Your name"))
    email = EmailField(_l("Email"))
    phone = StringField(_l("Phone (optional)"))
    languages = StringField(_l("Languages you speak"))
    driving_licence = RadioField(
        _l("Do you have a driving licence?"), choices=YES_NO, default="no", validate_choice=False
    )
    arrives_on = StringField(_l("Arrival day"))
    leaves_on = StringField(_l("Departure day"))
    team_id = SelectField(_l("Team"), choices=[], validate_choice=False)
    local_group = StringField(_l("Local group"))
    needs_bed = BooleanField(_l("I need a bed (5 € a night in the Calais bungalows)"))
    consent_contact = BooleanField(_l("I agree that the coordinators contact me about my stay."))

    def to_input(self, locale: str) -> SignUp:
        raw = field_texts(self)
        return SignUp(
            name=raw["name"],
            email=raw["email"],
            phone=raw["phone"],
            languages=raw["languages"],
            driving_licence=self.driving_licence.data == "yes",
            arrives_on=read_date(raw, "arrives_on"),
            leaves_on=read_date(raw, "leaves_on"),
            team_id=read_int(raw, "team_id", required=False),
            local_group=raw["local_group"],
            needs_bed=bool(self.needs_bed.data),
            consent_contact=bool(self.consent_contact.data),
            locale=locale,
        )


class LinkForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[Length(max=254)])


class EraseForm(FlaskForm):
    confirm = BooleanField(_l("Yes, erase my data and close my account."))


class BookForm(FlaskForm):
    place_id = SelectField(_l("Place"), choices=[], validate_choice=False)
    arrives_on = StringField(_l("Arrival day"))
    leaves_on = StringField(_l("Departure day"))

    def stay(self) -> tuple[int, date | None, date | None]:
        """The place, the day of arrival and the day of departure."""
        raw = field_texts(self)
        place_id = read_int(raw, "place_id") or 0
        return place_id, read_date(raw, "arrives_on"), read_date(raw, "leaves_on")


def read_price_cents(raw: str) -> int:
    """Euros as typed ("5" or "5,50") to cents."""
    try:
        euros = Decimal(raw.strip().replace(",", ".") or "x")
    except InvalidOperation:
        raise InvalidInput(_("Give a price such as 5 or 5.50."), field="price") from None
    if not euros.is_finite() or euros != euros.quantize(Decimal("0.01")):
        raise InvalidInput(_("Give a price such as 5 or 5.50."), field="price")
    return int(euros * 100)


class PlaceForm(FlaskForm):
    name = StringField(_l("Name"))
    beds = StringField(_l("Beds"))
    price = StringField(_l("Price a night (€)"), default="5")
    team_id = SelectField(_l("Team"), choices=[], validate_choice=False)

    def to_input(self) -> PlaceInput:
        raw = field_texts(self)
        return PlaceInput(
            name=raw["name"],
            beds=read_int(raw, "beds") or 0,
            price_cents=read_price_cents(raw["price"]),
            team_id=read_int(raw, "team_id", required=False),
        )


class GenerateForm(FlaskForm):
    """Make a week's shifts from the team's week template."""

    team_id = HiddenField()
    week = HiddenField()

    def team(self) -> int:
        return read_int(field_texts(self), "team_id", required=False) or 0

    def monday(self) -> date:
        raw = self.week.data or ""
        try:
            return shifts.week_start(date.fromisoformat(raw))
        except ValueError:
            raise InvalidInput(_("“%(value)s” is not a day.", value=raw[:20])) from None


def week_prefix(weekday: int, kind: ShiftKind) -> str:
    """The start of the names of one shift's fields on the week template: "0-morning"."""
    return f"{weekday}-{kind.value}"


class ShiftWeekForm(FlaskForm):
    """A team's week template: for each day and kind of shift, its times and how many
    people it needs (fields named "0-morning-needed"; 0 or empty means no shift). Made
    by shift_week_form(), which adds the fields."""

    def entries(self) -> list[shifts.TemplateShift]:
        raw = field_texts(self)
        found = []
        for weekday in range(7):
            for kind in ShiftKind:
                prefix = week_prefix(weekday, kind)
                needed = read_int(raw, f"{prefix}-needed", required=False) or 0
                found.append(
                    shifts.TemplateShift(
                        weekday=weekday,
                        kind=kind,
                        starts_at=read_time(raw, f"{prefix}-starts_at") if needed else None,
                        ends_at=read_time(raw, f"{prefix}-ends_at") if needed else None,
                        needed=needed,
                    )
                )
        return found


def shift_week_form() -> ShiftWeekForm:
    """The week template's form, with three fields per day and kind of shift (WTForms'
    way to a form whose fields are known only when it is made: set them on a subclass)."""

    class WeekForm(ShiftWeekForm):
        pass

    for weekday in range(7):
        for kind in ShiftKind:
            prefix = week_prefix(weekday, kind)
            setattr(WeekForm, f"{prefix}-starts_at", StringField(_l("Starts at")))
            setattr(WeekForm, f"{prefix}-ends_at", StringField(_l("Ends at")))
            setattr(WeekForm, f"{prefix}-needed", StringField(_l("People needed")))
    return WeekForm()
