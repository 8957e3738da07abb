"""Replays: a write that carries a client-chosen event id is done once. The same event
id sent again (a phone back online, a double tap) gets the first answer back and
changes nothing, even when both copies arrive at the same moment."""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from http import HTTPStatus
from typing import Any, cast

from flask_babel import gettext as _
from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.engine import CursorResult

from app.clock import utcnow
from app.errors import DomainError, InvalidInput, Refusals, domain_error_payload
from app.extensions import Session
from app.models import ClientEvent, built_per_database, for_database

# Built once; rows go in as parameters.
events = ClientEvent.__table__
CLAIM_EVENT = built_per_database(
    lambda insert: (
        insert(events)
        .on_conflict_do_nothing(index_elements=[events.c.actor_id, events.c.event_id])
        .returning(events.c.id)
    )
)
RECORD_ANSWER = update(events).where(events.c.id == bindparam("row_id"))


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]
    replayed: bool = False


def refusal(answer: Answer) -> DomainError:
    """The domain error a recorded refusal stands for, to show it the way it was shown
    the first time: each of several refusals on its own field."""
    body = answer.body
    message = str(body["message"])
    placed = placed_refusals(body.get("errors", {}).get("json", {}))
    if len(placed) > 1:
        error: DomainError = Refusals(placed)
        error.message = message  # in the order they were found, which JSON keys lose
    else:
        where = placed[0] if placed else DomainError(message)
        error = DomainError(message, field=where.field, row=where.row)
    error.status = HTTPStatus(answer.status)
    error.code = str(body["status"])
    return error


def placed_refusals(errors: dict[str, Any]) -> list[DomainError]:
    """The refusals of a JSON error's `errors` (see DomainError.json_errors)."""
    placed = []
    for name, found in errors.items():
        if isinstance(found, dict):
            placed += [
                DomainError(message, field=field, row=(name, key))
                for key, fields in found.items()
                for field, messages in fields.items()
                for message in messages
            ]
        else:
            placed += [DomainError(message, field=name) for message in found]
    return placed


def as_json(value: object) -> str:
    return json.dumps(value, sort_keys=True, default=json_default)


def json_default(value: object) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def fingerprint(action: str, payload: dict[str, Any]) -> str:
    canonical = as_json({"action": action, "payload": payload})
    return hashlib.sha256(canonical.encode()).hexdigest()


def stored_answer(row: ClientEvent, expected_fingerprint: str) -> Answer:
    if row.fingerprint != expected_fingerprint:
        raise InvalidInput(
            _("This event id was already used for a different action."), field="event_id"
        )
    return Answer(row.status, json.loads(row.response), replayed=True)


def find_event(session: Session, actor_id: int, event_id: str) -> ClientEvent | None:
    return session.scalar(
        select(ClientEvent)
        .where(ClientEvent.actor_id == actor_id, ClientEvent.event_id == event_id)
        .execution_options(populate_existing=True)
    )


def claim_event(session: Session, actor_id: int, event_id: str, expected: str) -> int | None:
    """Insert the event's row and return its id, or None when the event id is taken.
    While another transaction holding the same event id is still running, the insert
    waits for it to end (the unique index), so two copies of one request never both run;
    when it commits, this returns None and its answer can be read."""
    return session.scalar(
        for_database(session, CLAIM_EVENT),
        {
            "actor_id": actor_id,
            "event_id": event_id,
            "fingerprint": expected,
            "status": 0,
            "response": "",
            "created_at": utcnow(),
        },
    )


def run_once(
    session: Session,
    *,
    actor_id: int,
    event_id: str | None,
    action: str,
    payload: dict[str, Any],
    work: Callable[[], Answer],
    record_errors: bool = True,
) -> Answer:
    """Run `work` unless this event id was seen; record its answer. The caller commits.
    Answers are JSON-ready (dates in ISO 8601), the first exactly as its replays.

    With record_errors, a DomainError from `work` is recorded and returned as an Answer
    (its writes undone), so the replay of a refused action is refused the same way: what
    an offline phone needs. Forms pass False, so a person can correct and resubmit."""
    if event_id is None:
        answer = work()
        return Answer(answer.status, json.loads(as_json(answer.body)))
    expected = fingerprint(action, payload)
    row_id = claim_event(session, actor_id, event_id, expected)
    if row_id is None:
        existing = find_event(session, actor_id, event_id)
        if existing is None:  # claimed, then gone (its user deleted) before we looked
            raise RuntimeError(f"client event {event_id!r} vanished")
        return stored_answer(existing, expected)
    try:
        with session.begin_nested():
            answer = work()
    except DomainError as error:
        if not record_errors:
            raise
        answer = Answer(int(error.status), domain_error_payload(error))
    response = as_json(answer.body)
    session.execute(
        RECORD_ANSWER, {"row_id": row_id, "status": answer.status, "response": response}
    )
    return Answer(answer.status, json.loads(response))


def prune_client_events(session: Session, *, keep_days: int) -> int:
    """Forget the event ids recorded more than `keep_days` ago and return how many went.
    A copy of one of them arriving later still would run again. The caller commits."""
    deleted = delete(ClientEvent).where(
        ClientEvent.created_at < utcnow() - timedelta(days=keep_days)
    )
    # A DML statement's result is a CursorResult, which counts the rows it changed.
    return cast(CursorResult[Any], session.execute(deleted)).rowcount
