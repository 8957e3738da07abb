"""What a request may carry to the database: numbers the database's integers can hold,
and text without NUL characters (PostgreSQL text cannot store one). Anything else is
refused at the edge with a clear message, instead of crashing the query."""

from collections.abc import Iterable, Mapping
from enum import Enum
from typing import Any, TypeVar

from flask import Flask, request
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter, Map

from app.errors import InvalidInput

MAX_DATABASE_INT = 2**31 - 1
Member = TypeVar("Member", bound=Enum)
Default = TypeVar("Default")


class DatabaseIntConverter(IntegerConverter):
    """`<int:...>` in a route: a number beyond the database's integers names nothing (404)."""

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = MAX_DATABASE_INT,
        signed: bool = False,
    ) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def database_int(raw: str) -> int:
    """A whole number the database can hold; ValueError otherwise (usable as `type=`)."""
    value = int(raw)
    if abs(value) > MAX_DATABASE_INT:
        raise ValueError(f"{raw[:20]} is beyond the database's integers")
    return value


def holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, Mapping):
        return any(holds_nul(key) or holds_nul(item) for key, item in value.items())
    if isinstance(value, Iterable) and not isinstance(value, bytes):
        return any(holds_nul(item) for item in value)
    return False


def refuse_nul_characters() -> None:
    json_body = request.get_json(silent=True) if request.is_json else None
    sources = [
        request.view_args or {},
        request.args.to_dict(flat=False),
        request.form.to_dict(flat=False),
        json_body,
    ]
    if any(holds_nul(source) for source in sources):
        raise InvalidInput(_("Text cannot contain a NUL character."))


def init_inputs(app: Flask) -> None:
    """Before any blueprint is registered, so every `<int:...>` route is bounded."""
    app.url_map.converters["int"] = DatabaseIntConverter
    app.before_request(refuse_nul_characters)


def member_or(enum_class: type[Member], raw: str, default: Default) -> Member | Default:
    """The member of enum_class whose value is raw, or default for a value no form offers."""
    try:
        return enum_class(raw)
    except ValueError:
        return default
