"""Check-outs at the same moment on PostgreSQL: each thread posts with its own test client
and bearer token, and the app commits for real. However many press "Check out" on one van
at once, one trip starts; the others are told it is out.

These tests cannot use the rolled-back `db_session`: the module's fixture commits its own
users and van, and empties the tables when the module is done."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from app.extensions import db
from app.models import Role, User
from inventory.models import Site, SiteKind
from logistics.models import Trip
from tests.conftest import PASSWORD, truncate_all_but_reference_data
from tests.logistics.factories import add_vehicle
from tests.races import POSTGRES_ONLY, all_at_once, tokens_for

pytestmark = POSTGRES_ONLY

DRIVERS = 8
ROUNDS = 5


@dataclass
class World:
    app: Flask
    van_id: int
    tokens: list[str]


@pytest.fixture(scope="module")
def world(app: Flask) -> Iterator[World]:
    with app.app_context():
        site = Site(name="Concurrence Calais", kind=SiteKind.WAREHOUSE, city="Calais")
        drivers = []
        for number in range(DRIVERS):
            driver = User(
                email=f"driver{number}@relais.test",
                role=Role.VOLUNTEER,
                display_name=f"Driver {number}",
            )
            driver.set_password(PASSWORD)
            driver.sites = [site]  # a volunteer takes out the vans of their sites
            drivers.append(driver)
        db.session.add_all([site, *drivers])
        db.session.flush()
        van = add_vehicle(db.session, drivers[0], site.id, name="Concurrence van", odometer_km=1000)
        db.session.commit()
        van_id, emails = van.id, [driver.email for driver in drivers]
        db.session.remove()
    try:
        yield World(app, van_id, tokens_for(app, emails))
    finally:
        truncate_all_but_reference_data(app)


def check_out_all_at_once(world: World, odometer_km: int) -> list[tuple[int, Any]]:
    """Every driver presses "Check out" on the van at the same moment."""

    def press(token: str) -> Callable[[], tuple[int, Any]]:
        def post() -> tuple[int, Any]:
            response = world.app.test_client().post(
                f"/api/v1/vehicles/{world.van_id}/check-out",
                json={"purpose": "distribution", "odometer_km": odometer_km},
                headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"},
            )
            return response.status_code, response.get_json(silent=True)

        return post

    return all_at_once([press(token) for token in world.tokens])


def open_trips(world: World) -> list[Trip]:
    with world.app.app_context():
        trips = db.session.scalars(
            select(Trip).where(Trip.vehicle_id == world.van_id, Trip.checked_in_at.is_(None))
        ).all()
        db.session.expunge_all()
        db.session.remove()
        return list(trips)


def check_in(world: World, trip: Trip, odometer_km: int) -> None:
    response = world.app.test_client().post(
        f"/api/v1/trips/{trip.id}/check-in",
        json={"odometer_km": odometer_km},
        headers={"Authorization": f"Bearer {world.tokens[0]}"},
    )
    assert response.status_code == 200, response.get_json()


def test_two_check_outs_of_one_van_at_once_start_one_trip(world: World) -> None:
    odometer = 1000
    for _ in range(ROUNDS):
        results = check_out_all_at_once(world, odometer)
        statuses = sorted(status for status, _body in results)
        assert statuses == [201] + [409] * (DRIVERS - 1), results
        refused = [body["message"] for status, body in results if status == 409]
        assert all(message.startswith("Concurrence van is already out with") for message in refused)
        (trip,) = open_trips(world)
        odometer += 37
        check_in(world, trip, odometer)
    with world.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Trip)) == ROUNDS
        db.session.remove()


def test_without_the_row_lock_the_index_still_lets_one_through(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Take the lock and the check away: the partial unique index on open trips is what
    refuses the others, as a 409 with a message, never a 500."""
    from logistics.services import trips

    monkeypatch.setattr(trips, "open_trip_of", lambda session, vehicle_id: None)
    unlocked = trips.get_vehicle
    monkeypatch.setattr(
        trips,
        "get_vehicle",
        lambda session, vehicle_id, for_update=False: unlocked(session, vehicle_id),
    )
    results = check_out_all_at_once(world, 2000)
    statuses = sorted(status for status, _body in results)
    assert statuses == [201] + [409] * (DRIVERS - 1), results
    refused = {body["message"] for status, body in results if status == 409}
    assert refused == {"Concurrence van was checked out by someone else at the same moment."}
    assert len(open_trips(world)) == 1
