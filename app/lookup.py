"""Looking one row up by its key, and locking it when it is about to change."""

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import inspect, select
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.orm.interfaces import LoaderOption

from app.errors import NotFound
from app.extensions import Session

Row = TypeVar("Row")


def get_one(
    session: Session,
    model: type[Row],
    key: Any,
    *,
    lock: bool = False,
    missing: str,
    field: str | None = None,
    column: InstrumentedAttribute[Any] | None = None,
    load: Sequence[LoaderOption] = (),
) -> Row:
    """The `model` row whose `column` (its id unless told) is `key`, or NotFound with the
    message `missing` on `field`. With `lock`, the row is locked for the rest of the
    transaction and read afresh, so two requests changing it act one after the other.
    `load` names what the caller reads next of it, loaded in the same query."""
    query = select(model).where((column or inspect(model).primary_key[0]) == key).options(*load)
    if lock:
        query = query.with_for_update(of=model).execution_options(populate_existing=True)
    row = session.scalar(query)
    if row is None:
        raise NotFound(missing, field=field)
    return row
