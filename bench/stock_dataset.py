"""The stock-at-scale data set: 50 sites, 2,000 stock items and 1,000,000 stock movements,
with balances that equal the sum of the movements. Benchmarks that need a big, realistic
stock reuse it:

    from app.extensions import db
    from bench.stock_dataset import bench_app, build_stock_dataset, scratch_database

    with scratch_database("relais_bench_mine", sqlite=False, keep=False) as url:
        app = bench_app(url, instance_dir)
        with app.app_context():
            dataset = build_stock_dataset(db.session, actor_id=None)
        ...

The catalogue is the demo one (inventory/demo.py) repeated as "(model 2)", "(model 3)"...
with the genders and sizes people really pack, until there are 2,000 stock items. Four
warehouses, fourteen distribution points and thirty-two collection points; a warehouse
sees twelve times the movements of a collection point, and some stock items are far more
common than others (socks, not size 17 wellingtons). Movements are posted in time order,
so no balance ever goes below zero, and some end at zero.

On PostgreSQL the movements go in with COPY (foreign keys unchecked row by row when the
user is a superuser: the ids come from rows just inserted) and the balances with one
INSERT ... SELECT ... GROUP BY, then VACUUM ANALYZE as autovacuum would have done on a
live database. About 10 to 25 s on PostgreSQL, 25 to 40 s on SQLite."""

import argparse
import itertools
import os
import random
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from flask import Flask
from flask_migrate import upgrade
from psycopg import sql
from sqlalchemy import insert, make_url, text
from sqlalchemy.orm import Session

from app import create_app
from app.extensions import db
from inventory.demo import CATALOGUE, NEEDS
from inventory.ledger import find_drift
from inventory.models import (
    Gender,
    Item,
    MovementReason,
    NeedLine,
    Site,
    SiteKind,
    SizeRange,
    StockItem,
    StockMovement,
)

POSTGRES_SERVER = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
# Databases other people and CI use: never created or dropped here.
PROTECTED_DATABASES = frozenset(
    {"postgres", "template0", "template1", "test", "relais_ci", "relais_dev"}
)

GENDERS: dict[SizeRange, tuple[Gender, ...]] = {
    SizeRange.LETTERS: (Gender.MEN, Gender.WOMEN, Gender.UNISEX_ADULT),
    SizeRange.CHILD_AGE: (Gender.BOYS, Gender.GIRLS, Gender.UNISEX_CHILD),
    SizeRange.EU_SHOES: (Gender.MEN, Gender.WOMEN),
}
CITIES = (
    "Calais",
    "Paris",
    "Lille",
    "Dunkerque",
    "Grande-Synthe",
    "Lyon",
    "Marseille",
    "Briançon",
    "Menton",
    "Nantes",
    "Rennes",
    "Quimper",
    "Tours",
    "Bordeaux",
    "Toulouse",
    "Grenoble",
    "Strasbourg",
    "Metz",
    "Rouen",
    "Caen",
    "Amiens",
    "Arras",
    "Boulogne-sur-Mer",
    "Cherbourg",
    "Montpellier",
)
KINDS = (
    (SiteKind.WAREHOUSE, "Entrepôt", 4, 12),
    (SiteKind.DISTRIBUTION_POINT, "Distribution", 14, 3),
    (SiteKind.COLLECTION_POINT, "Point de collecte", 32, 1),
)  # kind, name prefix, how many, relative number of movements
INFLOW = (
    (MovementReason.RECEIVED,) * 7 + (MovementReason.TRANSFER_IN,) * 2 + (MovementReason.RETURNED,)
)
OUTFLOW = (
    (MovementReason.DISTRIBUTED,) * 6
    + (MovementReason.TRANSFER_OUT,) * 2
    + (MovementReason.LOADED, MovementReason.SCRAPPED, MovementReason.EXPIRED)
)
OUTFLOW_SHARE = 0.5
HISTORY = timedelta(days=730)

Movement = tuple[int, int, int, str, datetime]  # site, stock item, quantity, reason, when


@dataclass(frozen=True)
class DatasetSpec:
    movements: int = 1_000_000
    stock_items: int = 2_000
    seed: int = 20260301


@dataclass(frozen=True)
class StockDataset:
    site_ids: list[int]
    stock_item_ids: list[int]
    movements_by_site: dict[int, int]
    levels: int
    seconds: float

    @property
    def movements(self) -> int:
        return sum(self.movements_by_site.values())

    @property
    def busiest_site_id(self) -> int:
        return max(self.movements_by_site, key=self.movements_by_site.__getitem__)


# --- the database ---------------------------------------------------------------------


@contextmanager
def scratch_bench_app(database: str, description: str) -> Iterator[Flask]:
    """The app of `bench_app` on a scratch database, as the command line asks (--sqlite,
    --keep; `description` is its help), its engine disposed of afterwards."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--sqlite", action="store_true", help="run on SQLite, not PostgreSQL")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    arguments = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="relais-bench-") as instance,
        scratch_database(database, sqlite=arguments.sqlite, keep=arguments.keep) as url,
    ):
        app = bench_app(url, Path(instance))
        try:
            yield app
        finally:
            with app.app_context():
                db.engine.dispose()


@contextmanager
def scratch_database(name: str, *, sqlite: bool, keep: bool) -> Iterator[str]:
    """A new, empty database for one run, dropped afterwards unless `keep`; yields its URL.
    PostgreSQL at BENCH_POSTGRES_URL (default 127.0.0.1:5432, user postgres), or a SQLite
    file in the temporary directory."""
    if sqlite:
        path = Path(tempfile.gettempdir()) / f"{name}.sqlite3"
        path.unlink(missing_ok=True)
        try:
            yield f"sqlite:///{path}"
        finally:
            if keep:
                print(f"kept {path}")
            else:
                path.unlink(missing_ok=True)
        return
    if name in PROTECTED_DATABASES:
        raise ValueError(f"refusing to use the database {name!r}")
    recreate_postgres_database(name)
    try:
        url = make_url(POSTGRES_SERVER).set(drivername="postgresql+psycopg", database=name)
        yield url.render_as_string(hide_password=False)
    finally:
        if keep:
            print(f"kept the PostgreSQL database {name}")
        else:
            drop_postgres_database(name)


def recreate_postgres_database(name: str) -> None:
    drop_postgres_database(name)
    with psycopg.connect(POSTGRES_SERVER, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_postgres_database(name: str) -> None:
    with psycopg.connect(POSTGRES_SERVER, autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def bench_app(url: str, instance: Path) -> Flask:
    """The real app on `url`, its schema built by the migrations. CSRF and rate limits are
    off so a test client can sign in and ask for pages in a loop."""
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "INSTANCE_PATH": str(instance),
            "SECRET_KEY": "bench-secret-key-that-is-long-enough-123",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        upgrade()
    return app


# --- the data set ---------------------------------------------------------------------


def build_stock_dataset(
    session: Session, *, actor_id: int | None, spec: DatasetSpec = DatasetSpec()
) -> StockDataset:
    """Sites, catalogue, need lists, movements and balances, committed and analysed."""
    started = time.perf_counter()
    rng = random.Random(spec.seed)
    sites = add_sites(session)
    weights = {site.id: site_weight(site) for site in sites}
    items, stock_items = add_catalogue(session, spec.stock_items)
    add_need_lines(session, sites, items)
    movements = generate_movements(rng, weights, [row.id for row in stock_items], spec.movements)
    movements_by_site = load_movements(session, movements, actor_id)
    levels = load_levels(session)
    session.commit()
    analyse(session)
    return StockDataset(
        site_ids=[site.id for site in sites],
        stock_item_ids=[row.id for row in stock_items],
        movements_by_site=movements_by_site,
        levels=levels,
        seconds=time.perf_counter() - started,
    )


def add_sites(session: Session) -> list[Site]:
    sites = []
    for kind, prefix, count, _weight in KINDS:
        for _ in range(count):
            number = len(sites)
            city = CITIES[number % len(CITIES)]
            suffix = f" {number // len(CITIES) + 1}" if number >= len(CITIES) else ""
            sites.append(Site(name=f"{prefix} {city}{suffix}", kind=kind, city=city))
    session.add_all(sites)
    session.flush()
    return sites


def site_weight(site: Site) -> int:
    return next(weight for kind, _prefix, _count, weight in KINDS if kind == site.kind)


def add_catalogue(session: Session, count: int) -> tuple[list[Item], list[StockItem]]:
    """The demo catalogue, then again as "(model 2)", "(model 3)"... until its items at
    their genders and sizes make `count` stock items."""
    entries = ((entry, model) for model in itertools.count(1) for entry in CATALOGUE)
    items: list[Item] = []
    stock_items: list[StockItem] = []
    while len(stock_items) < count:
        item = catalogue_item(*next(entries))
        items.append(item)
        stock_items.extend(itertools.islice(variants(item), count - len(stock_items)))
    session.add_all([*items, *stock_items])
    session.flush()
    return items, stock_items


def catalogue_item(entry: tuple[Any, ...], model: int) -> Item:
    category, name_fr, name_en, unit, size_range, who = entry
    return Item(
        category=category,
        name_fr=name_fr if model == 1 else f"{name_fr} (modèle {model})",
        name_en=name_en if model == 1 else f"{name_en} (model {model})",
        unit=unit,
        size_range=size_range,
        gendered=bool(who),
    )


def variants(item: Item) -> Iterator[StockItem]:
    """The item at each gender and size it is packed in."""
    genders = GENDERS[item.size_range] if item.gendered and item.size_range else ("",)
    for gender in genders:
        for size in item.sizes_for(gender) or ("",):
            yield StockItem(item=item, gender=str(gender), size=size)


def add_need_lines(session: Session, sites: list[Site], items: list[Item]) -> None:
    """The demo need list at every site that hands things out or collects them."""
    by_name = {item.name_en: item for item in items}
    session.add_all(
        NeedLine(
            site_id=site.id,
            item_id=by_name[name].id,
            gender=str(gender),
            size=size,
            target_quantity=target,
            priority=priority,
            note=note,
        )
        for site in sites
        if site.kind != SiteKind.WAREHOUSE
        for name, gender, size, target, priority, note in NEEDS
    )
    session.flush()


def generate_movements(
    rng: random.Random, site_weights: dict[int, int], stock_item_ids: list[int], count: int
) -> Iterator[Movement]:
    """Movements in time order: what comes in, and what goes out of what is there."""
    popularity = [1 / (rank + 5) for rank in range(len(stock_item_ids))]
    shuffled = rng.sample(stock_item_ids, len(stock_item_ids))
    site_ids = rng.choices(list(site_weights), list(site_weights.values()), k=count)
    item_ids = rng.choices(shuffled, popularity, k=count)
    balances: dict[tuple[int, int], int] = defaultdict(int)
    start = datetime.now(UTC) - HISTORY
    step = HISTORY / count
    for number, key in enumerate(zip(site_ids, item_ids, strict=True)):
        balance = balances[key]
        if balance and rng.random() < OUTFLOW_SHARE:
            quantity = -min(balance, rng.randint(1, 20))
            reason = rng.choice(OUTFLOW)
        else:
            quantity = rng.randint(1, 40)
            reason = rng.choice(INFLOW)
        balances[key] = balance + quantity
        yield key[0], key[1], quantity, reason.value, start + step * number


def load_movements(
    session: Session, movements: Iterator[Movement], actor_id: int | None
) -> dict[int, int]:
    """Writes the movements (COPY on PostgreSQL), returns how many each site has."""
    counted: dict[int, int] = defaultdict(int)

    def tallied() -> Iterator[Movement]:
        for movement in movements:
            counted[movement[0]] += 1
            yield movement

    if session.get_bind().dialect.name == "postgresql":
        copy_movements(session, tallied(), actor_id)
    else:
        insert_movements(session, tallied(), actor_id)
    return dict(counted)


def copy_movements(session: Session, movements: Iterator[Movement], actor_id: int | None) -> None:
    actor = "\\N" if actor_id is None else str(actor_id)
    cursor = session.connection().connection.dbapi_connection.cursor()
    if cursor.execute("SHOW is_superuser").fetchone() == ("on",):
        # No foreign key check row by row: the load takes half the time.
        cursor.execute("SET LOCAL session_replication_role = replica")
    columns = "site_id, stock_item_id, quantity, reason, reference, note, actor_id, created_at"
    with cursor.copy(f"COPY stock_movements ({columns}) FROM STDIN") as copy:
        batch: list[str] = []
        for site_id, stock_item_id, quantity, reason, at in movements:
            batch.append(f"{site_id}\t{stock_item_id}\t{quantity}\t{reason}\t\t\t{actor}\t{at}\n")
            if len(batch) == 10_000:
                copy.write("".join(batch))
                batch.clear()
        copy.write("".join(batch))


def insert_movements(session: Session, movements: Iterator[Movement], actor_id: int | None) -> None:
    batch: list[dict[str, object]] = []
    for site_id, stock_item_id, quantity, reason, at in movements:
        batch.append(
            {
                "site_id": site_id,
                "stock_item_id": stock_item_id,
                "quantity": quantity,
                "reason": reason,
                "reference": "",
                "note": "",
                "actor_id": actor_id,
                "created_at": at,
            }
        )
        if len(batch) == 50_000:
            session.execute(insert(StockMovement), batch)
            batch.clear()
    if batch:
        session.execute(insert(StockMovement), batch)


def load_levels(session: Session) -> int:
    """Every (site, stock item) that ever moved gets its balance, zero included, as the
    ledger leaves it."""
    result = session.execute(
        text(
            "INSERT INTO stock_levels (site_id, stock_item_id, quantity)"
            " SELECT site_id, stock_item_id, SUM(quantity) FROM stock_movements"
            " GROUP BY site_id, stock_item_id"
        )
    )
    return result.rowcount


def analyse(session: Session) -> None:
    if session.get_bind().dialect.name != "postgresql":
        session.execute(text("ANALYZE"))
        session.commit()
        return
    with session.get_bind().connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")


def check_balances(session: Session) -> None:
    """Raises unless every balance equals the sum of its movements (the app's own check)."""
    drift = find_drift(session)
    if drift:
        raise AssertionError(f"{len(drift)} balances differ from the ledger, first {drift[0]}")
