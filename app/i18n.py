"""Language choice: the user's own, else the session's, else the browser's."""

from flask import current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user


def supported_languages() -> tuple[str, ...]:
    return tuple(current_app.config["LANGUAGES"])


def select_locale() -> str:
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


def current_locale() -> str:
    """The language this request is answered in, as a code ("fr", "en")."""
    return str(get_locale() or "fr")


def select_timezone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]
