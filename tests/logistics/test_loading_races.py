"""Leads loading vans at the same moment on PostgreSQL, each through their own signed-in
browser, the app committing for real: one crate goes on one van only, and the last units
of an item on one van only; the others are told why, and no balance goes below zero.

Like tests/logistics/test_concurrency.py, these commit their own rows and empty the
tables when the module is done."""

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import time

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.clock import local_today
from app.extensions import db
from app.models import Role, User
from inventory import ledger
from inventory.models import Item, Site, SiteKind, Unit
from inventory.services import LineInput, create_crates, get_stock_item, pack_crate, receive_loose
from logistics import services
from tests.conftest import PASSWORD, sign_in, truncate_all_but_reference_data
from tests.logistics.factories import add_team, distribution_input
from tests.races import POSTGRES_ONLY, all_at_once

pytestmark = POSTGRES_ONLY

LEADS = 4
ROUNDS = 4


@dataclass
class World:
    app: Flask
    warehouse_id: int
    item_id: int
    stock_item_id: int
    admin_id: int
    distribution_ids: list[int]
    clients: list[FlaskClient]


@pytest.fixture(scope="module")
def world(app: Flask) -> Iterator[World]:
    with app.app_context():
        warehouse = Site(name="Course entrepôt", kind=SiteKind.WAREHOUSE, city="Calais")
        place = Site(name="Course place", kind=SiteKind.DISTRIBUTION_POINT, city="Calais")
        water = Item(category="food", name_fr="Eau course", name_en="Race water", unit=Unit.LITRE)
        admin = User(email="race-admin@relais.test", role=Role.ADMIN)
        leads = [
            User(email=f"race-lead{number}@relais.test", role=Role.VOLUNTEER)
            for number in range(LEADS)
        ]
        for user in (admin, *leads):
            user.set_password(PASSWORD)
        db.session.add_all([warehouse, place, water, admin, *leads])
        db.session.flush()
        stock_item = get_stock_item(db.session, water.id)
        team = add_team(db.session, "Course", warehouse.id)
        distribution_ids = [
            services.plan_distribution(
                db.session,
                actor=admin,
                team_id=team.id,
                day=local_today(),
                data=distribution_input(
                    place.id,
                    label=f"Run {number}",
                    lead_id=lead.id,
                    starts_at=time(8 + number),
                    ends_at=time(9 + number),
                ),
            ).id
            for number, lead in enumerate(leads)
        ]
        db.session.commit()
        found = World(app, warehouse.id, water.id, stock_item.id, admin.id, distribution_ids, [])
        lead_users = list(leads)
        found.clients = [sign_in(app.test_client(), lead) for lead in lead_users]
        db.session.remove()
    try:
        yield found
    finally:
        truncate_all_but_reference_data(app)


def load_all_at_once(world: World, form: dict[str, str]) -> list[tuple[int, str]]:
    """Every lead presses "Load" for their own distribution at the same moment."""

    def press(number: int) -> Callable[[], tuple[int, str]]:
        def post() -> tuple[int, str]:
            response = world.clients[number].post(
                f"/logistics/distributions/{world.distribution_ids[number]}/load",
                data={**form, "event_id": uuid.uuid4().hex},
                headers={"Accept-Language": "en"},
            )
            return response.status_code, response.get_data(as_text=True)

        return post

    return all_at_once([press(number) for number in range(LEADS)])


def with_session(world: World, work: object) -> object:
    with world.app.app_context():
        try:
            return work(db.session)  # type: ignore[operator]
        finally:
            db.session.commit()
            db.session.remove()


def packed_crate(world: World, quantity: int) -> str:
    def make(session: object) -> str:
        admin = db.session.get(User, world.admin_id)
        (crate,) = create_crates(db.session, actor=admin, count=1)
        pack_crate(
            db.session,
            actor=admin,
            crate=crate,
            site_id=world.warehouse_id,
            lines=[LineInput(item_id=world.item_id, quantity=quantity)],
        )
        return crate.code

    return with_session(world, make)  # type: ignore[return-value]


def warehouse_balance(world: World) -> int:
    return with_session(  # type: ignore[return-value]
        world, lambda session: ledger.balance_of(session, world.warehouse_id, world.stock_item_id)
    )


def test_one_crate_goes_on_one_van(world: World) -> None:
    for _ in range(ROUNDS):
        before = warehouse_balance(world)
        code = packed_crate(world, 12)
        results = load_all_at_once(world, {"code": code})
        statuses = sorted(status for status, _page in results)
        assert statuses == [303] + [409] * (LEADS - 1), statuses
        assert all(
            "not in stock at Course entrepôt" in page for status, page in results if status == 409
        )
        assert warehouse_balance(world) == before
    assert with_session(world, ledger.find_drift) == []


def test_the_last_units_go_on_one_van(world: World) -> None:
    for _ in range(ROUNDS):

        def top_up(session: object) -> None:
            admin = db.session.get(User, world.admin_id)
            short_of = 10 - ledger.balance_of(db.session, world.warehouse_id, world.stock_item_id)
            receive_loose(
                db.session,
                actor=admin,
                site_id=world.warehouse_id,
                line=LineInput(item_id=world.item_id, quantity=short_of),
            )

        with_session(world, top_up)
        assert warehouse_balance(world) == 10
        results = load_all_at_once(
            world, {"stock_item_id": str(world.stock_item_id), "quantity": "7"}
        )
        statuses = sorted(status for status, _page in results)
        assert statuses == [303] + [409] * (LEADS - 1), statuses
        assert all("Not enough stock here" in page for status, page in results if status == 409)
        assert warehouse_balance(world) == 3
    assert with_session(world, ledger.find_drift) == []
