"""Concurrency on PostgreSQL: many clients at once, each in its own thread with its own
test client and bearer token, committing for real; then the ledger's invariants.

These tests cannot use the rolled-back `db_session`: the module's `world` fixture seeds
its own data with real commits and truncates every table when the module is done."""

import random
import threading
import time
import traceback
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, func, select, text

from app.extensions import db
from app.models import ClientEvent, Role, User
from inventory import ledger, services
from inventory.models import (
    Crate,
    CrateEvent,
    CrateState,
    Item,
    MovementReason,
    Site,
    SiteKind,
    SizeRange,
    StockLevel,
    StockMovement,
    Unit,
)
from tests.conftest import PASSWORD, truncate_all_but_reference_data
from tests.races import POSTGRES_ONLY

pytestmark = POSTGRES_ONLY

CLIENTS = 32
USERS = 4  # clients 0-7 share user 0's account, 8-15 user 1's, ...
OPS_PER_CLIENT = 12  # 384 crate writes in the random test
CRATES = 80
SEED = 20260301
WAIT = 60  # seconds: no barrier or future waits longer


@dataclass
class Result:
    """One API call as a client saw it; an exception escaping the app counts as a 500."""

    status: int
    body: Any
    error: str = ""


@dataclass
class ApiClient:
    app: Flask
    token: str
    user_id: int
    client: Any = field(init=False)

    def __post_init__(self) -> None:
        self.client = self.app.test_client()

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "Accept-Language": "en"}

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Result:
        try:
            response = self.client.open(path, method=method, json=body, headers=self.headers)
        except Exception:  # with TESTING, an unhandled error reaches the caller
            return Result(500, None, traceback.format_exc())
        return Result(response.status_code, response.get_json(silent=True))

    def crate(self, code: str) -> Result:
        return self.call("GET", f"/api/v1/crates/{code}")

    def act(self, code: str, action: str, **body: Any) -> Result:
        body.setdefault("event_id", uuid.uuid4().hex)
        return self.call("POST", f"/api/v1/crates/{code}/{action}", body)


@dataclass
class World:
    app: Flask
    site_ids: list[int]  # crates move between these
    loose_site_ids: list[int]  # loose stock only, so crate sites hold exactly their crates
    variants: list[dict[str, Any]]  # lines a crate can be packed with
    water_id: int
    user_ids: list[int]
    clients: list[ApiClient]

    def new_crates(self, count: int) -> list[str]:
        result = self.clients[0].call("POST", "/api/v1/crates", {"count": count})
        assert result.status == 201, result
        return result.body["codes"]

    def packed_crate(self, site_id: int, lines: list[dict[str, Any]], **extra: Any) -> str:
        (code,) = self.new_crates(1)
        result = self.clients[0].act(code, "pack", site_id=site_id, lines=lines, **extra)
        assert result.status == 200, result
        return code


@contextmanager
def quick_deadlock_detection(app: Flask) -> Iterator[None]:
    """PostgreSQL looks for a deadlock only after `deadlock_timeout` (1 s by default) of
    waiting; while the ledger can deadlock, that second stalls a whole queue of clients.
    Look after 50 ms instead on this module's connections (a superuser setting), so the
    file stays fast: what a deadlock does to a request is unchanged."""
    with app.app_context():
        engine = db.engine
    with engine.connect() as connection:
        superuser = connection.scalar(text("SELECT rolsuper FROM pg_roles WHERE rolname = user"))
    if not superuser:
        yield
        return

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET deadlock_timeout = '50ms'")
        dbapi_connection.commit()

    engine.dispose()
    event.listen(engine, "connect", on_connect)
    try:
        yield
    finally:
        event.remove(engine, "connect", on_connect)
        engine.dispose()


@pytest.fixture(scope="module")
def world(app: Flask) -> Iterator[World]:
    with quick_deadlock_detection(app):
        yield from seeded_world(app)


def seeded_world(app: Flask) -> Iterator[World]:
    with app.app_context():
        sites = [
            Site(name=f"Concurrence {name}", kind=SiteKind.WAREHOUSE, city=name)
            for name in ("Calais", "Grande-Synthe", "Lille", "Paris", "Loose A", "Loose B")
        ]
        toothbrush = Item(
            category="hygiene", name_fr="Brosse (c)", name_en="Toothbrush (c)", unit=Unit.PIECE
        )
        trousers = Item(
            category="clothing",
            name_fr="Pantalon (c)",
            name_en="Trousers (c)",
            size_range=SizeRange.LETTERS,
            gendered=True,
        )
        water = Item(category="food", name_fr="Eau (c)", name_en="Water (c)", unit=Unit.LITRE)
        users = []
        for number in range(USERS):
            user = User(
                email=f"concurrency{number}@relais.test",
                role=Role.ADMIN if number == 0 else Role.COORDINATOR,
                display_name=f"Concurrency {number}",
            )
            user.set_password(PASSWORD)
            users.append(user)
        db.session.add_all([*sites, toothbrush, trousers, water, *users])
        db.session.commit()
        site_ids = [site.id for site in sites]
        variants = [
            {"item_id": toothbrush.id},
            {"item_id": trousers.id, "gender": "men", "size": "M"},
            {"item_id": trousers.id, "gender": "women", "size": "S"},
            {"item_id": water.id},
        ]
        water_id, user_ids = water.id, [user.id for user in users]
        emails = [user.email for user in users]
        db.session.remove()

    def token(index: int) -> ApiClient:
        owner = index * USERS // CLIENTS
        response = app.test_client().post(
            "/api/v1/tokens", json={"email": emails[owner], "password": PASSWORD}
        )
        assert response.status_code == 201, response.get_data(as_text=True)
        return ApiClient(app, response.json["token"], user_ids[owner])

    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            clients = list(pool.map(token, range(CLIENTS), timeout=WAIT))
        yield World(app, site_ids[:4], site_ids[4:], variants, water_id, user_ids, clients)
    finally:
        truncate_all_but_reference_data(app)


def in_threads(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run work(0) ... work(count - 1), each in its own thread, and return their results."""
    with ThreadPoolExecutor(max_workers=count) as pool:
        futures = [pool.submit(work, index) for index in range(count)]
        return [future.result(timeout=WAIT) for future in futures]


def server_errors(results: list[Result]) -> list[str]:
    return [r.error or f"HTTP {r.status}: {r.body}" for r in results if r.status >= 500]


# --- many clients, random crate traffic ----------------------------------------------


def random_lines(rng: random.Random, variants: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One to three of the same few variants, in random order, so that crates share items
    and lock their balances in different orders."""
    chosen = rng.sample(variants, rng.randint(1, 3))
    return [{**variant, "quantity": rng.randint(1, 20)} for variant in chosen]


def crate_traffic(world: World, codes: list[str], index: int) -> list[tuple[str, Result]]:
    """One client: look at a random crate, then do what its state allows (by then another
    client may have changed it: a 409 is expected)."""
    rng = random.Random(SEED + index)
    client = world.clients[index]
    done: list[tuple[str, Result]] = []
    while len(done) < OPS_PER_CLIENT:
        code = rng.choice(codes)
        seen = client.crate(code)
        if seen.status != 200:
            done.append(("get", seen))
            continue
        crate = seen.body
        elsewhere = [site for site in world.site_ids if site != crate["site_id"]]
        if crate["state"] == "empty":
            action = ("pack", {"site_id": rng.choice(world.site_ids)})
            action[1]["lines"] = random_lines(rng, world.variants)
        elif crate["state"] == "in_stock":
            action = rng.choices(
                [
                    ("move", {"site_id": rng.choice(elsewhere)}),
                    ("dispatch", {"site_id": rng.choice(elsewhere)}),
                    ("distribute", {}),
                ],
                weights=[5, 4, 1],
            )[0]
        elif crate["state"] == "in_transit":
            destination = crate["destination_site_id"]
            action = ("move", {"site_id": rng.choice([destination, destination, *elsewhere])})
        elif rng.random() < 0.9:
            continue  # distributed: look for another crate
        else:
            action = ("move", {"site_id": rng.choice(world.site_ids)})  # refused: 409
        name, body = action
        done.append((name, client.act(code, name, **body)))
    return done


@dataclass
class Traffic:
    codes: list[str]
    runs: list[list[tuple[str, Result]]]

    @property
    def results(self) -> list[Result]:
        return [result for run in self.runs for _name, result in run]

    @property
    def tally(self) -> Counter[tuple[str, int]]:
        return Counter((name, result.status) for run in self.runs for name, result in run)


@pytest.fixture(scope="module")
def traffic(world: World) -> Traffic:
    """32 clients, 12 crate writes each, at once; run once for the tests that check it."""
    codes = world.new_crates(CRATES)
    runs = in_threads(CLIENTS, lambda index: crate_traffic(world, codes, index))
    traffic = Traffic(codes, runs)
    print("\ncrate traffic, (action, status): count:", dict(sorted(traffic.tally.items())))
    return traffic


def error_summary(results: list[Result]) -> Counter[str]:
    """The last line of each server error's traceback's first exception, counted."""
    lines = []
    for result in results:
        if result.status >= 500:
            last = [line for line in result.error.splitlines() if line and line[0] != " "]
            lines.append(next((line for line in last if "Error" in line), "HTTP 500")[:160])
    return Counter(lines)


def test_many_clients_moving_crates_of_the_same_items_keep_the_ledger_exact(
    app: Flask, world: World, traffic: Traffic
) -> None:
    results = traffic.results
    assert len(results) == CLIENTS * OPS_PER_CLIENT
    assert sum(count for (_name, status), count in traffic.tally.items() if status == 200) > 100
    # 409/422: the crate changed since the client looked. 500s are the next test's business.
    assert {result.status for result in results} <= {200, 409, 422, 500}

    with app.app_context():
        session = db.session
        assert ledger.find_drift(session) == []
        assert session.scalars(select(StockLevel).where(StockLevel.quantity < 0)).all() == []

        crates = session.scalars(select(Crate).where(Crate.code.in_(traffic.codes))).all()
        expected_levels: dict[tuple[int, int], int] = defaultdict(int)
        for crate in crates:
            last = session.scalars(
                select(CrateEvent).where(CrateEvent.crate_id == crate.id).order_by(CrateEvent.id)
            ).all()[-1]
            where = (crate.code, crate.state, crate.site_id, last.action, last.site_id)
            if crate.state == CrateState.EMPTY:
                assert last.action == "created", where
            elif crate.state == CrateState.IN_STOCK:
                assert last.action in {"packed", "checked_in"}, where
                assert last.site_id == crate.site_id is not None, where
                assert crate.destination_site_id is None, where
            elif crate.state == CrateState.IN_TRANSIT:
                assert last.action == "dispatched", where
                assert last.site_id == crate.site_id, where
                assert crate.destination_site_id not in (None, crate.site_id), where
            else:
                assert (crate.state, last.action) == (CrateState.DISTRIBUTED, "distributed"), where

            sums = session.execute(
                select(
                    StockMovement.site_id,
                    StockMovement.stock_item_id,
                    func.sum(StockMovement.quantity),
                )
                .where(StockMovement.crate_id == crate.id)
                .group_by(StockMovement.site_id, StockMovement.stock_item_id)
            ).all()
            held = {(site_id, item_id): total for site_id, item_id, total in sums if total}
            contents = {}
            if crate.state == CrateState.IN_STOCK:
                contents = {
                    (crate.site_id, line.stock_item_id): line.quantity for line in crate.lines
                }
            assert held == contents, (crate.code, crate.state, crate.site_id)
            for place, quantity in contents.items():
                expected_levels[place] += quantity

        # Crate sites hold nothing but crates: each balance is what its crates hold.
        levels = session.execute(
            select(StockLevel.site_id, StockLevel.stock_item_id, StockLevel.quantity).where(
                StockLevel.site_id.in_(world.site_ids), StockLevel.quantity != 0
            )
        ).all()
        assert {(site, item): quantity for site, item, quantity in levels} == dict(expected_levels)
        db.session.remove()

    with app.app_context():  # `flask` pushes one itself; the test runner does not
        check = app.test_cli_runner().invoke(args=["check-ledger"])
    assert check.exit_code == 0, check.output
    assert "Ledger is consistent" in check.output


def test_many_clients_moving_crates_of_the_same_items_get_no_server_error(
    traffic: Traffic,
) -> None:
    conflicts = sum(count for (_name, status), count in traffic.tally.items() if status == 409)
    print(f"\n{conflicts} expected conflicts (409)")
    errors = error_summary(traffic.results)
    assert not errors, f"{sum(errors.values())} server errors: {dict(errors)}"


# --- the smallest deadlock, made certain ---------------------------------------------


def behind_a_lock(
    app: Flask, site_ids: set[int], stock_item_ids: set[int], calls: list[Callable[[], Result]]
) -> list[Result]:
    """Start the calls while another transaction holds the balances they touch, wait until
    each of them waits for it, then let go: they all set off at the same instant."""
    with app.app_context():
        engine = db.engine
    with engine.connect() as blocker, engine.connect() as watcher:
        blocker.execute(
            select(StockLevel.site_id)
            .where(StockLevel.site_id.in_(site_ids), StockLevel.stock_item_id.in_(stock_item_ids))
            .with_for_update()
        ).all()
        blocker_pid = blocker.scalar(text("SELECT pg_backend_pid()"))
        with ThreadPoolExecutor(max_workers=len(calls)) as pool:
            futures = [pool.submit(call) for call in calls]
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                waiting = watcher.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE CAST(:pid AS integer) = ANY(pg_blocking_pids(pid))"
                    ),
                    {"pid": blocker_pid},
                )
                watcher.rollback()  # pg_stat_activity is a snapshot per transaction
                if waiting >= len(calls):
                    break
                time.sleep(0.01)
            blocker.rollback()
            return [future.result(timeout=WAIT) for future in futures]


@pytest.mark.parametrize("case", ["distribute: lines in opposite orders", "move: crossing"])
def test_two_crates_holding_the_same_items_changed_at_once_do_not_deadlock(
    app: Flask, world: World, case: str
) -> None:
    one, other = world.variants[0], world.variants[3]
    here, there = world.site_ids[0], world.site_ids[1]
    if case.startswith("distribute"):
        first = world.packed_crate(here, [{**one, "quantity": 2}, {**other, "quantity": 2}])
        second = world.packed_crate(here, [{**other, "quantity": 3}, {**one, "quantity": 3}])
        actions = [(first, "distribute", {}), (second, "distribute", {})]
    else:
        first = world.packed_crate(here, [{**one, "quantity": 2}])
        second = world.packed_crate(there, [{**one, "quantity": 3}])
        actions = [(first, "move", {"site_id": there}), (second, "move", {"site_id": here})]
    with app.app_context():
        crates = db.session.scalars(select(Crate).where(Crate.code.in_([first, second]))).all()
        stock_item_ids = {line.stock_item_id for crate in crates for line in crate.lines}
        db.session.remove()
    clients = [world.clients[0], world.clients[CLIENTS - 1]]
    calls = [
        lambda client=client, code=code, action=action, body=body: client.act(code, action, **body)
        for client, (code, action, body) in zip(clients, actions, strict=True)
    ]

    results = behind_a_lock(app, {here, there}, stock_item_ids, calls)

    with app.app_context():
        assert ledger.find_drift(db.session) == []
        db.session.remove()
    assert [result.status for result in results] == [200, 200], dict(error_summary(results))


# --- the same scan from eight threads ------------------------------------------------


@pytest.mark.parametrize(
    "expiry_date",
    [
        None,
        "2027-03-31",
    ],
)
def test_the_same_scan_sent_eight_times_at_once_counts_once(
    app: Flask, world: World, expiry_date: str | None
) -> None:
    calais, lille = world.site_ids[0], world.site_ids[2]
    lines = [{**variant, "quantity": 3} for variant in world.variants[:3]]
    extra = {"expiry_date": expiry_date} if expiry_date else {}
    code = world.packed_crate(calais, lines, **extra)
    clients = world.clients[:8]  # one account, eight connections: a phone replaying a scan
    assert len({client.user_id for client in clients}) == 1
    event_id = uuid.uuid4().hex
    barrier = threading.Barrier(len(clients), timeout=WAIT)

    def scan(index: int) -> Result:
        barrier.wait()
        return clients[index].act(code, "move", site_id=lille, event_id=event_id)

    results = in_threads(len(clients), scan)
    assert server_errors(results) == [], "\n".join(server_errors(results)[:3])
    assert [result.status for result in results] == [200] * len(clients)
    assert results[0].body["state"] == "in_stock" and results[0].body["site_id"] == lille
    assert all(result.body == results[0].body for result in results), [
        result.body for result in results if result.body != results[0].body
    ][:1]

    with app.app_context():
        crate_id = db.session.scalar(select(Crate.id).where(Crate.code == code))
        reasons = db.session.scalars(
            select(StockMovement.reason).where(StockMovement.crate_id == crate_id)
        ).all()
        assert Counter(reasons) == {
            MovementReason.RECEIVED: 3,
            MovementReason.TRANSFER_OUT: 3,
            MovementReason.TRANSFER_IN: 3,
        }
        actions = db.session.scalars(
            select(CrateEvent.action).where(CrateEvent.crate_id == crate_id).order_by(CrateEvent.id)
        ).all()
        assert actions == ["created", "packed", "checked_in"]
        recorded = db.session.scalar(
            select(func.count()).select_from(ClientEvent).where(ClientEvent.event_id == event_id)
        )
        assert recorded == 1
        db.session.remove()


# --- two clients distributing the same crate -----------------------------------------


def test_two_clients_distributing_the_same_crate_one_wins(app: Flask, world: World) -> None:
    for quantity in range(4, 9):
        distribute_at_once(app, world, quantity)


def distribute_at_once(app: Flask, world: World, quantity: int) -> None:
    paris = world.site_ids[3]
    code = world.packed_crate(
        paris, [{**variant, "quantity": quantity} for variant in world.variants[:2]]
    )
    with app.app_context():
        crate = db.session.scalars(select(Crate).where(Crate.code == code)).one()
        crate_id, stock_item_ids = crate.id, [line.stock_item_id for line in crate.lines]
        before = [ledger.balance_of(db.session, paris, item) for item in stock_item_ids]
        db.session.remove()
    # two people (two accounts), each with their own event id
    clients = [world.clients[0], world.clients[CLIENTS - 1]]
    barrier = threading.Barrier(len(clients), timeout=WAIT)

    def distribute(index: int) -> Result:
        barrier.wait()
        return clients[index].act(code, "distribute")

    results = in_threads(len(clients), distribute)
    assert server_errors(results) == [], "\n".join(server_errors(results)[:3])
    assert sorted(result.status for result in results) == [200, 409]
    refused = next(result for result in results if result.status == 409)
    assert "already distributed" in refused.body["message"]

    with app.app_context():
        taken = db.session.execute(
            select(StockMovement.stock_item_id, StockMovement.quantity).where(
                StockMovement.crate_id == crate_id,
                StockMovement.reason == MovementReason.DISTRIBUTED,
            )
        ).all()
        assert sorted(taken) == sorted((item, -quantity) for item in stock_item_ids), (
            "the crate's stock left more than once"
        )
        after = [ledger.balance_of(db.session, paris, item) for item in stock_item_ids]
        assert after == [balance - quantity for balance in before]
        db.session.remove()


# --- the last units of loose stock ---------------------------------------------------


def take_last_units(app: Flask, world: World, take: Callable[[Any, User], None]) -> list[str]:
    """Two threads, each in its own app context and session, take 7 of the 10 units."""
    barrier = threading.Barrier(2, timeout=WAIT)

    def attempt(index: int) -> str:
        with app.app_context():
            actor = db.session.get(User, world.user_ids[index])
            barrier.wait()
            try:
                take(db.session, actor)
                db.session.commit()
                return "taken"
            except ledger.InsufficientStock:
                db.session.rollback()
                return "refused"
            finally:
                db.session.remove()

    return in_threads(2, attempt)


@pytest.mark.parametrize("through", ["move_loose", "post_movement"])
def test_two_threads_taking_the_last_units_cannot_make_a_balance_negative(
    app: Flask, world: World, through: str
) -> None:
    here, there = world.loose_site_ids
    water = services.LineInput(item_id=world.water_id, quantity=7)
    with app.app_context():
        stock_item_id = services.get_stock_item(db.session, world.water_id).id
        db.session.commit()
        db.session.remove()

    def take(session: Any, actor: User) -> None:
        if through == "move_loose":
            services.move_loose(
                session, actor=actor, from_site_id=here, to_site_id=there, line=water
            )
        else:
            ledger.post_movement(
                session,
                site_id=here,
                stock_item_id=stock_item_id,
                quantity=-7,
                reason=MovementReason.DISTRIBUTED,
                actor_id=actor.id,
            )

    for _round in range(5):
        with app.app_context():
            actor = db.session.get(User, world.user_ids[0])
            balance = ledger.balance_of(db.session, here, stock_item_id)
            if balance < 10:
                services.receive_loose(
                    db.session,
                    actor=actor,
                    site_id=here,
                    line=services.LineInput(item_id=world.water_id, quantity=10 - balance),
                )
            db.session.commit()
            assert ledger.balance_of(db.session, here, stock_item_id) == 10
            db.session.remove()

        outcomes = take_last_units(app, world, take)
        assert sorted(outcomes) == ["refused", "taken"]

        with app.app_context():
            assert ledger.balance_of(db.session, here, stock_item_id) == 3
            assert db.session.scalars(select(StockLevel).where(StockLevel.quantity < 0)).all() == []
            assert ledger.find_drift(db.session) == []
            db.session.remove()
