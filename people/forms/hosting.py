"""Forms of citizen hosting. Numbers and dates are typed as text and read here so that
each gets a clear message; the rules are checked by the services, the same for the
pages and the API."""

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length
from wtforms.widgets import CheckboxInput, ListWidget

from app.errors import InvalidInput
from app.forms import field_texts, read_date, read_int
from app.labels import choices_of
from people.models import HostingKind
from people.models.hosting import MAX_NOTE_LENGTH
from people.services.hosting import MAX_ADDRESS_LENGTH, HostInput
from people.services.placements import Counts, PlacementInput


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def read_kind(raw: str | None) -> HostingKind:
    try:
        return HostingKind(raw or "")
    except ValueError:
        raise InvalidInput(_("Say what kind of hosting this is."), field="kind") from None


class OfferForm(FlaskForm):
    """What someone offering to host tells us about themselves (the public page)."""

    team_id = SelectField(_l("With which team"), choices=[], validate_choice=False)
    name = StringField(_l("Your name"), validators=[Length(max=120)])
    email = StringField(_l("Email"), validators=[Length(max=254)])
    phone = StringField(_l("Phone"), validators=[Length(max=32)])
    town = StringField(_l("Town"), validators=[Length(max=80)])
    address = TextAreaField(_l("Address"), validators=[Length(max=MAX_ADDRESS_LENGTH)])
    kind = RadioField(_l("Kind of hosting"), choices=choices_of(HostingKind), validate_choice=False)
    beds = StringField(_l("Beds"))
    takes_families = BooleanField(_l("Takes families"))
    takes_children_under_10 = BooleanField(_l("Takes children under 10"))
    takes_minors_alone = BooleanField(_l("Takes minors alone"))

    def host_input(self, *, keep_address: bool = False) -> HostInput:
        """What was typed; `keep_address`: an empty address keeps the one on file."""
        raw = field_texts(self)
        address = raw["address"].strip()
        return HostInput(
            team_id=read_int(raw, "team_id") or 0,
            name=raw["name"],
            town=raw["town"],
            kind=read_kind(self.kind.data),
            beds=read_int(raw, "beds") or 0,
            email=raw["email"],
            phone=raw["phone"],
            address=None if keep_address and not address else address,
            takes_families=bool(self.takes_families.data),
            takes_children_under_10=bool(self.takes_children_under_10.data),
            takes_minors_alone=bool(self.takes_minors_alone.data),
            agreement_signed_on=None,
        )


class HostForm(OfferForm):
    """A coordinator enters a host, or changes one, and records the agreement."""

    name = StringField(_l("Name"), validators=[Length(max=120)])
    agreement_signed_on = StringField(_l("Agreement signed on"))

    def host_input(self, *, keep_address: bool = False) -> HostInput:
        data = super().host_input(keep_address=keep_address)
        signed = read_date(field_texts(self), "agreement_signed_on")
        return HostInput(**{**vars(data), "agreement_signed_on": signed})


def read_counts(form: FlaskForm) -> Counts:
    raw = field_texts(form)
    return Counts(
        adults=read_int(raw, "adults", required=False) or 0,
        minors=read_int(raw, "minors", required=False) or 0,
        children_under_10=read_int(raw, "children_under_10", required=False) or 0,
        family=bool(form.family.data),
        note=raw["note"],
    )


class GroupForm(FlaskForm):
    """A group asking for a roof: counts only."""

    adults = StringField(_l("Adults"))
    minors = StringField(_l("Minors (10 to 17)"))
    children_under_10 = StringField(_l("Children under 10"))
    family = BooleanField(_l("A family"))
    note = StringField(_l("Note (optional)"), validators=[Length(max=MAX_NOTE_LENGTH)])


class PlaceForm(FlaskForm):
    host_id = SelectField(_l("Host"), choices=[], validate_choice=False)

    def read(self) -> int:
        return read_int(field_texts(self), "host_id") or 0


class RunForm(FlaskForm):
    group_ids = MultiCheckboxField(_l("Groups the van takes"), choices=[], validate_choice=False)
    vehicle_id = SelectField(_l("Vehicle"), choices=[], validate_choice=False)
    driver_id = SelectField(_l("Driver"), choices=[], validate_choice=False)
    odometer_km = StringField(_l("Odometer when leaving (km)"))

    def read(self) -> dict[str, Any]:
        raw = field_texts(self)
        try:
            group_ids = [int(value) for value in self.group_ids.data or []]
        except ValueError:
            group_ids = []
        return {
            "group_ids": group_ids,
            "vehicle_id": read_int(raw, "vehicle_id") or 0,
            "driver_id": read_int(raw, "driver_id") or 0,
            "odometer_km": read_int(raw, "odometer_km") or 0,
        }


class CloseForm(FlaskForm):
    """Closing a night: a button."""


class CalendarForm(FlaskForm):
    nights = MultiCheckboxField(_l("Nights you can host"), choices=[], validate_choice=False)


class PlacementForm(GroupForm):
    team_id = SelectField(_l("Team"), choices=[], validate_choice=False)
    host_id = SelectField(_l("Host"), choices=[], validate_choice=False)
    starts_on = StringField(_l("First night"))
    ends_on = StringField(_l("Leaves on"))

    def read(self) -> PlacementInput:
        raw = field_texts(self)
        starts_on, ends_on = read_date(raw, "starts_on"), read_date(raw, "ends_on")
        if starts_on is None:
            raise InvalidInput(_("Please fill in this field."), field="starts_on")
        if ends_on is None:
            raise InvalidInput(_("Please fill in this field."), field="ends_on")
        return PlacementInput(
            team_id=read_int(raw, "team_id") or 0,
            host_id=read_int(raw, "host_id") or 0,
            starts_on=starts_on,
            ends_on=ends_on,
            counts=read_counts(self),
        )
