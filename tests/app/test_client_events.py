"""Event ids of replayed requests are kept CLIENT_EVENTS_KEEP_DAYS (30) days, then
forgotten by `flask prune-client-events` and by the watching receipt sender."""

import uuid
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from app.models import ClientEvent, Role, utcnow
from inventory.models import StockMovement


@pytest.fixture
def headers(make_user: Any, api_token: Any) -> dict[str, str]:
    return api_token(make_user(Role.COORDINATOR))


def pack_once(client: Any, headers: dict[str, str], site: Any, item: Any, event_id: str) -> Any:
    (code,) = client.post("/api/v1/crates", json={"count": 1}, headers=headers).json["codes"]
    body = {"site_id": site.id, "lines": [{"item_id": item.id, "quantity": 3}]}
    return client.post(
        f"/api/v1/crates/{code}/pack", json={**body, "event_id": event_id}, headers=headers
    )


Events = dict[int, tuple[str, Any]]


@pytest.fixture
def events(
    client: Any, headers: dict[str, str], db_session: Any, make_site: Any, make_item: Any
) -> Events:
    """Three packs, their events recorded 31, 29 and 0 days ago, by age in days."""
    site, item = make_site(), make_item()
    made = {}
    for days in (31, 29, 0):
        event_id = str(uuid.uuid4())
        answer = pack_once(client, headers, site, item, event_id)
        assert answer.status_code == 200, answer.json
        db_session.execute(
            update(ClientEvent)
            .where(ClientEvent.event_id == event_id)
            .values(created_at=utcnow() - timedelta(days=days))
        )
        made[days] = (event_id, answer)
    db_session.commit()
    return made


def kept_ages(db_session: Any, events: Events) -> set[int]:
    kept = set(db_session.scalars(select(ClientEvent.event_id)))
    return {days for days, (event_id, _answer) in events.items() if event_id in kept}


def test_the_command_forgets_events_older_than_30_days_and_replays_the_rest(
    app: Flask, client: Any, headers: dict[str, str], db_session: Any, events: Events
) -> None:
    result = app.test_cli_runner().invoke(args=["prune-client-events"])
    assert result.exit_code == 0, result.output
    assert "Forgot 1 client event(s) older than 30 days." in result.output
    assert kept_ages(db_session, events) == {29, 0}

    movements = db_session.scalar(select(func.count()).select_from(StockMovement))
    event_id, first = events[29]
    code = first.json["code"]
    body = {"site_id": first.json["site_id"], "event_id": event_id}
    body["lines"] = [{"item_id": first.json["lines"][0]["item_id"], "quantity": 3}]
    replay = client.post(f"/api/v1/crates/{code}/pack", json=body, headers=headers)
    assert replay.status_code == 200
    assert replay.json == first.json
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert db_session.scalar(select(func.count()).select_from(StockMovement)) == movements


def test_the_keep_days_are_a_setting(
    app: Flask, db_session: Any, events: Events, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "CLIENT_EVENTS_KEEP_DAYS", 7)
    result = app.test_cli_runner().invoke(args=["prune-client-events"])
    assert "Forgot 2 client event(s) older than 7 days." in result.output
    assert kept_ages(db_session, events) == {0}


def test_the_watching_receipt_sender_forgets_old_events_too(
    app: Flask, db_session: Any, events: Events
) -> None:
    watch = ["receipts", "send-pending", "--watch", "1", "--passes", "1"]
    assert app.test_cli_runner().invoke(args=watch).exit_code == 0
    assert kept_ages(db_session, events) == {29, 0}
