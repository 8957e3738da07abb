"""Checking vehicles out and in from the board; what is refused; one open trip per
vehicle, held by the database itself."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.exc import IntegrityError

from app.clock import utcnow
from app.errors import InvalidInput
from app.models import Role, User
from logistics import services
from logistics.models import FillUp, Trip, TripPurpose, Vehicle, VehicleStatus
from tests.logistics.conftest import count
from tests.logistics.factories import start_trip


@pytest.fixture
def van(make_vehicle: Callable[..., Vehicle]) -> Vehicle:
    return make_vehicle(name="Calais van", odometer_km=84_200)


def check_out_form(driver: User, **overrides: Any) -> dict[str, str]:
    return {
        "driver_id": str(driver.id),
        "purpose": "distribution",
        "destination": "Fort Nieulay",
        "odometer_km": "84200",
        **overrides,
    }


def test_a_volunteer_checks_the_van_out_and_back_in_and_the_board_follows(
    login: Callable[[User], FlaskClient],
    make_user: Callable[..., User],
    client_as: Callable[[Role], FlaskClient],
    db_session: Any,
    van: Vehicle,
) -> None:
    victor = make_user(Role.VOLUNTEER, display_name="Victor Bénévole", sites=[van.home_site])
    phone = login(victor)
    board = phone.get("/logistics/").get_data(as_text=True)
    assert "Available, based at" in board and f"/logistics/vehicles/{van.id}/check-out" in board

    form = phone.get(f"/logistics/vehicles/{van.id}/check-out").get_data(as_text=True)
    assert (
        f'<option selected value="{victor.id}">' in form or f'value="{victor.id}" selected' in form
    )
    assert 'value="84200"' in form, "the last reading is offered"
    response = phone.post(f"/logistics/vehicles/{van.id}/check-out", data=check_out_form(victor))
    assert response.status_code == 303 and response.headers["Location"] == "/logistics/"
    trip = db_session.query(Trip).one()
    assert (trip.driver_id, trip.purpose, trip.odometer_out) == (
        victor.id,
        TripPurpose.DISTRIBUTION,
        84_200,
    )

    treasurer_board = client_as(Role.TREASURER).get("/logistics/").get_data(as_text=True)
    assert "Out with Victor Bénévole" in treasurer_board and "Fort Nieulay" in treasurer_board
    assert "check-in" not in treasurer_board, "the treasurer reads the board, nothing more"
    fragment = phone.get("/logistics/", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert fragment.startswith('<div id="board"') and "Out with Victor Bénévole" in fragment

    response = phone.post(
        f"/logistics/trips/{trip.id}/check-in", data={"odometer_km": "84291", "notes": "ok"}
    )
    assert response.status_code == 303
    assert "Calais van is back: 91 km driven." in phone.get("/logistics/").get_data(as_text=True)
    db_session.refresh(trip)
    assert trip.odometer_in == 84_291 and trip.notes == "ok" and not trip.is_open
    trips_page = phone.get("/logistics/trips").get_data(as_text=True)
    assert "91 km" in trips_page and "Victor Bénévole" in trips_page


def test_a_van_out_cannot_be_checked_out_again(
    volunteer: FlaskClient, driver: User, admin: User, db_session: Any, van: Vehicle
) -> None:
    start_trip(db_session, admin, van, 84_200, purpose=TripPurpose.TRANSFER)
    db_session.commit()
    page = volunteer.get(f"/logistics/vehicles/{van.id}/check-out").get_data(as_text=True)
    assert "Out with" in page and 'name="odometer_km"' not in page
    response = volunteer.post(
        f"/logistics/vehicles/{van.id}/check-out", data=check_out_form(driver)
    )
    assert response.status_code == 409
    assert "Calais van is already out with" in response.get_data(as_text=True)
    assert count(db_session, Trip) == 1


@pytest.mark.parametrize(
    ("status", "label"),
    [
        (VehicleStatus.MAINTENANCE, "in maintenance"),
        (VehicleStatus.OUT_OF_SERVICE, "out of service"),
    ],
)
def test_a_van_in_maintenance_or_out_of_service_stays_in(
    volunteer: FlaskClient,
    driver: User,
    db_session: Any,
    make_vehicle: Callable[..., Vehicle],
    status: VehicleStatus,
    label: str,
) -> None:
    van = make_vehicle(name="Broken van", status=status, odometer_km=84_200)
    response = volunteer.post(
        f"/logistics/vehicles/{van.id}/check-out", data=check_out_form(driver)
    )
    assert response.status_code == 409
    assert f"Broken van is {label}: it cannot be checked out." in response.get_data(as_text=True)
    assert count(db_session, Trip) == 0


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"odometer_km": "84100"}, "The odometer reads 84,100 km, but 84,200 km was already"),
        ({"odometer_km": "far"}, "“far” is not a whole number."),
        ({"purpose": ""}, "Say what the trip is for."),
        ({"purpose": "holiday"}, "Say what the trip is for."),
        ({"driver_id": "0"}, "Choose who drives."),
        ({"destination": "x" * 201}, "Field cannot be longer than 200 characters."),
    ],
)
def test_a_check_out_with_bad_input_is_refused(
    volunteer: FlaskClient,
    driver: User,
    db_session: Any,
    van: Vehicle,
    form: dict[str, str],
    message: str,
) -> None:
    response = volunteer.post(
        f"/logistics/vehicles/{van.id}/check-out", data=check_out_form(driver, **form)
    )
    assert response.status_code in (404, 422)
    assert message in response.get_data(as_text=True)
    assert count(db_session, Trip) == 0


def test_a_treasurer_is_not_a_driver(
    volunteer: FlaskClient, make_user: Callable[..., User], db_session: Any, van: Vehicle
) -> None:
    treasurer = make_user(Role.TREASURER, display_name="Thérèse")
    response = volunteer.post(
        f"/logistics/vehicles/{van.id}/check-out", data=check_out_form(treasurer)
    )
    assert response.status_code == 422
    assert "Thérèse does not drive for Relais: choose another driver." in response.get_data(
        as_text=True
    )


@pytest.fixture
def trip(db_session: Any, admin: User, van: Vehicle) -> Trip:
    out = start_trip(db_session, admin, van, 84_200, purpose=TripPurpose.COLLECTION)
    db_session.commit()
    return out


def test_the_odometer_on_return_cannot_be_lower_than_when_leaving(
    volunteer: FlaskClient, db_session: Any, trip: Trip
) -> None:
    response = volunteer.post(f"/logistics/trips/{trip.id}/check-in", data={"odometer_km": "84150"})
    assert response.status_code == 422
    assert "The odometer reads 84,150 km, less than the 84,200 km it left with." in (
        response.get_data(as_text=True)
    )
    db_session.refresh(trip)
    assert trip.is_open


def test_a_fill_up_during_the_trip_raises_the_bar_for_the_return(
    volunteer: FlaskClient, db_session: Any, trip: Trip, fill: Callable[..., FillUp], van: Vehicle
) -> None:
    from app.clock import local_today

    fill(van, local_today(), 84_260, "40", 6800)
    response = volunteer.post(f"/logistics/trips/{trip.id}/check-in", data={"odometer_km": "84240"})
    assert response.status_code == 422
    assert "but 84,260 km was already recorded" in response.get_data(as_text=True)
    low_fill_up = volunteer.post(
        f"/logistics/vehicles/{van.id}/fuel",
        data={
            "filled_on": local_today().isoformat(),
            "odometer_km": "84100",
            "litres": "10",
            "cost": "17",
            "paid_by": "cash",
        },
    )
    assert low_fill_up.status_code == 422, "below what the van left with, on this trip"


def test_a_trip_is_checked_in_once(volunteer: FlaskClient, db_session: Any, trip: Trip) -> None:
    url = f"/logistics/trips/{trip.id}/check-in"
    assert volunteer.post(url, data={"odometer_km": "84300"}).status_code == 303
    again = volunteer.post(url, data={"odometer_km": "84400"})
    assert again.status_code == 409
    assert "Calais van was already checked in at" in again.get_data(as_text=True)
    assert "Back since" in volunteer.get(url).get_data(as_text=True)


def test_the_database_refuses_a_second_open_trip(
    db_session: Any, admin: User, trip: Trip, van: Vehicle
) -> None:
    with pytest.raises(IntegrityError), db_session.begin_nested():
        db_session.add(
            Trip(
                vehicle_id=van.id,
                driver_id=admin.id,
                purpose=TripPurpose.TRANSFER,
                checked_out_at=utcnow(),
                checked_out_by_id=admin.id,
                odometer_out=84_200,
            )
        )
        db_session.flush()


def test_a_check_out_that_loses_the_race_at_the_index_is_a_409(
    volunteer: FlaskClient,
    driver: User,
    db_session: Any,
    trip: Trip,
    van: Vehicle,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As if two check-outs passed the check together: the index stops the second."""
    monkeypatch.setattr("logistics.services.trips.open_trip_of", lambda session, vehicle_id: None)
    response = volunteer.post(
        f"/logistics/vehicles/{van.id}/check-out", data=check_out_form(driver)
    )
    assert response.status_code == 409
    assert "Calais van was checked out by someone else at the same moment." in (
        response.get_data(as_text=True)
    )
    assert count(db_session, Trip) == 1


def test_pressing_check_out_twice_starts_one_trip(
    volunteer: FlaskClient, driver: User, db_session: Any, van: Vehicle
) -> None:
    form = check_out_form(driver, event_id="check-out-press-1")
    for _ in range(2):
        response = volunteer.post(f"/logistics/vehicles/{van.id}/check-out", data=form)
        assert response.status_code == 303
    assert count(db_session, Trip) == 1


def test_a_van_cannot_go_to_maintenance_while_it_is_out(
    coordinator: FlaskClient, trip: Trip, van: Vehicle
) -> None:
    page = coordinator.get(f"/logistics/vehicles/{van.id}/edit").get_data(as_text=True)
    assert 'value="Calais van"' in page
    form = {
        "name": "Calais van",
        "plate": van.plate,
        "kind": "van",
        "seats": "3",
        "payload_kg": "1200",
        "fuel_type": "diesel",
        "tank_litres": "80",
        "home_site_id": str(van.home_site_id),
        "status": "maintenance",
    }
    response = coordinator.post(f"/logistics/vehicles/{van.id}/edit", data=form)
    assert response.status_code == 409
    assert "Calais van is out with" in response.get_data(as_text=True)
    assert "check it in first" in response.get_data(as_text=True)


def test_trips_recorded_late_must_fit_between_the_other_readings(
    db_session: Any, admin: User, van: Vehicle
) -> None:
    def on(day: int, hour: int) -> datetime:
        return datetime(2025, 1, day, hour, tzinfo=UTC)

    for day in (3, 4):
        out = start_trip(db_session, admin, van, 84_200 + day * 100, moment=on(day, 8))
        services.check_in_vehicle(
            db_session,
            actor=admin,
            trip_id=out.id,
            odometer_km=84_250 + day * 100,
            moment=on(day, 16),
        )
    with pytest.raises(InvalidInput, match="84,500 km was recorded later, on 3 Jan 2025"):
        start_trip(db_session, admin, van, 84_700, moment=on(2, 8))
    start_trip(db_session, admin, van, 84_400, moment=on(2, 8))
    with pytest.raises(InvalidInput, match=r"A trip cannot start or end in the future\."):
        start_trip(db_session, admin, van, 90_000, moment=utcnow() + timedelta(hours=1))


def test_a_volunteer_takes_out_only_the_vans_of_their_sites(
    volunteer: FlaskClient,
    driver: User,
    db_session: Any,
    make_site: Callable[..., Any],
    make_vehicle: Callable[..., Vehicle],
) -> None:
    paris_van = make_vehicle(name="Paris van", home_site_id=make_site(name="Paris").id)
    board = volunteer.get("/logistics/").get_data(as_text=True)
    assert "Paris van" in board
    assert f"/logistics/vehicles/{paris_van.id}/check-out" not in board
    url = f"/logistics/vehicles/{paris_van.id}/check-out"
    page = volunteer.get(url)
    assert page.status_code == 403
    text = page.get_data(as_text=True)
    assert "Paris van belongs to Paris, where you are not assigned: ask a coordinator." in text
    assert 'name="odometer_km"' not in text
    response = volunteer.post(url, data=check_out_form(driver, odometer_km="10000"))
    assert response.status_code == 403
    assert "where you are not assigned" in response.get_data(as_text=True)
    assert count(db_session, Trip) == 0


def test_a_volunteer_drives_in_their_own_name_and_a_coordinator_names_the_driver(
    volunteer: FlaskClient,
    coordinator: FlaskClient,
    driver: User,
    make_user: Callable[..., User],
    db_session: Any,
    van: Vehicle,
) -> None:
    other = make_user(Role.VOLUNTEER, display_name="Odile", sites=[van.home_site])
    form = volunteer.get(f"/logistics/vehicles/{van.id}/check-out").get_data(as_text=True)
    assert f'value="{driver.id}"' in form and "Odile" not in form, "only themselves to choose"
    response = volunteer.post(f"/logistics/vehicles/{van.id}/check-out", data=check_out_form(other))
    assert response.status_code == 403
    assert "You can check a vehicle out only in your own name" in response.get_data(as_text=True)
    assert count(db_session, Trip) == 0

    assert "Odile" in coordinator.get(f"/logistics/vehicles/{van.id}/check-out").get_data(
        as_text=True
    )
    response = coordinator.post(
        f"/logistics/vehicles/{van.id}/check-out", data=check_out_form(other)
    )
    assert response.status_code == 303
    assert db_session.query(Trip).one().driver_id == other.id


def test_the_api_holds_volunteers_to_their_own_name_and_sites(
    client: FlaskClient,
    api_token: Callable[[User], dict[str, str]],
    driver: User,
    make_user: Callable[..., User],
    make_site: Callable[..., Any],
    make_vehicle: Callable[..., Vehicle],
    db_session: Any,
    van: Vehicle,
) -> None:
    headers = api_token(driver)
    other = make_user(Role.VOLUNTEER, sites=[van.home_site])
    body = {"purpose": "distribution", "odometer_km": 84_200}
    for_other = client.post(
        f"/api/v1/vehicles/{van.id}/check-out",
        json={**body, "driver_id": other.id},
        headers=headers,
    )
    assert for_other.status_code == 403
    assert "only in your own name" in for_other.json["message"]
    paris_van = make_vehicle(name="Paris van", home_site_id=make_site(name="Paris").id)
    elsewhere = client.post(
        f"/api/v1/vehicles/{paris_van.id}/check-out",
        json={**body, "odometer_km": 10_000},
        headers=headers,
    )
    assert elsewhere.status_code == 403
    assert "Paris van belongs to Paris" in elsewhere.json["message"]
    assert count(db_session, Trip) == 0
    mine = client.post(f"/api/v1/vehicles/{van.id}/check-out", json=body, headers=headers)
    assert mine.status_code == 201 and mine.json["driver_id"] == driver.id
