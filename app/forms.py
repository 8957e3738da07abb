from collections.abc import Callable, Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Length


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
