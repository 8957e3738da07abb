"""Hosting pages and API through the client: tonight's board, hosts, stays, the public
offer and calendar, the figures; bad inputs answer with a message and write nothing.
The privacy tests walk every hosting page, export and API answer: no personal field
about the people hosted, and no host address but for hosting coordinators."""

import csv
import io
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
from app.extensions import db
from app.models import Role, User
from inventory.models import Site
from people.models import Host, HostingGroup, HostNight, Placement
from people.services import hosting, placements
from people.services.placements import Counts, PlacementInput
from tests.app.test_rate_limits import limited_app
from tests.logistics.factories import add_vehicle
from tests.people.hosting_factories import add_group, add_host, hosting_team

TONIGHT = local_today()
SECRET_ADDRESS = "12 rue Secrète"
# A field that would say who someone is: a form's input, a JSON key, a CSV column.
PERSONAL = re.compile(
    r"name|birth|born|age\b|nationality|country|passport|document|photo|picture|gender",
    re.IGNORECASE,
)
# The fields of the forms about the people hosted (the board, a stay): counts only.
COUNTS_ONLY = {
    "csrf_token", "adults", "minors", "children_under_10", "family", "note", "host_id",
    "group_ids", "vehicle_id", "driver_id", "odometer_km", "team_id", "starts_on", "ends_on",
    "lang", "next",  # the language switch in the header
}  # fmt: skip
FORM_FIELD = re.compile(r"<(?:input|select|textarea)[^>]*\sname=\"([^\"]+)\"")


class World:
    def __init__(self, session: Any, site: Site, make_user: Callable[..., User]) -> None:
        self.site = site
        self.hosting = make_user(Role.HOSTING_COORDINATOR, sites=[site])
        self.coordinator = make_user(Role.COORDINATOR)
        self.team = hosting_team(session, site)
        self.host = add_host(session, self.hosting, self.team, beds=4, address=SECRET_ADDRESS)
        self.group = add_group(session, self.hosting, self.team, adults=1, children_under_10=1)
        placements.place_group(
            session, actor=self.hosting, group_id=self.group.id, host_id=self.host.id
        )
        self.waiting = add_group(session, self.hosting, self.team, adults=0, minors=1)
        self.van = add_vehicle(
            session, self.hosting, site.id, name="Night van", plate="NV-1", seats=9
        )
        self.stay = placements.add_placement(
            session,
            actor=self.hosting,
            data=PlacementInput(
                self.team.id, self.host.id, TONIGHT, TONIGHT + timedelta(days=1), Counts(1, 0, 0)
            ),
        )
        session.commit()

    @property
    def board(self) -> str:
        return f"/people/hosting/teams/{self.team.id}/nights/{TONIGHT.isoformat()}"


@pytest.fixture
def world(db_session: Any, make_site: Callable[..., Site], make_user: Callable[..., User]) -> World:
    return World(db_session, make_site(), make_user)


def groups(db_session: Any) -> int:
    return db_session.scalar(select(func.count(HostingGroup.id)))


# --- tonight's board ------------------------------------------------------------------


def test_the_board_shows_counts_and_towns_and_records_a_group(
    world: World, login: Callable[[User], FlaskClient], db_session: Any
) -> None:
    browser = login(world.hosting)
    page = browser.get(world.board).get_data(as_text=True)
    assert "Montreuil" in page and "never write a name" in page
    response = browser.post(
        world.board + "/groups",
        data={
            "adults": "2",
            "minors": "",
            "children_under_10": "3",
            "family": "y",
            "note": "arrived late",
        },
    )
    assert response.status_code == 303
    followed = browser.get(world.board).get_data(as_text=True)
    assert "A group of 5 people is recorded." in followed
    assert groups(db_session) == 3


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"adults": "-1"}, "Give a count of 0 or more."),
        ({"adults": "two"}, "is not a whole number"),
        ({"adults": "0"}, "A group has at least one person."),
        ({"adults": "40"}, "A group has at most 30 people."),
    ],
)
def test_a_wrong_group_is_refused_with_its_message(
    world: World,
    login: Callable[[User], FlaskClient],
    db_session: Any,
    data: dict[str, str],
    message: str,
) -> None:
    response = login(world.hosting).post(world.board + "/groups", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert groups(db_session) == 2


def test_placing_a_minor_alone_with_a_host_who_does_not_take_them_is_refused(
    world: World, login: Callable[[User], FlaskClient], db_session: Any
) -> None:
    world.host.takes_minors_alone = False
    db_session.commit()
    response = login(world.hosting).post(
        f"/people/hosting/groups/{world.waiting.id}/place", data={"host_id": str(world.host.id)}
    )
    assert response.status_code == 409
    assert "does not take minors alone" in response.get_data(as_text=True)
    assert db_session.get(HostingGroup, world.waiting.id).host_id is None


def test_placing_beyond_the_beds_is_refused(
    world: World, login: Callable[[User], FlaskClient], db_session: Any
) -> None:
    big = add_group(db_session, world.hosting, world.team, adults=3)
    db_session.commit()
    response = login(world.hosting).post(
        f"/people/hosting/groups/{big.id}/place", data={"host_id": str(world.host.id)}
    )
    assert response.status_code == 409
    assert "1 beds left that night, too few for 3 people" in response.get_data(as_text=True)


def test_book_the_van_then_close_the_night(
    world: World, login: Callable[[User], FlaskClient]
) -> None:
    browser = login(world.hosting)
    response = browser.post(
        world.board + "/runs",
        data={
            "group_ids": [str(world.group.id)],
            "vehicle_id": str(world.van.id),
            "driver_id": str(world.hosting.id),
            "odometer_km": "1000",
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    assert "Night van is booked for 2 people." in browser.get(world.board).get_data(as_text=True)
    response = browser.post(world.board + "/close")
    assert response.status_code == 303
    page = browser.get(world.board).get_data(as_text=True)
    assert "The night is closed: 1 group placed, 1 group not placed." in page
    assert "Record the group" not in page


def test_the_board_of_a_wrong_night_is_not_found(
    world: World, login: Callable[[User], FlaskClient]
) -> None:
    response = login(world.hosting).get(f"/people/hosting/teams/{world.team.id}/nights/31-12")
    assert response.status_code == 404


# --- hosts ----------------------------------------------------------------------------


def test_a_coordinator_enters_a_host_and_records_the_agreement(
    world: World, login: Callable[[User], FlaskClient], db_session: Any
) -> None:
    browser = login(world.coordinator)
    form = {
        "team_id": str(world.team.id), "name": "Paul Hôte", "email": "paul@example.org",
        "phone": "", "town": "Pantin", "address": "3 rue Cachée", "kind": "one_night",
        "beds": "2", "takes_families": "y", "agreement_signed_on": "",
    }  # fmt: skip
    response = browser.post("/people/hosting/hosts/new", data=form)
    assert response.status_code == 303
    host = db_session.scalar(select(Host).where(Host.name == "Paul Hôte"))
    assert host.address == "3 rue Cachée" and host.agreement_signed_on is None
    edit = f"/people/hosting/hosts/{host.id}"
    assert "3 rue Cachée" not in browser.get(edit).get_data(as_text=True)
    signed = {**form, "address": "", "agreement_signed_on": TONIGHT.isoformat()}
    assert browser.post(edit, data=signed).status_code == 303
    db_session.refresh(host)
    assert host.agreement_signed_on == TONIGHT and host.address == "3 rue Cachée"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"beds": "0"}, "Give a number of beds from 1 to 30."),
        ({"email": "", "phone": ""}, "Give an email address or a phone number."),
        ({"email": "not-an-email"}, "This email address is not valid."),
        ({"agreement_signed_on": "2999-01-01"}, "An agreement cannot be signed in the future."),
        ({"kind": "forever"}, "Say what kind of hosting this is."),
    ],
)
def test_a_wrong_host_is_refused_beside_its_field(
    world: World,
    login: Callable[[User], FlaskClient],
    db_session: Any,
    change: dict[str, str],
    message: str,
) -> None:
    form = {
        "team_id": str(world.team.id), "name": "Wrong Hôte", "email": "w@example.org",
        "town": "Pantin", "kind": "one_night", "beds": "2", **change,
    }  # fmt: skip
    response = login(world.hosting).post("/people/hosting/hosts/new", data=form)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db_session.scalar(select(Host).where(Host.name == "Wrong Hôte")) is None


def test_the_public_offer_needs_no_account_and_waits_for_an_agreement(
    world: World, client: FlaskClient, db_session: Any
) -> None:
    assert "Offer to host" in client.get("/people/hosting/offer").get_data(as_text=True)
    response = client.post(
        "/people/hosting/offer",
        data={
            "team_id": str(world.team.id), "name": "Zoé Offre", "phone": "06 11 22 33 44",
            "town": "Vincennes", "kind": "one_night", "beds": "2",
        },
    )  # fmt: skip
    assert response.status_code == 303
    host = db_session.scalar(select(Host).where(Host.name == "Zoé Offre"))
    assert host.offered_publicly and host.agreement_signed_on is None
    french = client.get("/people/hosting/offer", headers={"Accept-Language": "fr"})
    assert "Proposer d’héberger" in french.get_data(as_text=True)


def test_a_host_updates_their_calendar_from_the_link_without_an_account(
    world: World, login: Callable[[User], FlaskClient], client: FlaskClient, db_session: Any
) -> None:
    response = login(world.hosting).post(f"/people/hosting/hosts/{world.host.id}/calendar-link")
    assert response.status_code == 303
    db_session.refresh(world.host)
    token = hosting.issue_calendar_token(db_session, world.host)
    db_session.commit()
    page = client.get(f"/people/hosting/calendar/{token}")
    assert page.status_code == 200 and SECRET_ADDRESS not in page.get_data(as_text=True)
    nights = [TONIGHT.isoformat(), (TONIGHT + timedelta(days=2)).isoformat()]
    assert (
        client.post(f"/people/hosting/calendar/{token}", data={"nights": nights}).status_code == 303
    )
    saved = db_session.scalars(select(HostNight.night).where(HostNight.host_id == world.host.id))
    assert sorted(night.isoformat() for night in saved) == nights
    assert client.get("/people/hosting/calendar/forged.token").status_code == 404


def test_a_longer_stay_is_recorded_and_shown_as_ending_soon(
    world: World, login: Callable[[User], FlaskClient], db_session: Any
) -> None:
    browser = login(world.hosting)
    assert "Stays ending soon" in browser.get("/people/hosting/placements").get_data(as_text=True)
    assert "Stays ending soon" in browser.get("/").get_data(as_text=True)
    response = browser.post(
        "/people/hosting/placements/new",
        data={
            "team_id": str(world.team.id), "host_id": str(world.host.id),
            "starts_on": TONIGHT.isoformat(), "ends_on": TONIGHT.isoformat(), "adults": "1",
        },
    )  # fmt: skip
    assert response.status_code == 422
    assert "A stay ends after the day it starts." in response.get_data(as_text=True)
    assert db_session.scalar(select(func.count(Placement.id))) == 1


# --- the API --------------------------------------------------------------------------


def test_the_api_lists_hosts_records_places_and_sums_up_the_night(
    world: World, api_token: Callable[[User], dict[str, str]], client: FlaskClient
) -> None:
    headers = api_token(world.coordinator)
    hosts = client.get(
        "/api/v1/hosting/hosts",
        query_string={"team_id": world.team.id, "night": TONIGHT.isoformat()},
        headers=headers,
    )
    assert hosts.status_code == 200
    assert hosts.json == [
        {"id": world.host.id, "town": "Montreuil", "beds_free": 1, "takes_families": True,
         "takes_children_under_10": True, "takes_minors_alone": True}
    ]  # fmt: skip
    created = client.post(
        "/api/v1/hosting/groups",
        json={"night": TONIGHT.isoformat(), "team_id": world.team.id, "adults": 1,
              "minors": 0, "children_under_10": 0, "family": False, "note": "tired"},
        headers=headers,
    )  # fmt: skip
    assert created.status_code == 201
    placed = client.post(
        f"/api/v1/hosting/groups/{created.json['id']}/place",
        json={"host_id": world.host.id},
        headers=headers,
    )
    assert placed.status_code == 200 and placed.json["state"] == "placed"
    full = client.post(
        f"/api/v1/hosting/groups/{world.waiting.id}/place",
        json={"host_id": world.host.id},
        headers=headers,
    )
    assert full.status_code == 409
    assert "0 beds left that night" in full.json["message"]
    night = client.get(
        f"/api/v1/hosting/nights/{TONIGHT.isoformat()}",
        query_string={"team_id": world.team.id},
        headers=headers,
    )
    assert night.status_code == 200
    body = night.json
    assert body["people"] == {"adults": 2, "minors": 1, "children_under_10": 1}
    assert (body["placed"], body["not_placed"], body["hosts_available"], body["beds_free"]) == (
        2, 1, 0, 0,
    )  # fmt: skip
    assert [group["state"] for group in body["groups"]] == ["placed", "not_placed", "placed"]


@pytest.mark.parametrize(
    "change",
    [
        {"name": "Amadou"},
        {"nationality": "SD"},
        {"date_of_birth": "2010-01-01"},
        {"adults": -1},
        {"minors": 1000},
        {"adults": "1"},
        {"family": None},
    ],
)
def test_the_api_refuses_any_other_field_and_wrong_counts(
    world: World,
    api_token: Callable[[User], dict[str, str]],
    client: FlaskClient,
    db_session: Any,
    change: dict[str, Any],
) -> None:
    body = {"night": TONIGHT.isoformat(), "team_id": world.team.id, "adults": 1, "minors": 0,
            "children_under_10": 0, "family": False, **change}  # fmt: skip
    response = client.post(
        "/api/v1/hosting/groups", json=body, headers=api_token(world.coordinator)
    )
    assert response.status_code == 422
    assert groups(db_session) == 2


def test_the_api_says_why_a_host_not_available_is_refused(
    world: World, api_token: Callable[[User], dict[str, str]], client: FlaskClient, db_session: Any
) -> None:
    later = add_group(db_session, world.hosting, world.team, TONIGHT + timedelta(days=1))
    db_session.commit()
    response = client.post(
        f"/api/v1/hosting/groups/{later.id}/place",
        json={"host_id": world.host.id},
        headers=api_token(world.hosting),
    )
    assert response.status_code == 409
    assert "not available that night" in response.json["message"]


# --- privacy --------------------------------------------------------------------------


def hosting_answers(
    world: World, user: User, login: Any, api_token: Any, app: Flask
) -> dict[str, str]:
    """Every hosting page, export and API answer, as `user` sees it."""
    browser = login(user)
    headers = api_token(user)
    period = {"from": (TONIGHT - timedelta(days=7)).isoformat(), "to": TONIGHT.isoformat()}
    pages = [
        "/people/hosting", world.board, "/people/hosting/hosts",
        f"/people/hosting/hosts/{world.host.id}", "/people/hosting/hosts/new",
        "/people/hosting/placements", "/people/hosting/placements/new",
        "/people/hosting/offer", "/", "/logistics/reports", "/logistics/reports/partners",
    ]  # fmt: skip
    answers = {
        path: browser.get(path, query_string=period).get_data(as_text=True) for path in pages
    }
    exports = (
        ("/people/hosting/figures.csv", {}),
        ("/people/hosting/figures.csv", {"by": "month"}),
        ("/logistics/reports/partners.csv", {}),
    )
    for path, by in exports:
        answers[f"{path}{by}"] = browser.get(path, query_string={**period, **by}).get_data(
            as_text=True
        )
    api = {
        "/api/v1/hosting/hosts": {"team_id": world.team.id, "night": TONIGHT.isoformat()},
        f"/api/v1/hosting/nights/{TONIGHT.isoformat()}": {"team_id": world.team.id},
    }
    client = app.test_client()
    for path, query in api.items():
        answers[path] = client.get(path, query_string=query, headers=headers).get_data(as_text=True)
    token = hosting.issue_calendar_token(db.session, world.host)
    db.session.commit()
    answers["calendar"] = (
        app.test_client().get(f"/people/hosting/calendar/{token}").get_data(as_text=True)
    )
    return answers


def json_keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {key for item in value.values() for key in json_keys(item)}
    if isinstance(value, list):
        return {key for item in value for key in json_keys(item)}
    return set()


def test_no_answer_holds_a_personal_field_about_the_people_hosted(
    world: World, login: Any, api_token: Any, app: Flask
) -> None:
    answers = hosting_answers(world, world.hosting, login, api_token, app)
    assert "People hosted" in answers["/logistics/reports"]
    for path in (world.board, "/people/hosting/placements/new"):
        assert set(FORM_FIELD.findall(answers[path])) <= COUNTS_ONLY, path
    for path, body in answers.items():
        if path.startswith("/api/"):
            keys = json_keys(json.loads(body))
            assert not [key for key in keys if PERSONAL.search(key)], (path, keys)
        elif ".csv" in path:
            header = body.splitlines()[0]
            assert not PERSONAL.search(header.replace("Organisation", "")), (path, header)


def test_only_hosting_coordinators_see_a_host_address(
    world: World, login: Any, api_token: Any, app: Flask, make_user: Callable[..., User]
) -> None:
    seen = hosting_answers(world, world.hosting, login, api_token, app)
    assert SECRET_ADDRESS in seen[world.board] and SECRET_ADDRESS in seen["/people/hosting/hosts"]
    for role in (Role.ADMIN, Role.COORDINATOR):
        answers = hosting_answers(world, make_user(role), login, api_token, app)
        leaks = [path for path, body in answers.items() if SECRET_ADDRESS in body]
        assert leaks == [], (role, leaks)


def test_a_hosting_coordinator_is_told_their_role_and_finds_hosting_from_home(
    world: World, login: Callable[[User], FlaskClient]
) -> None:
    browser = login(world.hosting)
    home = browser.get("/").get_data(as_text=True)
    assert "Hosting coordinator" in home and "/people/hosting" in home
    french = browser.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Coordination de l’hébergement" in french


def test_the_reports_count_nights_people_hosted_not_placed_and_hosts(
    world: World, login: Callable[[User], FlaskClient]
) -> None:
    browser = login(world.coordinator)
    period = {"from": TONIGHT.isoformat(), "to": TONIGHT.isoformat()}
    weeks = list(csv.reader(io.StringIO(
        browser.get("/people/hosting/figures.csv", query_string=period).get_data(as_text=True)
    )))  # fmt: skip
    assert weeks[0] == [
        "Monday", "Nights", "Adults hosted", "Minors hosted", "Children under 10 hosted",
        "People hosted", "People not placed", "Hosts active",
    ]  # fmt: skip
    monday = TONIGHT - timedelta(days=TONIGHT.weekday())
    assert weeks[1:] == [[monday.isoformat(), "1", "2", "0", "1", "3", "1", "1"]]
    partner = dict(csv.reader(io.StringIO(
        browser.get("/logistics/reports/partners.csv", query_string=period).get_data(as_text=True)
    )))  # fmt: skip
    assert partner["Nights of citizen hosting"] == "1" and partner["People hosted"] == "3"
    assert partner["People not placed"] == "1" and partner["Hosts active"] == "1"
    page = browser.get("/logistics/reports", query_string=period).get_data(as_text=True)
    assert "Citizen hosting per week" in page and "People hosted per week" in page


def test_offers_to_host_are_limited_per_address(
    db_url: str, tmp_path: Path, db_session: Any
) -> None:
    limited = limited_app(db_url, tmp_path, PROXY_COUNT=1, HOSTING_OFFER_RATE_LIMIT="2 per minute")
    client = limited.test_client()
    offers = [
        client.post(
            "/people/hosting/offer", data={"name": ""}, headers={"X-Forwarded-For": "192.0.2.7"}
        ).status_code
        for _ in range(3)
    ]
    assert offers == [422, 422, 429]
