"""The public sign-up, the coordinators' review, sign-in links, a volunteer's export and
erasure, and phone numbers dropped after people leave."""

import json
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.clock import local_today
from app.models import Role, User
from people.models import ShiftPlace, SignUpStatus, Volunteer
from people.services import shifts, volunteers
from tests.app.test_rate_limits import limited_app
from tests.pages import page_without_csrf
from tests.people.conftest import TeamWorld, sign_up_of


def form(world: TeamWorld, **overrides: str) -> dict[str, str]:
    today = local_today()
    return {
        "name": "Jeanne Martin",
        "email": "Jeanne.Martin@example.org",
        "phone": "+33 6 11 22 33 44",
        "languages": "French, English",
        "driving_licence": "yes",
        "arrives_on": (today + timedelta(days=2)).isoformat(),
        "leaves_on": (today + timedelta(days=9)).isoformat(),
        "team_id": str(world.team.id),
        "local_group": "",
        "needs_bed": "yes",
        "consent_contact": "yes",
        **overrides,
    }


def count(db_session: Any) -> int:
    return db_session.scalar(select(func.count()).select_from(Volunteer))


# --- the public page ------------------------------------------------------------------


def test_the_sign_up_page_speaks_french_and_english(client: FlaskClient, world: TeamWorld) -> None:
    english = client.get("/volunteer", headers={"Accept-Language": "en"})
    french = client.get("/volunteer", headers={"Accept-Language": "fr"})
    assert english.status_code == french.status_code == 200
    assert "Volunteer with us" in english.get_data(as_text=True)
    assert world.team.name in english.get_data(as_text=True)
    assert "Devenir bénévole" in french.get_data(as_text=True)


def test_a_sign_up_is_kept_for_review(
    client: FlaskClient, db_session: Any, world: TeamWorld
) -> None:
    response = client.post("/volunteer", data=form(world))
    assert response.status_code == 200
    assert "A coordinator will read your sign-up" in response.get_data(as_text=True)
    volunteer = db_session.scalars(select(Volunteer)).one()
    assert volunteer.email == "jeanne.martin@example.org"
    assert volunteer.status == SignUpStatus.PENDING
    assert volunteer.driving_licence and volunteer.needs_bed and volunteer.team_id == world.team.id


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"email": "not-an-address"}, "Give an email address"),
        ({"name": "  "}, "Give your name"),
        ({"languages": ""}, "Say which languages you speak"),
        ({"arrives_on": ""}, "Give the day you arrive"),
        ({"arrives_on": "yesterday"}, "is not a date"),
        ({"arrives_on": "2001-01-01"}, "cannot be in the past"),
        ({"leaves_on": (local_today()).isoformat()}, "must come after the day you arrive"),
        ({"team_id": "", "local_group": ""}, "Choose a team, or name your local group"),
        ({"team_id": "999999"}, "There is no team number 999999"),
        ({"consent_contact": ""}, "We need your consent"),
        ({"phone": "call me maybe"}, "Give a phone number"),
    ],
)
def test_a_bad_sign_up_says_why_and_writes_nothing(
    client: FlaskClient, db_session: Any, world: TeamWorld, change: dict[str, str], message: str
) -> None:
    response = client.post("/volunteer", data=form(world, **change))
    assert response.status_code in (404, 422)
    assert message in response.get_data(as_text=True)
    assert count(db_session) == 0


def test_a_local_group_instead_of_a_team(
    client: FlaskClient, db_session: Any, world: TeamWorld
) -> None:
    response = client.post(
        "/volunteer", data=form(world, team_id="", local_group="Lille solidaire")
    )
    assert response.status_code == 200
    volunteer = db_session.scalars(select(Volunteer)).one()
    assert volunteer.team_id is None and volunteer.local_group == "Lille solidaire"


def test_signing_up_twice_updates_the_one_sign_up(
    client: FlaskClient, db_session: Any, world: TeamWorld
) -> None:
    client.post("/volunteer", data=form(world))
    again = client.post(
        "/volunteer", data=form(world, email="JEANNE.martin@example.org ", phone="")
    )
    assert "We already had your sign-up: it is updated" in again.get_data(as_text=True)
    assert count(db_session) == 1
    assert db_session.scalars(select(Volunteer)).one().phone == ""


def test_an_accepted_volunteer_signing_up_again_changes_nothing(
    client: FlaskClient, db_session: Any, world: TeamWorld, make_volunteer: Callable[..., Volunteer]
) -> None:
    volunteer = make_volunteer(email="known@example.org", languages="Dari")
    response = client.post("/volunteer", data=form(world, email="known@example.org"))
    assert "You are already one of our volunteers" in response.get_data(as_text=True)
    db_session.refresh(volunteer)
    assert volunteer.languages == "Dari" and count(db_session) == 1


def test_the_sign_up_is_rate_limited(
    db_url: str, tmp_path: Path, db_session: Any, world: TeamWorld
) -> None:
    data = form(world, name="")
    limited = limited_app(db_url, tmp_path, VOLUNTEER_SIGN_UP_RATE_LIMIT="2 per hour")
    client = limited.test_client()
    statuses = [client.post("/volunteer", data=data).status_code for _ in range(3)]
    assert statuses == [422, 422, 429]


# --- review ---------------------------------------------------------------------------


def test_accepting_makes_an_account_with_the_team_sites_and_emails_a_link(
    login: Callable[[User], FlaskClient],
    db_session: Any,
    world: TeamWorld,
    make_volunteer: Callable[..., Volunteer],
    outbox: Callable[[], list[Any]],
) -> None:
    volunteer = make_volunteer(accepted=False)
    coordinator = login(world.coordinator)
    page = coordinator.get("/people/volunteers").get_data(as_text=True)
    assert volunteer.name in page and "Waiting for review" in page
    response = coordinator.post(f"/people/volunteers/{volunteer.id}/accept")
    assert response.status_code == 303
    db_session.refresh(volunteer)
    user = volunteer.user
    assert volunteer.status == SignUpStatus.ACCEPTED and user is not None
    assert user.role == Role.VOLUNTEER and user.email == volunteer.email
    assert {site.id for site in user.sites} == {world.warehouse.id, world.place.id}
    (message,) = outbox()
    assert message["To"] == volunteer.email
    assert re.search(r"https://relais\.test/volunteer/sign-in/\S+", message.get_content())
    again = coordinator.post(f"/people/volunteers/{volunteer.id}/accept", follow_redirects=True)
    assert "is already accepted" in again.get_data(as_text=True)


def test_declining_a_sign_up(
    login: Callable[[User], FlaskClient],
    db_session: Any,
    world: TeamWorld,
    make_volunteer: Callable[..., Volunteer],
) -> None:
    volunteer = make_volunteer(accepted=False)
    response = login(world.coordinator).post(f"/people/volunteers/{volunteer.id}/decline")
    assert response.status_code == 303
    db_session.refresh(volunteer)
    assert volunteer.status == SignUpStatus.DECLINED and volunteer.user is None


def test_a_volunteer_may_not_review(
    as_user: Callable[[Volunteer], FlaskClient], make_volunteer: Callable[..., Volunteer]
) -> None:
    browser = as_user(make_volunteer())
    pending = make_volunteer(accepted=False)
    assert browser.get("/people/volunteers").status_code == 403
    assert browser.post(f"/people/volunteers/{pending.id}/accept").status_code == 403


# --- sign-in links --------------------------------------------------------------------


def link_of(message: Any) -> str:
    found = re.search(r"https://relais\.test(/volunteer/sign-in/\S+)", message.get_content())
    assert found is not None
    return found.group(1)


def test_the_link_signs_in_once(
    app: Flask,
    login: Callable[[User], FlaskClient],
    world: TeamWorld,
    make_volunteer: Callable[..., Volunteer],
    outbox: Callable[[], list[Any]],
) -> None:
    volunteer = make_volunteer(accepted=False)
    login(world.coordinator).post(f"/people/volunteers/{volunteer.id}/accept")
    link = link_of(outbox()[0])
    browser = app.test_client()
    assert browser.get(link).status_code == 200  # a mail scanner opening it uses nothing
    response = browser.post(link)
    assert response.status_code == 303 and response.headers["Location"].startswith("/people/shifts")
    assert browser.get("/people/shifts").status_code == 200
    used = app.test_client().post(link)
    assert used.status_code == 409
    assert "already used" in used.get_data(as_text=True)


def test_a_made_up_link_is_not_found(client: FlaskClient) -> None:
    assert client.post("/volunteer/sign-in/made-up").status_code == 404


def test_asking_for_a_new_link_answers_the_same_for_anyone(
    client: FlaskClient, make_volunteer: Callable[..., Volunteer], outbox: Callable[[], list[Any]]
) -> None:
    volunteer = make_volunteer()
    known = client.post("/volunteer/link", data={"email": volunteer.email})
    unknown = client.post("/volunteer/link", data={"email": "nobody@example.org"})
    assert page_without_csrf(known) == page_without_csrf(unknown)
    assert [message["To"] for message in outbox()] == [volunteer.email]


# --- their data -----------------------------------------------------------------------


def test_a_volunteer_exports_their_data(
    db_session: Any,
    as_user: Callable[[Volunteer], FlaskClient],
    make_volunteer: Callable[..., Volunteer],
    make_shift: Callable[..., Any],
) -> None:
    volunteer = make_volunteer(phone="+33 6 00 00 00 01")
    shift = make_shift()
    browser = as_user(volunteer)
    browser.post(f"/people/shifts/{shift.id}/take")
    data = json.loads(browser.get("/people/me/export.json").get_data(as_text=True))
    assert data["volunteer"]["email"] == volunteer.email
    assert data["volunteer"]["phone"] == "+33 6 00 00 00 01"
    assert [entry["day"] for entry in data["shifts"]] == [shift.day.isoformat()]
    csv_text = browser.get("/people/me/export.csv").get_data(as_text=True)
    assert "section,field,value" in csv_text and volunteer.email in csv_text


def test_erasing_blanks_the_volunteer_and_closes_the_account(
    app: Flask,
    db_session: Any,
    as_user: Callable[[Volunteer], FlaskClient],
    make_volunteer: Callable[..., Volunteer],
    make_shift: Callable[..., Any],
) -> None:
    volunteer = make_volunteer()
    shift = make_shift(day=local_today() + timedelta(days=1))
    browser = as_user(volunteer)
    browser.post(f"/people/shifts/{shift.id}/take")
    refused = browser.post("/people/me/erase", data={})
    assert refused.status_code == 422
    response = browser.post("/people/me/erase", data={"confirm": "yes"})
    assert response.status_code == 303
    db_session.refresh(volunteer)
    user = db_session.get(User, volunteer.user_id)
    assert volunteer.email is None and volunteer.name == "" and volunteer.phone == ""
    assert not user.active and "erased" in user.email
    assert db_session.scalar(select(func.count()).select_from(ShiftPlace)) == 0
    assert browser.get("/people/me").status_code in (302, 303)


def test_phones_are_dropped_some_days_after_people_leave(
    app: Flask, db_session: Any, make_volunteer: Callable[..., Volunteer]
) -> None:
    today = local_today()
    gone = make_volunteer()
    recent = make_volunteer()
    gone.leaves_on = today - timedelta(days=31)
    gone.arrives_on = gone.leaves_on - timedelta(days=3)
    recent.leaves_on = today - timedelta(days=29)
    recent.arrives_on = recent.leaves_on - timedelta(days=3)
    db_session.commit()
    assert volunteers.prune_phones(db_session, today=today, keep_days=30) == 1
    assert gone.phone == "" and recent.phone != ""
    result = app.test_cli_runner().invoke(args=["volunteers", "prune-phones"])
    assert result.exit_code == 0 and "phone numbers dropped" in result.output


def test_service_sign_up_refuses_a_year_long_stay(db_session: Any, world: TeamWorld) -> None:
    from app.errors import InvalidInput

    today = local_today()
    with pytest.raises(InvalidInput):
        volunteers.sign_up(
            db_session,
            sign_up_of(world.team.id, leaves_on=today + timedelta(days=400)),
            today=today,
        )
    assert shifts.week_start(today).weekday() == 0
