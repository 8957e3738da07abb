"""What every package's forms share: reading numbers and dates, running a form's action
once, and showing a refusal on the field it is about."""

from collections.abc import Callable, Mapping
from datetime import date, time
from typing import Any

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Length

from app.errors import DomainError, InvalidInput
from app.extensions import db
from app.idempotency import Answer, refusal, run_once
from app.inputs import database_int

MAX_EVENT_ID_LENGTH = 64


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    next = HiddenField()


class LanguageForm(FlaskForm):
    lang = StringField(_l("Language"), validators=[AnyOf(["fr", "en"])])
    next = HiddenField()


def choices_from(
    labels: Mapping[Any, Any], *, blank: Any = None
) -> Callable[[], list[SelectChoice]]:
    """Select choices from a label table, translated when the form is drawn."""

    def make() -> list[SelectChoice]:
        options = [SelectChoice(str(key), str(label)) for key, label in labels.items()]
        return [SelectChoice("", str(blank)), *options] if blank is not None else options

    return make


def read_int(form: Mapping[str, str], name: str, *, required: bool = True) -> int | None:
    raw = (form.get(name) or "").strip()
    if not raw:
        if required:
            raise InvalidInput(_("Please fill in this field."), field=name)
        return None
    try:
        return database_int(raw)
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


def read_time(raw: Mapping[str, str], field: str) -> time:
    """A time of day as a time input sends it ("12:30")."""
    try:
        moment = time.fromisoformat((raw.get(field) or "").strip())
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is not None:
        raise InvalidInput(_("Give a time such as 12:30."), field=field)
    return moment.replace(second=0, microsecond=0)


def wanted_id(name: str) -> int | None:
    """A filter of the URL (?vehicle=, ?team=); anything but an id means no filter."""
    try:
        return database_int(request.args.get(name, ""))
    except ValueError:
        return None


def form_event_id() -> str | None:
    """The hidden event id a form was rendered with; at most 64 characters, as the API's
    (the database keeps no more)."""
    event_id = request.form.get("event_id") or ""
    if len(event_id) > MAX_EVENT_ID_LENGTH:
        raise InvalidInput(
            _("This form's event id is too long: reload the page and try again."),
            field="event_id",
        )
    return event_id or None


def act_once(action: str, work: Callable[[], str], **payload: Any) -> Answer:
    """Run a form action, once per rendered form (its hidden event_id), and commit.
    `work` returns the message to show; a replayed submit shows it again. A refusal is
    recorded too, so a phone's outbox sending the action again is refused the same way,
    and raised again as a DomainError (a form shows it with a new event id)."""
    event_id = form_event_id()

    def run() -> Answer:
        return Answer(200, {"message": work()})

    answer = run_once(
        db.session,
        actor_id=current_user.id,
        event_id=event_id,
        action=action,
        payload=payload,
        work=run,
    )
    db.session.commit()
    if answer.status >= 400:
        raise refusal(answer)
    return answer


def refused(form: FlaskForm, error: DomainError) -> int:
    """Undo the request's writes and show the form again with each refusal on the field
    it names (on the form itself when it names none the form shows, such as a hidden
    event id); the answer's status. A form whose field reads a value the services name
    otherwise maps the name in DOMAIN_FIELDS (kilograms typed for `weight_grams`); a
    row's field is named with its row's key (see row_field)."""
    db.session.rollback()
    for each in error.each:
        place_refusal(form, each)
    return int(error.status)


def place_refusal(form: FlaskForm, error: DomainError) -> None:
    name = getattr(form, "DOMAIN_FIELDS", {}).get(error.field, error.field)
    if name and error.row is not None:
        name = row_field(name, error.row[1])
    target = form[name] if name and name in form else None
    if target is None or isinstance(target, HiddenField):
        form.form_errors.append(error.message)
    else:
        target.errors = [*target.errors, error.message]


def row_field(name: str, key: str) -> str:
    """The name of a row's field in a form of several rows: "quantity-<key>"."""
    return f"{name}-{key}"


def field_texts(form: FlaskForm) -> dict[str, str]:
    """The text of each field of `form` as typed, for the readers above (numbers are
    typed as text, so that "42,5" works on a French phone and every message is clear)."""
    return {field.name: field.data if isinstance(field.data, str) else "" for field in form}


def typed_form() -> dict[str, str]:
    """What a form sent, for recognising the same form sent twice."""
    return {key: value for key, value in request.form.items() if key != "csrf_token"}


def sent_form(*, lists: bool = False) -> dict[str, Any]:
    """Everything a form sent (each field's values as lists with `lists`): the payload
    by which the crate pages recognise a form sent twice. Phones' outboxes replay forms
    recorded with it, so its shape stays."""
    return request.form.to_dict(flat=False) if lists else request.form.to_dict()


def form_status(form: FlaskForm) -> int:
    return 422 if form.errors else 200
