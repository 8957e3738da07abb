"""The vehicles API: adding a vehicle, recording fuel (litres with at most two decimals,
every refusal a clear 422 with nothing written), replays, check-out and check-in."""

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from app.models import Role, User
from donations.models import FundSpending
from inventory.models import Site
from logistics.models import FillUp, Trip, Vehicle
from tests.logistics.conftest import count

Headers = Callable[[User], dict[str, str]]


def fuel(**overrides: Any) -> dict[str, Any]:
    return {
        "date": "2025-06-02",
        "odometer_km": 10_500,
        "litres": 42.57,
        "cost_cents": 7320,
        "full_tank": True,
        "missed_previous": False,
        **overrides,
    }


@pytest.fixture
def van(make_vehicle: Callable[..., Vehicle]) -> Vehicle:
    return make_vehicle(name="Calais van", tank_litres=80, odometer_km=10_000)


def test_a_coordinator_adds_a_vehicle(
    client: FlaskClient,
    make_user: Callable[..., User],
    make_site: Callable[..., Site],
    api_token: Headers,
    db_session: Any,
) -> None:
    headers = api_token(make_user(Role.COORDINATOR))
    body = {
        "name": "Paris minibus",
        "plate": "fr-219-pb",
        "kind": "minibus",
        "seats": 9,
        "payload_kg": 600,
        "fuel_type": "diesel",
        "tank_litres": 70,
        "home_site_id": make_site().id,
        "odometer_km": 121_500,
        "insurance_due_on": "2031-01-15",
    }
    response = client.post("/api/v1/vehicles", json=body, headers=headers)
    assert response.status_code == 201, response.json
    assert response.json["plate"] == "FR-219-PB" and response.json["odometer_km"] == 121_500
    assert response.json["trip"] is None and response.json["status"] == "available"
    again = client.post("/api/v1/vehicles", json=body, headers=headers)
    assert again.status_code == 409
    assert again.json["message"] == "Another vehicle is already called Paris minibus."
    bad = client.post(
        "/api/v1/vehicles", json={**body, "name": "Other", "seats": 0}, headers=headers
    )
    assert bad.status_code == 422 and bad.json["message"] == "Seats are between 1 and 99."
    volunteer = api_token(make_user(Role.VOLUNTEER))
    assert client.post("/api/v1/vehicles", json=body, headers=volunteer).status_code == 403
    assert count(db_session, Vehicle) == 1
    listed = client.get("/api/v1/vehicles", headers=volunteer).json
    assert [vehicle["name"] for vehicle in listed] == ["Paris minibus"]


def test_a_volunteer_records_fuel_paid_from_the_fuel_fund(
    client: FlaskClient,
    make_user: Callable[..., User],
    api_token: Headers,
    van: Vehicle,
    db_session: Any,
) -> None:
    headers = api_token(make_user(Role.VOLUNTEER))
    response = client.post(
        f"/api/v1/vehicles/{van.id}/fuel",
        json=fuel(fund="fuel", paid_by="volunteer", station="Esso Marck"),
        headers=headers,
    )
    assert response.status_code == 201, response.json
    assert response.json["litres"] == 42.57 and response.json["fund"] == "fuel"
    fill_up = db_session.query(FillUp).one()
    assert fill_up.litres_cl == 4257 and fill_up.paid_by.value == "volunteer"
    spending = db_session.query(FundSpending).one()
    assert (spending.amount_cents, spending.litres_cl, spending.subject) == (
        7320,
        4257,
        "Calais van",
    )
    assert spending.reference == f"fuel:{fill_up.id}"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"litres": 28.123}, "Litres have at most two decimals, such as 42.57."),
        ({"litres": "28.5e-3"}, "Litres have at most two decimals, such as 42.57."),
        ({"litres": -5}, "The litres must be more than 0."),
        ({"litres": 0}, "The litres must be more than 0."),
        ({"litres": 1e300}, "is more than the tank of Calais van holds (80 litres)."),
        ({"litres": 80.01}, "80.01 litres is more than the tank of Calais van holds (80 litres)."),
        ({"odometer_km": 9_999}, "The odometer reads 9,999 km, but 10,000 km was already"),
        ({"odometer_km": -1}, "The odometer reading must be between 0 and 2,000,000 km."),
        ({"cost_cents": 0}, "The cost must be more than 0."),
        ({"cost_cents": 100}, "That makes €0.02 a litre: check the litres and the cost."),
        ({"date": "2999-12-31"}, "The date cannot be in the future."),
        ({"fund": "nope"}, "There is no fund nope."),
    ],
)
def test_bad_fuel_is_a_clear_error_and_nothing_is_written(
    client: FlaskClient,
    admin: User,
    api_token: Headers,
    van: Vehicle,
    db_session: Any,
    body: dict[str, Any],
    message: str,
) -> None:
    response = client.post(
        f"/api/v1/vehicles/{van.id}/fuel", json=fuel(**body), headers=api_token(admin)
    )
    assert response.status_code in (404, 422), response.json
    assert message in response.json["message"]
    assert count(db_session, FillUp) == 0 and count(db_session, FundSpending) == 0


@pytest.mark.parametrize(
    "body",
    [
        {"litres": "a lot"},
        {"litres": None},
        {"litres": True},
        {"litres": "NaN"},
        {"cost_cents": 73.2},
        {"odometer_km": "10500"},
        {"odometer_km": 2**40},
        {"full_tank": "maybe"},
        {"paid_by": "the mayor"},
        {"date": "yesterday"},
    ],
)
def test_malformed_fuel_is_refused_by_the_schema(
    client: FlaskClient,
    admin: User,
    api_token: Headers,
    van: Vehicle,
    db_session: Any,
    body: dict[str, Any],
) -> None:
    response = client.post(
        f"/api/v1/vehicles/{van.id}/fuel", json=fuel(**body), headers=api_token(admin)
    )
    assert response.status_code == 422, response.json
    assert response.json["errors"]["json"]
    assert count(db_session, FillUp) == 0


def test_a_replayed_fill_up_is_recorded_once(
    client: FlaskClient, admin: User, api_token: Headers, van: Vehicle, db_session: Any
) -> None:
    headers = api_token(admin)
    body = fuel(event_id="phone-1234-fill", fund="fuel")
    first = client.post(f"/api/v1/vehicles/{van.id}/fuel", json=body, headers=headers)
    second = client.post(f"/api/v1/vehicles/{van.id}/fuel", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json == second.json and second.headers["Idempotent-Replayed"] == "true"
    assert count(db_session, FillUp) == 1 and count(db_session, FundSpending) == 1


def test_the_treasurer_reads_but_does_not_record(
    client: FlaskClient, make_user: Callable[..., User], api_token: Headers, van: Vehicle
) -> None:
    headers = api_token(make_user(Role.TREASURER))
    assert (
        client.post(f"/api/v1/vehicles/{van.id}/fuel", json=fuel(), headers=headers).status_code
        == 403
    )
    assert client.get(f"/api/v1/vehicles/{van.id}/consumption", headers=headers).status_code == 200
    assert client.get(f"/api/v1/vehicles/{van.id}", headers=headers).json["name"] == "Calais van"
    assert client.get("/api/v1/vehicles/999999/consumption", headers=headers).status_code == 404


def test_check_out_and_in_through_the_api(
    client: FlaskClient,
    make_user: Callable[..., User],
    api_token: Headers,
    van: Vehicle,
    db_session: Any,
) -> None:
    victor = make_user(Role.VOLUNTEER, display_name="Victor", sites=[van.home_site])
    headers = api_token(victor)
    out = client.post(
        f"/api/v1/vehicles/{van.id}/check-out",
        json={"purpose": "emergency_hosting", "odometer_km": 10_000},
        headers=headers,
    )
    assert out.status_code == 201, out.json
    assert out.json["driver"] == "Victor" and out.json["checked_in_at"] is None
    twice = client.post(
        f"/api/v1/vehicles/{van.id}/check-out",
        json={"purpose": "distribution", "odometer_km": 10_000},
        headers=headers,
    )
    assert twice.status_code == 409
    assert twice.json["message"].startswith("Calais van is already out with Victor since")
    assert (
        client.get(f"/api/v1/vehicles/{van.id}", headers=headers).json["trip"]["id"]
        == out.json["id"]
    )
    back = client.post(
        f"/api/v1/trips/{out.json['id']}/check-in", json={"odometer_km": 10_042}, headers=headers
    )
    assert back.status_code == 200 and back.json["odometer_in"] == 10_042
    assert count(db_session, Trip) == 1
    low = client.post(
        f"/api/v1/vehicles/{van.id}/check-out",
        json={"purpose": "distribution", "odometer_km": 10_041},
        headers=headers,
    )
    assert low.status_code == 422 and "but 10,042 km was already recorded" in low.json["message"]
