"""What every package shares from app/: labelled enums, one-row look-ups, the Paris
day, reading typed euros, and a refusal shown on its field."""

from datetime import UTC, date, datetime
from typing import Any

import pytest
from flask import Flask
from flask_babel import force_locale
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField

from app.clock import local_day, paris_midnight
from app.errors import InvalidInput, NotFound
from app.forms import refused
from app.labels import choices_of
from app.lookup import get_one
from app.money import read_cents
from inventory.models import CrateState, Site
from logistics.models import VehicleStatus


def test_a_member_names_itself_in_the_readers_language(app: Flask) -> None:
    with app.test_request_context(), force_locale("fr"):
        assert CrateState.IN_STOCK.label == "En stock"
        first, *_others = choices_of(VehicleStatus)()
        assert first.label == "Disponible"
    with app.test_request_context(), force_locale("en"):
        assert CrateState.IN_STOCK.label == "In stock"
    assert CrateState("in_stock") is CrateState.IN_STOCK and CrateState.IN_STOCK == "in_stock"


def test_a_blank_choice_comes_first_when_named(app: Flask) -> None:
    with app.test_request_context(), force_locale("en"):
        choices = choices_of(VehicleStatus, blank="—")()
    assert [(choice.value, choice.label) for choice in choices][:2] == [
        ("", "—"),
        ("available", "Available"),
    ]


def test_get_one_finds_a_row_or_says_what_is_missing(db_session: Any, make_site: Any) -> None:
    site = make_site(name="Entrepôt Est")
    assert get_one(db_session, Site, site.id, missing="none") is site
    assert (
        get_one(db_session, Site, "Entrepôt Est", column=Site.name, lock=True, missing="-") is site
    )
    with pytest.raises(NotFound) as refusal:
        get_one(db_session, Site, site.id + 1000, missing="No such site.", field="site_id")
    assert (refusal.value.message, refusal.value.field) == ("No such site.", "site_id")


def test_a_day_in_france_starts_at_its_own_midnight() -> None:
    assert paris_midnight(date(2026, 1, 1)) == datetime(2025, 12, 31, 23, tzinfo=UTC)
    assert paris_midnight(date(2026, 7, 1)) == datetime(2026, 6, 30, 22, tzinfo=UTC)
    assert local_day(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == date(2027, 1, 1)


@pytest.mark.parametrize(
    ("typed", "cents"),
    [("52", 5200), ("52,3", 5230), ("52.30 €", 5230), ("1 000", 100000), ("0,05", 5)],
)
def test_euros_are_read_as_people_type_them(app: Flask, typed: str, cents: int) -> None:
    with app.test_request_context():
        assert read_cents(typed, "cost") == cents


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("fifty", "“fifty” is not an amount in euros."),
        ("12,345", "An amount has at most two decimals."),
        ("-5", "“-5” is not an amount in euros."),
    ],
)
def test_anything_else_is_refused_on_its_field(app: Flask, typed: str, message: str) -> None:
    with app.test_request_context(), pytest.raises(InvalidInput) as refusal:
        read_cents(typed, "cost")
    assert (refusal.value.message, refusal.value.field) == (message, "cost")


class NoteForm(FlaskForm):
    note = StringField()
    event_id = HiddenField()


@pytest.mark.parametrize(
    ("field", "on_note", "on_form"),
    [
        ("note", ["Too long."], []),
        ("event_id", [], ["Too long."]),  # a hidden field cannot show it
        ("elsewhere", [], ["Too long."]),
        (None, [], ["Too long."]),
    ],
)
def test_a_refusal_is_shown_on_the_field_it_names_or_on_the_form(
    app: Flask, db_session: Any, field: str | None, on_note: list[str], on_form: list[str]
) -> None:
    with app.test_request_context(method="POST", data={"note": "x" * 600}):
        form = NoteForm(meta={"csrf": False})
        status = refused(form, InvalidInput("Too long.", field=field))
        assert (status, list(form.note.errors), form.form_errors) == (422, on_note, on_form)
