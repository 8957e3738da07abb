"""Adding and changing vehicles, and the reminders for insurance, technical inspection
and service on the board and on the home page."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.clock import local_today
from app.models import Role
from inventory.models import Site
from logistics.models import Vehicle, VehicleKind
from logistics.reminders import Check, reminders_for
from tests.logistics.conftest import count


def vehicle_form(site: Site, **overrides: str) -> dict[str, str]:
    return {
        "name": "Paris minibus",
        "plate": "fr 219 pb",
        "kind": "minibus",
        "seats": "9",
        "payload_kg": "600",
        "fuel_type": "diesel",
        "tank_litres": "70",
        "home_site_id": str(site.id),
        "status": "available",
        "odometer_km": "121500",
        "insurance_due_on": "",
        "inspection_due_on": "",
        "service_due_km": "",
        **overrides,
    }


def test_a_coordinator_adds_a_vehicle(
    coordinator: FlaskClient, db_session: Any, make_site: Callable[..., Site]
) -> None:
    site = make_site(name="Porte de la Chapelle")
    assert coordinator.get("/logistics/vehicles/new").status_code == 200
    response = coordinator.post("/logistics/vehicles/new", data=vehicle_form(site))
    assert response.status_code == 303, response.get_data(as_text=True)
    vehicle = db_session.query(Vehicle).one()
    assert (vehicle.name, vehicle.plate, vehicle.kind, vehicle.seats) == (
        "Paris minibus",
        "FR-219-PB",
        VehicleKind.MINIBUS,
        9,
    )
    assert vehicle.registered_odometer_km == 121_500
    page = coordinator.get(response.headers["Location"]).get_data(as_text=True)
    assert "Paris minibus saved." in page and "121,500 km" in page


@pytest.mark.parametrize(
    ("form", "status", "message"),
    [
        ({"plate": "?!"}, 422, "“?!” is not a number plate."),
        ({"seats": "0"}, 422, "Seats are between 1 and 99."),
        ({"tank_litres": "5000"}, 422, "The tank holds between 1 and 1,500 litres."),
        ({"payload_kg": "-1"}, 422, "The payload is between 0 and 40,000 kg."),
        ({"odometer_km": "3000000"}, 422, "between 0 and 2,000,000 km"),
        ({"insurance_due_on": "1890-01-01"}, 422, "This due date is not plausible."),
        ({"service_due_km": "lots"}, 422, "“lots” is not a whole number."),
        ({"home_site_id": "999999"}, 404, "There is no site number 999999."),
        ({"name": "Calais van"}, 409, "Another vehicle is already called Calais van."),
        ({"plate": "GH482KT"}, 409, "Another vehicle has the plate GH-482-KT."),
    ],
)
def test_a_vehicle_with_bad_details_is_refused(
    coordinator: FlaskClient,
    db_session: Any,
    make_site: Callable[..., Site],
    make_vehicle: Callable[..., Vehicle],
    form: dict[str, str],
    status: int,
    message: str,
) -> None:
    make_vehicle(name="Calais van", plate="GH-482-KT")
    response = coordinator.post("/logistics/vehicles/new", data=vehicle_form(make_site(), **form))
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert count(db_session, Vehicle) == 1


def test_editing_keeps_the_registered_odometer(
    coordinator: FlaskClient, db_session: Any, make_vehicle: Callable[..., Vehicle]
) -> None:
    van = make_vehicle(name="Calais van", odometer_km=84_200)
    page = coordinator.get(f"/logistics/vehicles/{van.id}/edit").get_data(as_text=True)
    assert 'name="odometer_km"' not in page
    form = vehicle_form(van.home_site, name="Calais van", plate=van.plate, kind="van")
    form["inspection_due_on"] = "2031-05-01"
    response = coordinator.post(f"/logistics/vehicles/{van.id}/edit", data=form)
    assert response.status_code == 303
    db_session.refresh(van)
    assert van.registered_odometer_km == 84_200 and str(van.inspection_due_on) == "2031-05-01"


def test_volunteers_and_treasurers_do_not_manage_vehicles(
    client_as: Callable[[Role], FlaskClient], make_vehicle: Callable[..., Vehicle]
) -> None:
    van = make_vehicle()
    for role in (Role.VOLUNTEER, Role.TREASURER):
        browser = client_as(role)
        assert browser.get("/logistics/vehicles/new").status_code == 403
        assert browser.get(f"/logistics/vehicles/{van.id}/edit").status_code == 403
        assert "Add a vehicle" not in browser.get("/logistics/").get_data(as_text=True)


def test_reminders_due_soon_and_overdue_by_date_and_by_km(
    make_vehicle: Callable[..., Vehicle],
) -> None:
    today = local_today()
    van = make_vehicle(
        odometer_km=50_000,
        insurance_due_on=today + timedelta(days=30),
        inspection_due_on=today - timedelta(days=1),
        service_due_km=51_000,
    )
    found = reminders_for(van, 50_000, today=today, soon_days=30, soon_km=1000)
    assert [(r.check, r.overdue, r.days_left, r.km_left) for r in found] == [
        (Check.INSPECTION, True, -1, None),
        (Check.INSURANCE, False, 30, None),
        (Check.SERVICE, False, None, 1000),
    ]
    assert reminders_for(van, 48_999, today=today, soon_days=29, soon_km=1000)[1:] == []
    overdue_by_km = reminders_for(van, 51_001, today=today, soon_days=0, soon_km=0)
    assert [(r.check, r.overdue, r.km_left) for r in overdue_by_km] == [
        (Check.INSPECTION, True, None),
        (Check.SERVICE, True, -1),
    ]


def test_the_board_and_the_coordinators_home_show_what_is_due(
    app: Flask,
    client_as: Callable[[Role], FlaskClient],
    make_vehicle: Callable[..., Vehicle],
) -> None:
    today = local_today()
    make_vehicle(name="Calais van", inspection_due_on=today - timedelta(days=4))
    make_vehicle(name="Paris minibus", odometer_km=126_815, service_due_km=127_465)
    coordinator = client_as(Role.COORDINATOR)
    board = coordinator.get("/logistics/").get_data(as_text=True)
    assert "Due soon or overdue" in board
    assert "days ago" in board and "due at 127,465 km, in 650 km" in board
    home = coordinator.get("/").get_data(as_text=True)
    assert "Vans: due soon or overdue" in home and "Technical inspection" in home
    assert ">Vans</a>" in home
    volunteer_home = client_as(Role.VOLUNTEER).get("/").get_data(as_text=True)
    assert "Vans: due soon or overdue" not in volunteer_home and ">Vans</a>" in volunteer_home
    app.config["VEHICLE_REMINDER_KM"] = 500
    try:
        assert "in 650 km" not in coordinator.get("/logistics/").get_data(as_text=True)
    finally:
        app.config["VEHICLE_REMINDER_KM"] = 1000


def test_nobody_signed_in_sees_no_vans(app: Flask, make_vehicle: Callable[..., Vehicle]) -> None:
    make_vehicle(name="Calais van")
    visitor = app.test_client()
    assert ">Vans</a>" not in visitor.get("/").get_data(as_text=True)
    assert visitor.get("/logistics/").status_code == 302


def test_the_costs_page_compares_the_vehicles(
    client_as: Callable[[Role], FlaskClient],
    make_vehicle: Callable[..., Vehicle],
    fill: Callable[..., Any],
) -> None:
    today = local_today()
    van = make_vehicle(name="Calais van", odometer_km=1000)
    fill(van, today.replace(day=1), 1000, "50", 8500)
    fill(van, today, 1500, "55", 9350)
    make_vehicle(name="Clio")
    page = client_as(Role.TREASURER).get("/logistics/costs").get_data(as_text=True)
    assert "11.00" in page and "€0.19" in page and "500 km" in page
    assert "€178.50" in page, "this month's total"
    assert page.count("<svg") == 1
