"""Scan throughput: the production server of the README (gunicorn, PostgreSQL) while 16
clients move crates between sites through the API, beside the same server's lightest
endpoint (GET /healthz) under the same 16 clients, in the same run.

    .venv/bin/python -m bench.scan_throughput

Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth). Creates and finally drops
its own database, relais_bench_scan. Exits 1 unless scans reach 40% of the /healthz
requests per second and the scan p95 stays under 50 ms. Takes about 75 s.

Besides latency and throughput it prints the CPU time gunicorn's workers and PostgreSQL's
backends spent per request (on a machine shared with other jobs the throughputs move, those
figures much less), and what the backends were doing, sampled every 20 ms: running a
statement, waiting for a lock or for I/O, or waiting for the worker in an open transaction
("app": the worker's own time, or its wait for a CPU)."""

import http.client
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from flask import Flask
from psycopg import sql

from app import create_app
from app.config import normalise_database_url
from app.extensions import db
from app.models import Role, User
from bench.production import (
    HOST,
    POSTGRES_SERVER_URL,
    WORKERS,
    free_port,
    percentile,
    process_cpu_ticks,
    production_environment,
    start_server,
    stop_server,
    upgrade_schema,
    verdict_exit_code,
    wait_until_up,
    worker_cpu_seconds,
)
from inventory import demo, services
from inventory.ledger import find_drift

DATABASE = "relais_bench_scan"
DATABASE_URL = f"{POSTGRES_SERVER_URL}/{DATABASE}"

CLIENTS = 16
TOKENS = 4  # the token endpoint allows 10 a minute; clients share them
CRATES = 1600  # 100 a client
WARMUP_SECONDS = 3.0
MEASURE_SECONDS = 15.0
MIN_RATIO = 0.40
MAX_SCAN_P95_MS = 50.0

EMAIL = "bench-scan@relais.test"
PASSWORD = "bench-scan-password-1234"
SECRET_KEY = "bench-scan-" + "x" * 48
LIGHTEST = "/healthz"


@dataclass
class Phase:
    """What the clients saw during the measured window of one phase."""

    name: str
    seconds: float
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    first_error: str = ""
    worker_cpu_seconds: float = 0.0
    database_cpu_seconds: float | None = None  # None: the backends' /proc is not readable
    backend_states: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, status: str, latency: float, body: bytes) -> None:
        with self.lock:
            self.statuses[status] += 1
            if status.startswith("2"):
                self.latencies.append(latency)
            elif not self.first_error:
                self.first_error = f"{status}: {body[:300]!r}"

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile_ms(self, percent: int) -> float:
        return percentile(self.latencies, percent) * 1000

    @property
    def cpu_ms_per_request(self) -> float:
        return self.worker_cpu_seconds / max(1, len(self.latencies)) * 1000

    @property
    def database_cpu_ms_per_request(self) -> float | None:
        if self.database_cpu_seconds is None:
            return None
        return self.database_cpu_seconds / max(1, len(self.latencies)) * 1000

    @property
    def failures(self) -> int:
        return sum(count for status, count in self.statuses.items() if not status.startswith("2"))


# --- database -------------------------------------------------------------------------


def on_database(statement: str) -> None:
    """Run a statement such as DROP DATABASE {} on the bench database, from outside it."""
    with psycopg.connect(f"{POSTGRES_SERVER_URL}/postgres", autocommit=True) as connection:
        connection.execute(sql.SQL(statement).format(sql.Identifier(DATABASE)))


def bench_app(instance: Path) -> Flask:
    return create_app(
        {"SQLALCHEMY_DATABASE_URI": normalise_database_url(DATABASE_URL), "INSTANCE_PATH": instance}
    )


def seed(app: Flask) -> tuple[list[int], list[list[tuple[str, int]]]]:
    """Sites, the demo catalogue, a volunteer working at every site and packed crates at
    random sites; returns the site ids and each client's own crates as (code, site id)."""
    rng = random.Random(20260301)
    owned: list[list[tuple[str, int]]] = [[] for _ in range(CLIENTS)]
    with app.app_context():
        session = db.session
        sites = list(demo.seed_sites(session).values())
        items = list(demo.seed_catalogue(session).values())
        user = User(email=EMAIL, role=Role.VOLUNTEER, display_name="Bench Scan", sites=sites)
        user.set_password(PASSWORD)
        session.add(user)
        session.flush()
        for done in range(0, CRATES, services.MAX_CRATES_AT_ONCE):
            count = min(services.MAX_CRATES_AT_ONCE, CRATES - done)
            for index, crate in enumerate(services.create_crates(session, actor=user, count=count)):
                site = rng.choice(sites)
                lines = [demo.random_line(rng, items) for _ in range(rng.randint(1, 3))]
                services.pack_crate(session, actor=user, crate=crate, site_id=site.id, lines=lines)
                owned[(done + index) % CLIENTS].append((crate.code, site.id))
            session.commit()
        return sorted(site.id for site in sites), owned


def ledger_drift(app: Flask) -> int:
    with app.app_context():
        drift = len(find_drift(db.session))
        db.engine.dispose()
        return drift


# --- server ---------------------------------------------------------------------------


BACKEND_STATES = """
    SELECT pid,
           CASE WHEN state = 'idle in transaction' THEN 'app'
                WHEN state <> 'active' THEN coalesce(state, 'other')
                WHEN wait_event_type IS NULL THEN 'running'
                ELSE lower(wait_event_type) || ':' || wait_event END
      FROM pg_stat_activity
     WHERE datname = %s AND pid <> pg_backend_pid()
"""


class DatabaseWatch:
    """While a phase is measured: what the bench database's backends are doing, sampled,
    and the CPU time they use (when PostgreSQL runs on this machine, /proc shows it)."""

    def __init__(self, phase: Phase, interval: float = 0.02) -> None:
        self.phase = phase
        self.interval = interval
        self.stopping = threading.Event()
        self.connection = psycopg.connect(DATABASE_URL, autocommit=True)
        self.cpu_at_start = self.backend_cpu()
        self.thread = threading.Thread(target=self.sample, daemon=True)
        self.thread.start()

    def backend_cpu(self) -> dict[int, int | None]:
        rows = self.connection.execute(BACKEND_STATES, (DATABASE,)).fetchall()
        return {pid: process_cpu_ticks(pid) for pid, _state in rows}

    def sample(self) -> None:
        while not self.stopping.wait(self.interval):
            rows = self.connection.execute(BACKEND_STATES, (DATABASE,)).fetchall()
            self.phase.backend_states.update(state for _pid, state in rows)

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join()
        at_end = self.backend_cpu()
        self.connection.close()
        if any(ticks is None for ticks in at_end.values()):
            return
        used = sum(
            ticks - (self.cpu_at_start.get(pid) or 0)  # a backend opened meanwhile: all of it
            for pid, ticks in at_end.items()
            if ticks is not None
        )
        self.phase.database_cpu_seconds = used / os.sysconf("SC_CLK_TCK")


# --- clients --------------------------------------------------------------------------


def request(
    connection: http.client.HTTPConnection,
    method: str,
    path: str,
    body: dict[str, object] | None = None,
    token: str = "",
) -> tuple[int, bytes]:
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    payload = json.dumps(body) if body is not None else None
    connection.request(method, path, body=payload, headers=headers)
    response = connection.getresponse()
    return response.status, response.read()


def get_tokens(port: int) -> list[str]:
    tokens = []
    connection = http.client.HTTPConnection(HOST, port, timeout=10)
    for _ in range(TOKENS):
        credentials = {"email": EMAIL, "password": PASSWORD}
        status, body = request(connection, "POST", "/api/v1/tokens", credentials)
        if status != 201:
            raise RuntimeError(f"POST /api/v1/tokens: HTTP {status} {body[:200]!r}")
        tokens.append(json.loads(body)["token"])
    connection.close()
    return tokens


Step = Callable[[http.client.HTTPConnection, int], tuple[int, bytes]]


def mover(client: int, crates: list[tuple[str, int]], sites: list[int], token: str) -> Step:
    """Each call checks the client's next crate in at the site after the one it is at."""
    where = dict(crates)
    codes = [code for code, _ in crates]

    def step(connection: http.client.HTTPConnection, count: int) -> tuple[int, bytes]:
        code = codes[count % len(codes)]
        site_id = sites[(sites.index(where[code]) + 1) % len(sites)]
        event_id = f"bench-scan-{client:02d}-{count:07d}"
        status, body = request(
            connection,
            "POST",
            f"/api/v1/crates/{code}/move",
            {"site_id": site_id, "event_id": event_id},
            token,
        )
        if status == 200:
            where[code] = site_id
        return status, body

    return step


def prober(_client: int) -> Step:
    def step(connection: http.client.HTTPConnection, _count: int) -> tuple[int, bytes]:
        return request(connection, "GET", LIGHTEST)

    return step


def run_client(port: int, step: Step, phase: Phase, start: float, stop: float) -> None:
    """Requests back to back until `stop`; records those that began after `start`."""
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    count = 0
    while (began := time.perf_counter()) < stop:
        try:
            status, body = step(connection, count)
            label = str(status)
        except (OSError, http.client.HTTPException) as error:
            connection.close()
            label, body = type(error).__name__, b""
        if began >= start:
            phase.record(label, time.perf_counter() - began, body)
        count += 1
    connection.close()


def run_phase(name: str, port: int, server: subprocess.Popen[bytes], steps: list[Step]) -> Phase:
    phase = Phase(name, MEASURE_SECONDS)
    start = time.perf_counter() + WARMUP_SECONDS
    stop = start + MEASURE_SECONDS
    threads = [
        threading.Thread(target=run_client, args=(port, step, phase, start, stop)) for step in steps
    ]
    for thread in threads:
        thread.start()
    time.sleep(start - time.perf_counter())
    cpu_at_start = worker_cpu_seconds(server)
    watch = DatabaseWatch(phase)
    time.sleep(stop - time.perf_counter())
    phase.worker_cpu_seconds = worker_cpu_seconds(server) - cpu_at_start
    watch.stop()
    for thread in threads:
        thread.join()
    return phase


# --- report ---------------------------------------------------------------------------


def report(phase: Phase) -> None:
    print(
        f"{phase.name:<26} {phase.throughput:>8.1f} req/s   p50 {phase.percentile_ms(50):6.1f} ms"
        f"   p95 {phase.percentile_ms(95):6.1f} ms   p99 {phase.percentile_ms(99):6.1f} ms"
        f"   {phase.cpu_ms_per_request:5.1f} ms worker CPU/req"
        f"   ({len(phase.latencies)} ok, {phase.failures} failed)"
    )
    database_cpu = phase.database_cpu_ms_per_request
    samples = phase.backend_states.total()
    states = ", ".join(
        f"{state} {n / samples:.0%}" for state, n in phase.backend_states.most_common()
    )
    print(
        f"  PostgreSQL: {'n/a' if database_cpu is None else f'{database_cpu:.1f}'} ms backend"
        f" CPU/req; the backends' time, sampled: {states or 'no backend'}"
    )
    failed = {status: n for status, n in phase.statuses.items() if not status.startswith("2")}
    if failed:
        print(f"  failures by status: {failed}; first: {phase.first_error}")


def verdict(scans: Phase, ceiling: Phase, drift: int) -> list[str]:
    ratio = scans.throughput / ceiling.throughput if ceiling.throughput else 0.0
    p95 = scans.percentile_ms(95)
    print(f"scans reach {ratio:.0%} of {LIGHTEST}'s throughput (target {MIN_RATIO:.0%})")
    print(f"scan p95 {p95:.1f} ms (target < {MAX_SCAN_P95_MS:.0f} ms)")
    print(f"ledger drift after the run: {drift} balance(s)")
    problems = []
    if ratio < MIN_RATIO:
        problems.append(f"scans reach {ratio:.0%} of the ceiling, target {MIN_RATIO:.0%}")
    if p95 >= MAX_SCAN_P95_MS:
        problems.append(f"scan p95 {p95:.1f} ms, target < {MAX_SCAN_P95_MS:.0f} ms")
    if scans.failures or ceiling.failures:
        problems.append(f"{scans.failures + ceiling.failures} request(s) failed")
    if drift:
        problems.append(f"{drift} stock balance(s) drifted from the ledger")
    return problems


def benchmark(instance: Path) -> list[str]:
    port = free_port()
    environment = production_environment(
        DATABASE_URL, instance, base_url=f"http://{HOST}:{port}", secret_key=SECRET_KEY
    )
    upgrade_schema(environment)
    app = bench_app(instance)
    started = time.perf_counter()
    sites, owned = seed(app)
    print(f"seeded {sum(map(len, owned))} packed crates in {time.perf_counter() - started:.1f} s")
    log = instance / "gunicorn.log"
    server = start_server(port, environment, log)
    try:
        wait_until_up(port, server, LIGHTEST)
        print(f"gunicorn 'app:create_app()' on {HOST}:{port}, {WORKERS} sync workers, PostgreSQL")
        tokens = get_tokens(port)
        print(
            f"{CLIENTS} clients, {WARMUP_SECONDS:.0f} s warm-up then {MEASURE_SECONDS:.0f} s"
            f" measured per phase; load average before: {os.getloadavg()[0]:.1f}"
        )
        scans = run_phase(
            "POST /api/v1/crates/…/move",
            port,
            server,
            [
                mover(client, crates, sites, tokens[client % TOKENS])
                for client, crates in enumerate(owned)
            ],
        )
        ceiling = run_phase(
            f"GET {LIGHTEST}", port, server, [prober(client) for client in range(CLIENTS)]
        )
    except RuntimeError:
        print(log.read_text()[-3000:], file=sys.stderr)
        raise
    finally:
        stop_server(server)
    report(scans)
    report(ceiling)
    return verdict(scans, ceiling, ledger_drift(app))


def main() -> int:
    on_database("DROP DATABASE IF EXISTS {} WITH (FORCE)")
    on_database("CREATE DATABASE {}")
    try:
        with tempfile.TemporaryDirectory(prefix="relais-bench-scan-") as tmp:
            problems = benchmark(Path(tmp))
    finally:
        on_database("DROP DATABASE IF EXISTS {} WITH (FORCE)")
    return verdict_exit_code(problems)


if __name__ == "__main__":
    sys.exit(main())
