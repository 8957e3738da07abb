"""Planning forms: the teams and their week templates, and each day's distributions
(planning, the pick list, loading the van and recording the run). Numbers and times are
typed as text and read here, so that every message is a clear one; the rules themselves
are checked by logistics.services, the same for pages and API."""

from collections.abc import Iterable, Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput

from app.forms import field_texts, read_int, read_time
from app.labels import choices_of
from inventory.models import Gender
from logistics.models import (
    WEEKDAY_LABELS,
    Team,
    WeekSlot,
)
from logistics.services import (
    DistributionInput,
    LooseOutcome,
    Served,
    SlotInput,
)

# --- week templates -------------------------------------------------------------------


def read_run_plan(raw: Mapping[str, str]) -> dict[str, Any]:
    """What a week template's distribution and a planned one both say: its name and
    place, when it runs, the people expected and the team's size."""
    return {
        "label": raw["label"],
        "place_site_id": read_int(raw, "place_site_id") or 0,
        "starts_at": read_time(raw, "starts_at"),
        "ends_at": read_time(raw, "ends_at"),
        "expected_people": read_int(raw, "expected_people") or 0,
        "team_size": read_int(raw, "team_size") or 0,
    }


def weekday_choices(*, other_than: int | None = None) -> list[SelectChoice]:
    return [
        SelectChoice(str(weekday), str(label))
        for weekday, label in enumerate(WEEKDAY_LABELS)
        if weekday != other_than
    ]


class TeamForm(FlaskForm):
    name = StringField(_l("Name"))
    departure_site_id = SelectField(_l("Vans load at"), choices=[], validate_choice=False)
    event_id = HiddenField()

    def fill_from(self, team: Team) -> None:
        self.name.data = team.name
        self.departure_site_id.data = str(team.departure_site_id)

    def read(self) -> dict[str, Any]:
        raw = field_texts(self)
        return {
            "name": raw["name"],
            "departure_site_id": read_int(raw, "departure_site_id") or 0,
        }


class SlotForm(FlaskForm):
    weekday = SelectField(_l("Day"), choices=weekday_choices, validate_choice=False)
    label = StringField(_l("Name"))
    place_site_id = SelectField(_l("Place"), choices=[], validate_choice=False)
    starts_at = StringField(_l("Starts at"))
    ends_at = StringField(_l("Ends at"))
    expected_people = StringField(_l("People expected"))
    team_size = StringField(_l("Team size (with the lead)"))
    active = BooleanField(_l("Runs every week (untick to pause it)"), default=True)
    event_id = HiddenField()

    def fill_from(self, slot: WeekSlot) -> None:
        self.weekday.data = str(slot.weekday)
        self.label.data = slot.label
        self.place_site_id.data = str(slot.place_site_id)
        self.starts_at.data = slot.starts_at.strftime("%H:%M")
        self.ends_at.data = slot.ends_at.strftime("%H:%M")
        self.expected_people.data = str(slot.expected_people)
        self.team_size.data = str(slot.team_size)
        self.active.data = slot.active

    def to_input(self) -> SlotInput:
        raw = field_texts(self)
        return SlotInput(
            weekday=read_int(raw, "weekday") or 0,
            **read_run_plan(raw),
            active=bool(self.active.data),
        )


class SlotLineForm(FlaskForm):
    item_id = SelectField(_l("Item"), choices=[], validate_choice=False)
    gender = SelectField(_l("For"), choices=choices_of(Gender, blank="—"), validate_choice=False)
    size = SelectField(_l("Size"), choices=[], validate_choice=False)
    quantity = StringField(_l("Quantity (0 takes it off the list)"))
    per_people = StringField(_l("Per how many people (empty: for the whole distribution)"))
    event_id = HiddenField()

    def read(self) -> dict[str, Any]:
        raw = field_texts(self)
        return {
            "item_id": read_int(raw, "item_id") or 0,
            "gender": raw["gender"][:16],
            "size": raw["size"][:12],
            "quantity": read_int(raw, "quantity") or 0,
            "per_people": read_int(raw, "per_people", required=False),
        }


class CopySlotForm(FlaskForm):
    weekdays = SelectMultipleField(
        _l("Copy to"), choices=[], option_widget=CheckboxInput(), validate_choice=False
    )
    event_id = HiddenField()

    def read(self) -> list[int]:
        return [read_int({"weekdays": raw}, "weekdays") or 0 for raw in self.weekdays.data or []]


# --- distributions --------------------------------------------------------------------


class TeamFilterForm(FlaskForm):
    team_id = StringField()

    def team(self) -> int:
        """The team whose plan is made; none (0) for every team."""
        return read_int(field_texts(self), "team_id", required=False) or 0


class DistributionForm(FlaskForm):
    team_id = StringField()
    label = StringField()
    place_site_id = StringField()
    starts_at = StringField()
    ends_at = StringField()
    expected_people = StringField()
    team_size = StringField()
    vehicle_id = StringField()
    lead_id = StringField()
    notes = StringField()

    def team(self) -> int:
        return read_int(field_texts(self), "team_id") or 0

    def to_input(self) -> DistributionInput:
        raw = field_texts(self)
        return DistributionInput(
            **read_run_plan(raw),
            vehicle_id=read_int(raw, "vehicle_id", required=False),
            lead_id=read_int(raw, "lead_id", required=False),
            notes=raw["notes"],
        )


class PickLineForm(FlaskForm):
    """A line of a distribution's pick list, or a shortfall put on a need list."""

    item_id = StringField()
    gender = StringField()
    size = StringField()
    quantity = StringField()

    def read(self) -> dict[str, Any]:
        raw = field_texts(self)
        return {
            "item_id": read_int(raw, "item_id") or 0,
            "gender": raw["gender"],
            "size": raw["size"],
            "quantity": read_int(raw, "quantity") or 0,
        }


class LoadForm(FlaskForm):
    """A crate by its code, or loose units of a stock item."""

    code = StringField()
    crate_id = StringField()
    stock_item_id = StringField()
    quantity = StringField()

    def crate(self) -> int | None:
        return read_int(field_texts(self), "crate_id", required=False)

    def loose(self) -> tuple[int, int]:
        """The stock item and the number of its units."""
        raw = field_texts(self)
        return read_int(raw, "stock_item_id") or 0, read_int(raw, "quantity") or 0


class RecordRunForm(FlaskForm):
    """After the run. Each loose item on the van has its handed_out_ID and returned_ID
    fields, each crate its crate_back_ID box: `for_van` adds them."""

    served_adults = StringField()
    served_minors = StringField()
    served_families = StringField()
    notes = StringField()
    event_id = HiddenField()

    @classmethod
    def for_van(cls, loose: Iterable[int], crates: Iterable[int]) -> "RecordRunForm":
        fields: dict[str, Field] = {}
        for stock_item_id in loose:
            fields[f"handed_out_{stock_item_id}"] = StringField()
            fields[f"returned_{stock_item_id}"] = StringField()
        for crate_id in crates:
            fields[f"crate_back_{crate_id}"] = BooleanField()
        return type("VanForm", (cls,), fields)()  # type() uses the base's metaclass

    def served(self) -> Served:
        raw = field_texts(self)
        return Served(
            adults=read_int(raw, "served_adults") or 0,
            minors=read_int(raw, "served_minors") or 0,
            families=read_int(raw, "served_families") or 0,
        )

    def loose_outcomes(self, loose: Iterable[int]) -> dict[int, LooseOutcome]:
        raw = field_texts(self)
        return {
            stock_item_id: LooseOutcome(
                handed_out=read_int(raw, f"handed_out_{stock_item_id}") or 0,
                returned=read_int(raw, f"returned_{stock_item_id}") or 0,
            )
            for stock_item_id in loose
        }

    def crates_back(self, crates: Iterable[int]) -> set[int]:
        return {crate_id for crate_id in crates if self[f"crate_back_{crate_id}"].data}

    def values(self) -> dict[str, Any]:
        """What was typed, to show the form again."""
        return {field.name: field.data for field in self}
