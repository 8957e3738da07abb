"""Shifts: the team's week template, shifts made from it, taking and leaving them on the
page (htmx and without JavaScript) and through the API."""

from collections.abc import Callable
from datetime import time, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.clock import local_today
from app.errors import Conflict
from app.models import Role, User
from people.models import Shift, ShiftKind, ShiftPlace, ShiftTemplate, Volunteer
from people.services import shifts
from tests.people.conftest import TeamWorld


def week_form(**values: str) -> dict[str, str]:
    return {
        "0-morning-starts_at": "09:00",
        "0-morning-ends_at": "13:00",
        "0-morning-needed": "3",
        "2-evening-starts_at": "18:00",
        "2-evening-ends_at": "22:00",
        "2-evening-needed": "4",
        **values,
    }


def places(db_session: Any) -> int:
    return db_session.scalar(select(func.count()).select_from(ShiftPlace))


# --- the week template and making shifts ----------------------------------------------


def test_a_coordinator_saves_the_week_and_makes_a_week_of_shifts_once(
    login: Callable[[User], FlaskClient], db_session: Any, world: TeamWorld
) -> None:
    browser = login(world.coordinator)
    assert browser.get(f"/people/teams/{world.team.id}/shift-week").status_code == 200
    saved = browser.post(f"/people/teams/{world.team.id}/shift-week", data=week_form())
    assert saved.status_code == 303
    rows = db_session.scalars(select(ShiftTemplate).order_by(ShiftTemplate.weekday)).all()
    assert [(row.weekday, row.kind, row.needed) for row in rows] == [
        (0, ShiftKind.MORNING, 3),
        (2, ShiftKind.EVENING, 4),
    ]
    monday = shifts.week_start(local_today())
    for _ in range(2):
        browser.post(
            "/people/shifts/generate", data={"team_id": world.team.id, "week": monday.isoformat()}
        )
    made = db_session.scalars(select(Shift).order_by(Shift.day)).all()
    assert [(shift.day, shift.needed) for shift in made] == [
        (monday, 3),
        (monday + timedelta(days=2), 4),
    ]
    page = browser.get(f"/people/shifts?team={world.team.id}&week={monday.isoformat()}")
    assert "3 more needed" in page.get_data(as_text=True)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"0-morning-ends_at": "08:00"}, "the shift must end after it starts"),
        ({"0-morning-starts_at": "nine"}, "Give a time such as 12:30"),
        ({"0-morning-needed": "500"}, "Enter a whole number from 0 to 99"),
        ({"0-morning-needed": "many"}, "is not a whole number"),
    ],
)
def test_a_bad_week_says_why_and_keeps_the_old_one(
    login: Callable[[User], FlaskClient],
    db_session: Any,
    world: TeamWorld,
    change: dict[str, str],
    message: str,
) -> None:
    browser = login(world.coordinator)
    browser.post(f"/people/teams/{world.team.id}/shift-week", data=week_form())
    response = browser.post(f"/people/teams/{world.team.id}/shift-week", data=week_form(**change))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db_session.scalar(select(func.count()).select_from(ShiftTemplate)) == 2


def test_shifts_are_not_made_months_ahead(
    login: Callable[[User], FlaskClient], db_session: Any, world: TeamWorld
) -> None:
    browser = login(world.coordinator)
    far = local_today() + timedelta(days=200)
    response = browser.post(
        "/people/shifts/generate",
        data={"team_id": world.team.id, "week": far.isoformat()},
        follow_redirects=True,
    )
    assert "at most 120 days ahead" in response.get_data(as_text=True)


def test_a_volunteer_may_not_plan_shifts(
    as_user: Callable[[Volunteer], FlaskClient],
    make_volunteer: Callable[..., Volunteer],
    world: TeamWorld,
) -> None:
    browser = as_user(make_volunteer())
    assert browser.get(f"/people/teams/{world.team.id}/shift-week").status_code == 403
    assert browser.post("/people/shifts/generate", data={}).status_code == 403


# --- taking and leaving ---------------------------------------------------------------


def test_taking_and_leaving_a_shift_without_javascript(
    as_user: Callable[[Volunteer], FlaskClient],
    make_volunteer: Callable[..., Volunteer],
    make_shift: Callable[..., Shift],
    db_session: Any,
) -> None:
    volunteer = make_volunteer()
    shift = make_shift()
    browser = as_user(volunteer)
    page = browser.get("/people/shifts").get_data(as_text=True)
    assert "Take this shift" in page
    taken = browser.post(f"/people/shifts/{shift.id}/take", follow_redirects=True)
    assert "You are on Morning" in taken.get_data(as_text=True)
    assert volunteer.name in taken.get_data(as_text=True)
    assert places(db_session) == 1
    left = browser.post(f"/people/shifts/{shift.id}/leave", follow_redirects=True)
    assert "You left Morning" in left.get_data(as_text=True)
    assert places(db_session) == 0


def test_htmx_swaps_the_shift_with_its_message(
    as_user: Callable[[Volunteer], FlaskClient],
    make_volunteer: Callable[..., Volunteer],
    make_shift: Callable[..., Shift],
) -> None:
    shift = make_shift(needed=1)
    browser = as_user(make_volunteer())
    response = browser.post(f"/people/shifts/{shift.id}/take", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.startswith(f'<li id="shift-{shift.id}"') and "Leave this shift" in body
    other = as_user(make_volunteer())
    full = other.post(f"/people/shifts/{shift.id}/take", headers={"HX-Request": "true"})
    assert full.status_code == 409 and "This shift is full" in full.get_data(as_text=True)


def test_a_shift_taken_twice_is_refused(
    db_session: Any, make_volunteer: Callable[..., Volunteer], make_shift: Callable[..., Shift]
) -> None:
    user = make_volunteer().user
    shift = make_shift()
    shifts.take_shift(db_session, actor=user, shift_id=shift.id, today=local_today())
    with pytest.raises(Conflict, match="already on this shift"):
        shifts.take_shift(db_session, actor=user, shift_id=shift.id, today=local_today())
    assert places(db_session) == 1


def test_a_full_shift_is_refused(
    db_session: Any, make_volunteer: Callable[..., Volunteer], make_shift: Callable[..., Shift]
) -> None:
    shift = make_shift(needed=1)
    shifts.take_shift(
        db_session, actor=make_volunteer().user, shift_id=shift.id, today=local_today()
    )
    with pytest.raises(Conflict, match="This shift is full: 1 people"):
        shifts.take_shift(
            db_session, actor=make_volunteer().user, shift_id=shift.id, today=local_today()
        )


def test_one_person_is_on_one_shift_at_a_time(
    db_session: Any, make_volunteer: Callable[..., Volunteer], make_shift: Callable[..., Shift]
) -> None:
    user = make_volunteer().user
    morning = make_shift(kind=ShiftKind.MORNING, starts_at=time(9), ends_at=time(13))
    overlapping = make_shift(kind=ShiftKind.AFTERNOON, starts_at=time(12), ends_at=time(17))
    evening = make_shift(kind=ShiftKind.EVENING, starts_at=time(17), ends_at=time(21))
    shifts.take_shift(db_session, actor=user, shift_id=morning.id, today=local_today())
    with pytest.raises(Conflict, match="already on a shift at that time"):
        shifts.take_shift(db_session, actor=user, shift_id=overlapping.id, today=local_today())
    shifts.take_shift(db_session, actor=user, shift_id=evening.id, today=local_today())
    assert places(db_session) == 2


def test_past_shifts_and_other_teams_are_refused(
    db_session: Any,
    make_volunteer: Callable[..., Volunteer],
    make_shift: Callable[..., Shift],
    make_user: Callable[..., User],
) -> None:
    past = make_shift(day=local_today() - timedelta(days=1))
    with pytest.raises(Conflict, match="This shift is over"):
        shifts.take_shift(
            db_session, actor=make_volunteer().user, shift_id=past.id, today=local_today()
        )
    stranger = make_user(Role.VOLUNTEER)
    with pytest.raises(Exception, match="another team"):
        shifts.take_shift(db_session, actor=stranger, shift_id=make_shift().id, today=local_today())


def test_leaving_a_shift_one_is_not_on(
    as_user: Callable[[Volunteer], FlaskClient],
    make_volunteer: Callable[..., Volunteer],
    make_shift: Callable[..., Shift],
) -> None:
    shift = make_shift()
    browser = as_user(make_volunteer())
    response = browser.post(f"/people/shifts/{shift.id}/leave", follow_redirects=True)
    assert "You are not on this shift" in response.get_data(as_text=True)
    assert browser.post("/people/shifts/999999/take").status_code == 303


# --- the API --------------------------------------------------------------------------


def api_get(client: FlaskClient, path: str, headers: dict[str, str]) -> Any:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def test_the_api_lists_teams_and_a_week_of_shifts(
    client: FlaskClient,
    api_token: Callable[[User], dict[str, str]],
    db_session: Any,
    world: TeamWorld,
    make_volunteer: Callable[..., Volunteer],
    make_shift: Callable[..., Shift],
) -> None:
    volunteer = make_volunteer()
    shift = make_shift(needed=3)
    shifts.take_shift(db_session, actor=volunteer.user, shift_id=shift.id, today=local_today())
    db_session.commit()
    headers = api_token(world.coordinator)
    teams = api_get(client, "/api/v1/teams", headers)
    assert {"id": world.team.id, "name": world.team.name,
            "departure_site_id": world.warehouse.id} in teams  # fmt: skip
    week = api_get(
        client, f"/api/v1/shifts?team_id={world.team.id}&week={shift.day.isoformat()}", headers
    )
    assert week == [
        {
            "id": shift.id,
            "team_id": world.team.id,
            "day": shift.day.isoformat(),
            "kind": "morning",
            "starts_at": "09:00",
            "ends_at": "13:00",
            "needed": 3,
            "still_needed": 2,
            "people": [{"id": volunteer.user_id, "name": volunteer.name}],
        }
    ]


def test_the_api_takes_and_leaves_for_the_token_user(
    client: FlaskClient,
    api_token: Callable[[User], dict[str, str]],
    make_volunteer: Callable[..., Volunteer],
    make_shift: Callable[..., Shift],
    db_session: Any,
) -> None:
    volunteer = make_volunteer()
    shift = make_shift(needed=1)
    headers = api_token(volunteer.user)
    taken = client.post(
        f"/api/v1/shifts/{shift.id}/take", json={"event_id": "take-0001"}, headers=headers
    )
    assert taken.status_code == 200 and taken.json["still_needed"] == 0
    replay = client.post(
        f"/api/v1/shifts/{shift.id}/take", json={"event_id": "take-0001"}, headers=headers
    )
    assert replay.status_code == 200 and replay.headers["Idempotent-Replayed"] == "true"
    again = client.post(f"/api/v1/shifts/{shift.id}/take", json={}, headers=headers)
    assert again.status_code == 409 and "already on this shift" in again.json["message"]
    other = api_token(make_volunteer().user)
    full = client.post(f"/api/v1/shifts/{shift.id}/take", json={}, headers=other)
    assert full.status_code == 409 and "full" in full.json["message"]
    left = client.post(f"/api/v1/shifts/{shift.id}/leave", json={}, headers=headers)
    assert left.status_code == 200 and left.json["people"] == []
    assert places(db_session) == 0


def test_the_api_refuses_unknown_fields_and_bad_queries(
    client: FlaskClient,
    api_token: Callable[[User], dict[str, str]],
    world: TeamWorld,
    make_shift: Callable[..., Shift],
) -> None:
    headers = api_token(world.coordinator)
    shift = make_shift()
    extra = client.post(f"/api/v1/shifts/{shift.id}/take", json={"user_id": 1}, headers=headers)
    assert extra.status_code == 422
    assert client.get("/api/v1/shifts", headers=headers).status_code == 422
    assert client.get("/api/v1/shifts?team_id=1&week=soon", headers=headers).status_code == 422
    assert client.get("/api/v1/shifts?team_id=999999", headers=headers).status_code == 404
    assert client.post("/api/v1/shifts/999999/take", json={}, headers=headers).status_code == 404
    assert client.get("/api/v1/teams").status_code == 401
