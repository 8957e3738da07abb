"""Logistics fixtures: vehicles made through the service, fill-ups recorded through it,
signed-in clients per role, the folder receipt photos are written to, and a team with
its warehouse, place, van and lead for planning distributions."""

import io
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import func, select

from app.clock import local_today
from app.models import Role, User
from inventory.models import Item, Site, SiteKind, StockItem, Unit
from inventory.services import LineInput, get_stock_item, receive_loose
from logistics import services
from logistics.models import Distribution, FillUp, PaidBy, Team, Vehicle
from tests.logistics.factories import add_team, add_vehicle, distribution_input

counter = itertools.count(1)


@pytest.fixture
def base(make_site: Callable[..., Site]) -> Site:
    """Where vehicles are based unless told otherwise, and where the volunteers of
    `client_as` work (a volunteer takes out only the vehicles of their sites)."""
    return make_site(name="Calais base")


@pytest.fixture
def make_vehicle(db_session: Any, admin: User, base: Site) -> Callable[..., Vehicle]:
    """A van based at `base` with an 80-litre tank at 10,000 km, unless told otherwise."""

    def make(**overrides: Any) -> Vehicle:
        number = next(counter)
        site_id = overrides.pop("home_site_id", None) or base.id
        values = {"name": f"Van {number}", "plate": f"AA-{number:03d}-ZZ", "odometer_km": 10_000}
        vehicle = add_vehicle(db_session, admin, site_id, **{**values, **overrides})
        db_session.commit()
        return vehicle

    return make


@pytest.fixture
def fill(db_session: Any, admin: User) -> Callable[..., FillUp]:
    """Record a fill-up through the service: fill(vehicle, day, km, "42.5", 7310, ...)."""

    def record(
        vehicle: Vehicle,
        day: date,
        odometer_km: int,
        litres: str,
        cost_cents: int,
        *,
        full_tank: bool = True,
        missed_previous: bool = False,
        fund_code: str = "",
        actor: User | None = None,
    ) -> FillUp:
        fill_up = services.record_fill_up(
            db_session,
            actor=actor or admin,
            vehicle_id=vehicle.id,
            data=services.FillUpInput(
                filled_on=day,
                odometer_km=odometer_km,
                litres=Decimal(litres),
                cost_cents=cost_cents,
                full_tank=full_tank,
                missed_previous=missed_previous,
                paid_by=PaidBy.ORGANISATION_CARD,
                fund_code=fund_code,
            ),
        )
        db_session.commit()
        return fill_up

    return record


@pytest.fixture
def client_as(
    login: Callable[[User], FlaskClient], make_user: Callable[..., User], base: Site
) -> Callable[[Role], FlaskClient]:
    """A browser signed in as a new user of the given role, working at `base`."""
    return lambda role: login(make_user(role, sites=[base]))


@pytest.fixture
def coordinator(client_as: Callable[[Role], FlaskClient]) -> FlaskClient:
    return client_as(Role.COORDINATOR)


@pytest.fixture
def driver(make_user: Callable[..., User], base: Site) -> User:
    """The volunteer behind `volunteer`: drives the vehicles based at `base`."""
    return make_user(Role.VOLUNTEER, display_name="Victor Bénévole", sites=[base])


@pytest.fixture
def volunteer(login: Callable[[User], FlaskClient], driver: User) -> FlaskClient:
    return login(driver)


@pytest.fixture(autouse=True)
def own_receipts_folder(app: Flask, tmp_path: Path) -> Iterator[Path]:
    """Each test stores receipt photos in a folder of its own (the database is rolled
    back after each test; files are not)."""
    folder = tmp_path / "fuel-receipts"
    before = app.config["FUEL_RECEIPTS_FOLDER"]
    app.config["FUEL_RECEIPTS_FOLDER"] = str(folder)
    yield folder
    app.config["FUEL_RECEIPTS_FOLDER"] = before


@pytest.fixture
def receipts_folder(own_receipts_folder: Path) -> Callable[[], set[str]]:
    """The names of the files in the receipts folder now."""
    folder = own_receipts_folder
    return lambda: {path.name for path in folder.glob("*")} if folder.exists() else set()


def count(db_session: Any, model: type) -> int:
    return db_session.scalar(select(func.count()).select_from(model))


def image_bytes(kind: str = "JPEG", size: tuple[int, int] = (60, 40), **save: Any) -> bytes:
    """A small real image, as a phone would send a photo."""
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buffer, kind, **save)
    return buffer.getvalue()


def noise_jpeg(minimum_bytes: int) -> bytes:
    """A real JPEG of at least `minimum_bytes` (noise compresses badly)."""
    side = 600
    while True:
        buffer = io.BytesIO()
        Image.effect_noise((side, side), 128).convert("RGB").save(buffer, "JPEG", quality=95)
        if buffer.tell() >= minimum_bytes:
            return buffer.getvalue()
        side = int(side * 1.1)


def file_part(data: bytes, name: str = "receipt.jpg") -> tuple[io.BytesIO, str]:
    return io.BytesIO(data), name


@dataclass
class PlanWorld:
    """A Calais team leaving from its warehouse (120 meals, 40 litres of water in stock)
    for a distribution point, a van, a lead volunteer working at the warehouse."""

    warehouse: Site
    place: Site
    team: Team
    van: Vehicle
    lead: User
    meals: StockItem
    water: StockItem


@pytest.fixture
def plan_world(
    db_session: Any,
    admin: User,
    make_site: Callable[..., Site],
    make_item: Callable[..., Item],
    make_user: Callable[..., User],
    make_vehicle: Callable[..., Vehicle],
) -> PlanWorld:
    warehouse = make_site(kind=SiteKind.WAREHOUSE)
    place = make_site(kind=SiteKind.DISTRIBUTION_POINT)
    meals = get_stock_item(db_session, make_item(category="food", unit=Unit.PIECE).id)
    water = get_stock_item(db_session, make_item(category="food", unit=Unit.LITRE).id)
    for stock_item, quantity in ((meals, 120), (water, 40)):
        receive_loose(
            db_session,
            actor=admin,
            site_id=warehouse.id,
            line=LineInput(item_id=stock_item.item_id, quantity=quantity),
        )
    team = add_team(db_session, f"Team {next(counter)}", warehouse.id)
    world = PlanWorld(
        warehouse=warehouse,
        place=place,
        team=team,
        van=make_vehicle(home_site_id=warehouse.id, seats=3),
        lead=make_user(Role.VOLUNTEER, sites=[warehouse]),
        meals=meals,
        water=water,
    )
    db_session.commit()
    return world


@pytest.fixture
def make_distribution(
    db_session: Any, admin: User, plan_world: PlanWorld
) -> Callable[..., Distribution]:
    """A distribution of the plan world's team, today, with a pick list of
    (stock item, quantity) pairs (80 meals unless told otherwise)."""

    def make(
        lines: list[tuple[StockItem, int]] | None = None, day: date | None = None, **overrides: Any
    ) -> Distribution:
        values = {"vehicle_id": plan_world.van.id, "lead_id": plan_world.lead.id, **overrides}
        distribution = services.plan_distribution(
            db_session,
            actor=admin,
            team_id=plan_world.team.id,
            day=day or local_today(),
            data=distribution_input(overrides.pop("place_site_id", plan_world.place.id), **values),
        )
        for stock_item, quantity in [(plan_world.meals, 80)] if lines is None else lines:
            services.set_pick_line(
                db_session,
                actor=admin,
                distribution_id=distribution.id,
                item_id=stock_item.item_id,
                gender=stock_item.gender,
                size=stock_item.size,
                quantity=quantity,
            )
        db_session.commit()
        return distribution

    return make
