"""Webhook throughput: Stripe's `checkout.session.completed` events (paid) for pending
donations, posted by 16 clients at once to the production setup of the README (gunicorn,
PostgreSQL, bench/production.py's settings, and the watching receipt sender beside the
server). Each event records the payment and issues the donation's tax receipt, which the
sender emails; about one event in ten is delivered twice, as Stripe may, some of them at
the same moment as the first delivery.

    .venv/bin/python -m bench.webhooks                    # 3,000 donations
    .venv/bin/python -m bench.webhooks --donations 500    # a quick look

Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth). Creates and finally drops
its own database, relais_bench_webhooks. Everything stays on the loopback interface:
Stripe's API base is a closed local port, emails are written to the instance's outbox.
Events are signed as Stripe signs them: HMAC-SHA256 of "TIMESTAMP.BODY".

A measure, with no target to pass: it prints the events per second and the latency.
It exits 1 only when a check of the run fails: every request answered 200, and afterwards
each donation paid with exactly one receipt, numbered without a gap, emailed once (within
SENDER_LIMIT seconds of the last answer), and each duplicate delivery changing nothing.

Besides those figures it prints the CPU time spent per event by
gunicorn's workers, PostgreSQL's backends, the receipt sender and the clients
themselves, how busy the whole machine was (on a shared machine other jobs take their
part), PostgreSQL's transactions and rows written per delivery, and how long after the
last answer the last receipt went. About 1 to 2 minutes."""

import argparse
import hashlib
import hmac
import http.client
import json
import os
import random
import resource
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from app import create_app
from app.extensions import db
from bench.production import (
    HOST,
    WORKERS,
    cpu_seconds_of,
    free_port,
    machine_cpu_seconds,
    percentile,
    production_environment,
    run_on_scratch_postgres,
    start_receipt_sender,
    start_server,
    stop_server,
    upgrade_schema,
    wait_until_up,
    worker_cpu_seconds,
)
from donations import services
from donations.models import Frequency, Gateway

DATABASE = "relais_bench_webhooks"
DONATIONS = 3000
WARMUP = 160  # donations paid before the measure, so every worker has warmed up
DUPLICATE_SHARE = 0.10
CLIENTS = 16
TIME_LIMIT = 180.0  # seconds: the clients stop sending after that, done or not
SENDER_LIMIT = 180.0  # seconds after the last answer for the last receipt to be emailed
LIGHTEST_SECONDS = 5.0
WEBHOOK = "/donations/stripe/webhook"
SECRET_KEY = "bench-webhooks-" + "x" * 48
WEBHOOK_SECRET = "whsec_bench_" + "0123456789abcdef" * 2
NAMES = ("Jeanne Dupont", "Inès Garcia", "Łukasz Wójcik", "Ольга Петрова", "Amadou Diallo")


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--donations", type=int, default=DONATIONS)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    return parser.parse_args()


@dataclass(frozen=True)
class Pending:
    public_id: str
    checkout_session_id: str
    amount_cents: int
    email: str
    name: str


@dataclass(frozen=True)
class Delivery:
    event_id: str
    payload: bytes
    duplicate: bool


@dataclass
class Run:
    """What the clients saw."""

    latencies: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    duplicate_statuses: Counter[str] = field(default_factory=Counter)
    first_error: str = ""
    seconds: float = 0.0
    worker_cpu_seconds: float = 0.0
    sender_cpu_seconds: float = 0.0
    postgres_cpu_seconds: float = 0.0
    client_cpu_seconds: float = 0.0
    machine_busy_seconds: float = 0.0
    unsent: int = 0
    all_emailed_after: float | None = None  # seconds from the last answer to the last email
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, delivery: Delivery, status: str, latency: float, body: bytes) -> None:
        with self.lock:
            self.statuses[status] += 1
            if delivery.duplicate:
                self.duplicate_statuses[status] += 1
            self.latencies.append(latency)
            if status != "200" and not self.first_error:
                self.first_error = f"{status}: {body[:300]!r}"

    @property
    def answered(self) -> int:
        return sum(self.statuses.values())

    @property
    def failures(self) -> dict[str, int]:
        return {status: n for status, n in self.statuses.items() if status != "200"}


# --- the donations and their events ---------------------------------------------------


def seed(url: str, instance: Path, count: int) -> list[Pending]:
    """Pending donations as the donation page leaves them once Stripe's checkout session
    is made: started by the same service, with the session's id. One donor in ten gives
    again under the same email."""
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(instance), "SECRET_KEY": SECRET_KEY}
    )
    rng = random.Random(20260301)
    pending = []
    with app.app_context():
        for number in range(1, count + 1):
            donor = number if number % 10 else rng.randint(1, number)
            name = f"{NAMES[donor % len(NAMES)]} {donor}"
            contact = services.Contact(
                email=f"giver{donor:05d}@bench.relais.test",
                name=name,
                address_line1=f"{donor % 180 + 1} rue des Lilas",
                postcode="59000",
                city="Lille",
            )
            request = services.GiftRequest(
                gift_item_slug=None,
                amount=str(rng.choice((10, 20, 30, 50, 75, 100, 250))),
                frequency=Frequency.ONCE,
                contact=contact,
                wants_receipt=True,
                show_name=False,
                consent_contact=False,
                locale="fr" if number % 4 else "en",
            )
            donation = services.start_donation(
                db.session, request, gateway=Gateway.STRIPE, minimum=500, maximum=1_000_000
            )
            donation.checkout_session_id = f"cs_test_bench{number:06d}{rng.randbytes(6).hex()}"
            pending.append(
                Pending(
                    donation.public_id,
                    donation.checkout_session_id,
                    donation.amount_cents,
                    contact.email,
                    name,
                )
            )
            if number % 500 == 0:
                db.session.commit()
        db.session.commit()
        db.engine.dispose()
    return pending


def checkout_completed(donation: Pending, number: int) -> tuple[str, bytes]:
    """The event Stripe sends (API 2026-10-28) when a card payment succeeded."""
    event_id = f"evt_bench_{number:06d}_{random.randbytes(8).hex()}"
    checkout = {
        "id": donation.checkout_session_id,
        "object": "checkout.session",
        "mode": "payment",
        "amount_total": donation.amount_cents,
        "amount_subtotal": donation.amount_cents,
        "currency": "eur",
        "status": "complete",
        "payment_status": "paid",
        "payment_intent": f"pi_bench_{number:06d}_{random.randbytes(6).hex()}",
        "customer": None,
        "customer_email": donation.email,
        "customer_details": {
            "email": donation.email,
            "name": donation.name,
            "address": {
                "line1": "3 rue des Lilas",
                "line2": None,
                "postal_code": "59000",
                "city": "Lille",
                "state": None,
                "country": "FR",
            },
            "phone": None,
            "tax_exempt": "none",
        },
        "locale": "fr",
        "metadata": {"donation_id": donation.public_id},
        "payment_method_types": ["card"],
        "livemode": False,
        "created": int(time.time()) - 60,
        "expires_at": int(time.time()) + 86_400,
    }
    event = {
        "id": event_id,
        "object": "event",
        "api_version": "2026-10-28.endive",
        "created": int(time.time()),
        "type": "checkout.session.completed",
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "data": {"object": checkout},
    }
    return event_id, json.dumps(event).encode()


def deliveries(pending: list[Pending], first_number: int, rng: random.Random) -> list[Delivery]:
    """One delivery per donation, and a second one of about one event in ten: half of
    them right behind the first (so both may be handled at once), half later."""
    queue = []
    for number, donation in enumerate(pending, start=first_number):
        event_id, payload = checkout_completed(donation, number)
        queue.append(Delivery(event_id, payload, duplicate=False))
    for index in sorted(rng.sample(range(len(queue)), round(len(queue) * DUPLICATE_SHARE))):
        original = queue[index]
        again = Delivery(original.event_id, original.payload, duplicate=True)
        where = index + 1 if rng.random() < 0.5 else rng.randint(index + 1, len(queue))
        queue.insert(min(where, len(queue)), again)
    return queue


def signature(payload: bytes) -> str:
    """The Stripe-Signature header, as Stripe computes it at the moment of sending."""
    moment = int(time.time())
    signed = hmac.new(WEBHOOK_SECRET.encode(), f"{moment}.".encode() + payload, hashlib.sha256)
    return f"t={moment},v1={signed.hexdigest()}"


# --- the clients ----------------------------------------------------------------------


def post(connection: http.client.HTTPConnection, delivery: Delivery) -> tuple[int, bytes]:
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        "Stripe-Signature": signature(delivery.payload),
    }
    connection.request("POST", WEBHOOK, body=delivery.payload, headers=headers)
    response = connection.getresponse()
    return response.status, response.read()


def client(port: int, queue: list[Delivery], lock: threading.Lock, run: Run, stop: float) -> None:
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    while time.perf_counter() < stop:
        with lock:
            if not queue:
                break
            delivery = queue.pop()
        began = time.perf_counter()
        try:
            status, body = post(connection, delivery)
            label = str(status)
        except (OSError, http.client.HTTPException) as error:
            connection.close()
            label, body = type(error).__name__, b""
        run.record(delivery, label, time.perf_counter() - began, body)
    connection.close()


def lightest_rate(port: int, seconds: float = LIGHTEST_SECONDS) -> float:
    """Requests per second the same server answers to GET /healthz from as many clients:
    what this machine allows just now, to read the events per second against (a shared
    machine's speed changes from one hour to the next)."""
    answered = [0] * CLIENTS
    stop = time.perf_counter() + seconds

    def probe(index: int) -> None:
        while time.perf_counter() < stop:
            connection = http.client.HTTPConnection(HOST, port, timeout=30)
            connection.request("GET", "/healthz")
            connection.getresponse().read()
            connection.close()
            answered[index] += 1

    threads = [threading.Thread(target=probe, args=(index,)) for index in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(answered) / seconds


def send_all(port: int, queue: list[Delivery]) -> Run:
    """16 clients take deliveries from the queue in order until it is empty."""
    run = Run()
    queue = list(reversed(queue))  # pop() from the end takes them in order
    lock = threading.Lock()
    started = time.perf_counter()
    stop = started + TIME_LIMIT
    threads = [
        threading.Thread(target=client, args=(port, queue, lock, run, stop)) for _ in range(CLIENTS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    run.seconds = time.perf_counter() - started
    run.unsent = len(queue)
    return run


# --- the database's view --------------------------------------------------------------


def plain_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def backend_pids(url: str) -> list[int]:
    """The server processes of PostgreSQL serving the bench database (gunicorn's)."""
    with psycopg.connect(plain_url(url), autocommit=True) as connection:
        rows = connection.execute(
            "SELECT pid FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    return [pid for (pid,) in rows]


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def database_activity(url: str) -> tuple[int, int]:
    """Transactions committed and rows written in the bench database so far."""
    with psycopg.connect(plain_url(url), autocommit=True) as connection:
        connection.execute("SELECT pg_stat_force_next_flush()")
        row = connection.execute(
            "SELECT xact_commit, tup_inserted + tup_updated + tup_deleted"
            " FROM pg_stat_database WHERE datname = current_database()"
        ).fetchone()
    return row[0], row[1]


def check(url: str, pending: list[Pending], outbox: Path, run: Run) -> list[str]:
    problems = []
    with psycopg.connect(plain_url(url)) as connection:
        statuses = dict(
            connection.execute("SELECT status, count(*) FROM donations GROUP BY status").fetchall()
        )
        if statuses != {"paid": len(pending)}:
            problems.append(f"donations by status {statuses}, expected {len(pending)} paid")
        on_receipts, receipts, donations_on_them = connection.execute(
            "SELECT (SELECT count(*) FROM donations WHERE receipt_id IS NOT NULL),"
            " (SELECT count(*) FROM receipts),"
            " (SELECT count(DISTINCT donation_id) FROM receipt_donations)"
        ).fetchone()
        if not on_receipts == receipts == donations_on_them == len(pending):
            problems.append(
                f"{receipts} receipts for {on_receipts} donations ({donations_on_them} linked),"
                f" expected one per donation: {len(pending)}"
            )
        for year, count, first, last, distinct in connection.execute(
            "SELECT year, count(*), min(sequence), max(sequence), count(DISTINCT sequence)"
            " FROM receipts GROUP BY year"
        ).fetchall():
            if (first, last, distinct) != (1, count, count):
                problems.append(f"{year}: numbers {first}..{last} for {count} receipts")
        unsent = connection.execute(
            "SELECT count(*) FROM receipts WHERE emailed_at IS NULL"
        ).fetchone()[0]
        if unsent:
            problems.append(f"{unsent} receipt(s) not emailed")
        events = connection.execute("SELECT count(*) FROM stripe_events").fetchone()[0]
        if events != len(pending):
            problems.append(f"{events} events recorded, expected {len(pending)}")
    emails = len(list(outbox.glob("*.eml"))) if outbox.exists() else 0
    if emails != len(pending):
        problems.append(f"{emails} emails in the outbox, expected one per donation")
    duplicates = sum(run.duplicate_statuses.values())
    if run.duplicate_statuses.get("200", 0) != duplicates:
        problems.append(f"duplicates answered {dict(run.duplicate_statuses)}")
    return problems


def report(run: Run, label: str, events: int, activity: tuple[int, int]) -> None:
    rate = run.answered / run.seconds if run.seconds else 0.0
    print(
        f"{label}: {run.answered} events in {run.seconds:.1f} s: {rate:.1f} events/s,"
        f" p50 {percentile(run.latencies, 50) * 1000:.1f} ms,"
        f" p95 {percentile(run.latencies, 95) * 1000:.1f} ms,"
        f" p99 {percentile(run.latencies, 99) * 1000:.1f} ms"
    )
    transactions, rows = activity
    per_event = 1000 / max(1, run.answered)
    print(
        f"  CPU per event: gunicorn workers {run.worker_cpu_seconds * per_event:.1f} ms,"
        f" PostgreSQL backends {run.postgres_cpu_seconds * per_event:.1f} ms,"
        f" these clients {run.client_cpu_seconds * per_event:.1f} ms"
        f" ({run.worker_cpu_seconds:.1f} s, {run.postgres_cpu_seconds:.1f} s,"
        f" {run.client_cpu_seconds:.1f} s in all); the receipt sender meanwhile"
        f" {run.sender_cpu_seconds * per_event:.1f} ms ({run.sender_cpu_seconds:.1f} s)"
    )
    ours = (
        run.worker_cpu_seconds
        + run.postgres_cpu_seconds
        + run.client_cpu_seconds
        + run.sender_cpu_seconds
    )
    print(
        f"  the machine was busy {run.machine_busy_seconds:.1f} of"
        f" {(os.cpu_count() or 1) * run.seconds:.1f} CPU-seconds, {ours:.1f} of them this run's"
    )
    print(
        f"  PostgreSQL: {transactions / max(1, events):.1f} commits and"
        f" {rows / max(1, events):.1f} rows written per delivery"
    )
    print(f"  answers by status: {dict(run.statuses)}; duplicates: {dict(run.duplicate_statuses)}")
    if run.failures:
        print(f"  first failure: {run.first_error}")
    if run.unsent:
        print(f"  {run.unsent} event(s) not sent within {TIME_LIMIT:.0f} s")
    if run.all_emailed_after is not None:
        print(f"  the last receipt was emailed {run.all_emailed_after:.1f} s after the last answer")


def unsent_receipts(url: str) -> int:
    with psycopg.connect(plain_url(url), autocommit=True) as connection:
        return connection.execute(
            "SELECT count(*) FROM receipts WHERE emailed_at IS NULL"
        ).fetchone()[0]


def wait_for_emails(url: str) -> float | None:
    """Seconds until the sender has emailed every receipt; None if it did not in time."""
    started = time.perf_counter()
    while time.perf_counter() - started < SENDER_LIMIT:
        if unsent_receipts(url) == 0:
            return time.perf_counter() - started
        time.sleep(0.2)
    return None


def benchmark(url: str, instance: Path, count: int) -> list[str]:
    port = free_port()
    environment = production_environment(
        url,
        instance,
        base_url=f"http://{HOST}:{port}",
        secret_key=SECRET_KEY,
        webhook_secret=WEBHOOK_SECRET,
    )
    upgrade_schema(environment)
    started = time.perf_counter()
    pending = seed(url, instance, WARMUP + count)
    print(f"seeded {len(pending)} pending donations in {time.perf_counter() - started:.1f} s")
    rng = random.Random(20260302)
    warmup = deliveries(pending[:WARMUP], 1, rng)
    measured = deliveries(pending[WARMUP:], WARMUP + 1, rng)
    log = instance / "gunicorn.log"
    server = start_server(port, environment, log)
    sender = start_receipt_sender(environment, instance / "sender.log")
    try:
        wait_until_up(port, server)
        print(
            f"gunicorn 'app:create_app()' on {HOST}:{port}, {WORKERS} sync workers, PostgreSQL;"
            f" {CLIENTS} clients; load average before: {os.getloadavg()[0]:.1f}"
            f" on {os.cpu_count()} CPUs"
        )
        send_all(port, warmup)
        before = database_activity(url)
        backends = backend_pids(url)
        cpu = (
            worker_cpu_seconds(server),
            cpu_seconds_of(backends),
            own_cpu_seconds(),
            cpu_seconds_of([sender.pid]),
        )
        busy = machine_cpu_seconds()[0]
        run = send_all(port, measured)
        run.machine_busy_seconds = machine_cpu_seconds()[0] - busy
        run.worker_cpu_seconds = worker_cpu_seconds(server) - cpu[0]
        run.postgres_cpu_seconds = cpu_seconds_of(backends) - cpu[1]
        run.client_cpu_seconds = own_cpu_seconds() - cpu[2]
        run.sender_cpu_seconds = cpu_seconds_of([sender.pid]) - cpu[3]
        after = database_activity(url)
        run.all_emailed_after = wait_for_emails(url)
        ceiling = lightest_rate(port)
    except RuntimeError:
        print(log.read_text()[-3000:], file=sys.stderr)
        raise
    finally:
        stop_server(sender)
        stop_server(server)
    duplicates = sum(delivery.duplicate for delivery in measured)
    activity = (after[0] - before[0], after[1] - before[1])
    report(run, f"{len(measured)} deliveries ({duplicates} duplicates)", len(measured), activity)
    problems = check(url, pending, instance / "outbox", run)
    rate = run.answered / run.seconds if run.seconds else 0.0
    print(
        f"checked: one receipt per donation, numbered without a gap, each emailed once;"
        f" {duplicates} duplicate deliveries answered 200 and ignored"
        if not problems
        else "checks failed"
    )
    print(
        f"GET /healthz on the same server afterwards: {ceiling:.1f} requests/s"
        f" (webhook events reach {rate / ceiling:.0%} of it)"
    )
    if run.failures:
        problems.append(f"failed requests by status: {run.failures}")
    if run.unsent:
        problems.append(f"{run.unsent} event(s) not sent within {TIME_LIMIT:.0f} s")
    return problems


def main() -> int:
    arguments = parse_arguments()
    return run_on_scratch_postgres(
        DATABASE,
        "relais-bench-webhooks-",
        arguments.keep,
        lambda url, tmp: benchmark(url, tmp, arguments.donations),
    )


if __name__ == "__main__":
    sys.exit(main())
