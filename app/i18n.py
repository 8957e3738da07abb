"""Language choice: the user's own, else the session's, else the browser's. Dates and
numbers then follow the region the browser asks for in that language (en-US, en-GB),
else the region of our readers: France for French, the United Kingdom for English."""

from datetime import date
from decimal import Decimal

from babel import localedata, parse_locale
from flask import current_app, has_request_context, request, session
from flask_babel import format_date, format_decimal, get_locale, gettext
from flask_login import current_user

DEFAULT_TERRITORIES = {"fr": "FR", "en": "GB"}


def supported_languages() -> tuple[str, ...]:
    return tuple(current_app.config["LANGUAGES"])


def select_language() -> str:
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("lang")
    if chosen in supported_languages():
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale:
        return current_user.locale
    return (
        request.accept_languages.best_match(supported_languages())
        or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def browser_territory(language: str) -> str | None:
    """The region of the browser's first choice in `language` that names one Babel
    knows: "US" for "en-US,en;q=0.8"."""
    if not has_request_context():
        return None
    for tag, _quality in request.accept_languages:
        try:
            asked, territory = parse_locale(tag, sep="-")[:2]
        except ValueError:
            continue
        if asked == language and territory and localedata.exists(f"{language}_{territory}"):
            return territory
    return None


def regional_locale(language: str, territory: str | None = None) -> str:
    """The locale whose formats a reader of `language` gets: "en_GB", "en_US", "fr_FR".
    Its translations are those of the language: gettext looks up "en_GB", then "en"."""
    name = f"{language}_{territory or DEFAULT_TERRITORIES.get(language, '')}".rstrip("_")
    return name if localedata.exists(name) else language


def select_locale() -> str:
    language = select_language()
    return regional_locale(language, browser_territory(language))


def current_locale() -> str:
    """The language this request is answered in, as a code ("fr", "en"), whatever the
    region its dates and numbers are formatted for."""
    locale = get_locale()
    return locale.language if locale else "fr"


def select_timezone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def labelled(label: object, value: object) -> str:
    """A value after its label, with the typography of the language: "Planned: 8",
    "Prévue : 8"."""
    return gettext("%(label)s: %(value)s", label=label, value=value)


def week_of(monday: date) -> str:
    """A week by the date it starts: "week of 14 September 2026"."""
    return gettext("week of %(date)s", date=format_date(monday, "long"))


def tick(value: Decimal) -> str:
    """A number on a chart's scale: 20, 12.5."""
    return format_decimal(value, format="#,##0.#")
