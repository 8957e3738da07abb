"""Yearly summary receipts: 10,000 monthly donors, each with 12 paid months last year, get
their receipt from the real command, `flask --app app receipts annual YEAR`, run as the
treasurer would in production (bench/production.py's settings, PostgreSQL). Each receipt
is numbered, rendered as a PDF and emailed; with no SMTP server the emails are written
as .eml files to the instance's outbox/.

    .venv/bin/python -m bench.yearly_receipts                # 10,000 donors
    .venv/bin/python -m bench.yearly_receipts --donors 500   # a quick look

Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth). Creates and finally drops
its own database, relais_bench_receipts. The donors are in their second year of monthly
giving: the year before, their twelve gifts went on that year's summary receipts, as in a
live database (PostgreSQL plans the foreign-key checks of new receipts on what is there).
Donors, monthly gifts, donations and the earlier receipts go in with COPY, shaped as the
webhooks and this command leave them (bench data only, no Stripe involved).

A measure, with no target to pass. It exits 1 only when a check of the run fails: the
command leaves exactly one receipt per donor, numbered 1..N without a gap, each emailed
once with its PDF attached, and running it again issues nothing.

Prints the wall time, the receipts per second, the CPU time the command used (its own
process and its workers) and how busy the whole machine was meanwhile: on a machine
shared with other jobs the wall time moves, the CPU time much less."""

import argparse
import email
import email.policy
import os
import random
import resource
import secrets
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from app.clock import PARIS
from bench.production import (
    BIN,
    ROOT,
    machine_cpu_seconds,
    production_environment,
    run_on_scratch_postgres,
    upgrade_schema,
)

DATABASE = "relais_bench_receipts"
DONORS = 10_000
MONTHS = 12
YEAR = date.today().year - 1
SECRET_KEY = "bench-receipts-" + "x" * 48
BASE_URL = "https://relais.example.org"

FIRST_NAMES = (
    "Marie", "Jean", "Inès", "Zoë", "François", "Chloé", "Aïcha", "Mamadou", "Léa", "Noël",
    "Łukasz", "Søren", "Ольга", "Иван", "Γιώργος", "Ελένη", "Nguyễn Thị", "Şükrü", "José",
    "Bérénice", "Yusuf", "Małgorzata", "Hélène", "Ahmed",
)  # fmt: skip
LAST_NAMES = (
    "Martin", "Lefèvre", "Dupont", "Garcia", "Benali", "Diallo", "Wójcik", "Jørgensen",
    "Петрова", "Смирнов", "Παπαδόπουλος", "Καραγιάννη", "Hoa", "Öztürk", "Müller",
    "Da Costa", "Łęcka", "Ndiaye", "Rousseau", "Mbappé-Lemaître",
)  # fmt: skip
STREETS = (
    "rue des Lilas", "quai de la Loire", "avenue Jean Jaurès", "rue du Faubourg-Saint-Denis",
    "boulevard Gambetta", "place de l'Église", "chemin des Écoliers", "rue Émile Zola",
)  # fmt: skip
CITIES = (
    ("75019", "Paris"), ("62100", "Calais"), ("59000", "Lille"), ("69003", "Lyon"),
    ("29000", "Quimper"), ("37000", "Tours"), ("13001", "Marseille"), ("67000", "Strasbourg"),
)  # fmt: skip


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--donors", type=int, default=DONORS)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    return parser.parse_args()


# --- the donors -----------------------------------------------------------------------


@dataclass(frozen=True)
class BenchDonor:
    id: int
    email: str
    name: str
    address_line1: str
    address_line2: str
    postcode: str
    city: str
    locale: str


def bench_donors(count: int) -> list[BenchDonor]:
    rng = random.Random(20260115)
    donors = []
    for donor_id in range(1, count + 1):
        postcode, city = rng.choice(CITIES)
        donors.append(
            BenchDonor(
                id=donor_id,
                email=f"donor{donor_id:05d}@bench.relais.test",
                name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                address_line1=f"{rng.randint(1, 180)} {rng.choice(STREETS)}",
                address_line2="Bâtiment B, 3e étage" if donor_id % 7 == 0 else "",
                postcode=postcode,
                city=city,
                locale="en" if donor_id % 5 == 0 else "fr",
            )
        )
    return donors


def donor_row(donor: BenchDonor, created: datetime) -> tuple[object, ...]:
    return (
        donor.id,
        donor.email,
        donor.name,
        donor.address_line1,
        donor.address_line2,
        donor.postcode,
        donor.city,
        "FR",
        donor.locale,
        donor.id % 3 == 0,  # consent_contact
        True,  # yearly_receipt
        f"cus_bench{donor.id:06d}",
        created,
    )


def postal_address(donor: BenchDonor) -> str:
    """As Donor.postal_address() prints it on a receipt."""
    lines = [donor.address_line1, donor.address_line2, f"{donor.postcode} {donor.city}"]
    return "\n".join(line for line in lines if line)


@dataclass(frozen=True)
class Giving:
    """A monthly donor's gift: the amount, and the day and hour it is taken each month."""

    donor: BenchDonor
    amount: int
    day: int
    hour: int

    def donation_id(self, year: int, month: int) -> int:
        return (self.donor.id - 1) * 2 * MONTHS + (year - YEAR + 1) * MONTHS + month


def donation_rows(giving: Giving, year: int, fund_id: int) -> Iterator[tuple[object, ...]]:
    """A donor's twelve paid months of `year`: the very first one paid through the
    checkout (with what the donor typed on the page), the others by invoice.paid; last
    year's are on that year's summary receipt, which has the donor's id."""
    donor = giving.donor
    for month in range(1, MONTHS + 1):
        paid_at = datetime(year, month, giving.day, giving.hour, tzinfo=PARIS)
        first = year == YEAR - 1 and month == 1
        typed = ("",) * 6
        if first:
            typed = (donor.email, donor.name, donor.address_line1, donor.address_line2)
            typed += (donor.postcode, donor.city)
        yield (
            giving.donation_id(year, month),
            secrets.token_urlsafe(16),  # public_id
            donor.id,
            donor.id,  # monthly_gift_id: each donor has one, with the donor's id
            "monthly",
            giving.amount,
            0,  # refunded_cents
            "paid",
            "stripe",
            "card",
            True,  # wants_receipt
            False,  # show_name
            False,  # consent_contact
            donor.locale,
            *typed,
            "FR",  # contact_country
            f"cs_bench_{donor.id:06d}" if first else None,
            f"in_bench_{donor.id:06d}_{year}_{month:02d}",
            donor.id if year < YEAR else None,  # receipt_id
            fund_id,
            paid_at - timedelta(minutes=2),  # created_at
            paid_at,
            "",  # failure_reason
        )


def monthly_gift_row(giving: Giving, fund_id: int, created: datetime) -> tuple[object, ...]:
    donor_id = giving.donor.id
    return (donor_id, donor_id, fund_id, giving.amount, f"sub_bench{donor_id:06d}", True, created)


def last_years_receipt(giving: Giving, issued: datetime) -> tuple[object, ...]:
    """The donor's summary receipt for the year before YEAR, numbered in donor order."""
    donor, year = giving.donor, YEAR - 1
    return (
        donor.id,
        f"{year}-{donor.id:06d}",
        year,
        donor.id,  # sequence
        "yearly",
        donor.id,
        donor.name,
        postal_address(donor),
        MONTHS * giving.amount,
        date(year, 1, 1),
        date(year, 12, 31),
        "card",
        "200",
        issued,
        "",  # cancel_reason
        issued,  # emailed_at
    )


def load_donors(url: str, count: int) -> float:
    """Donors in their second year of monthly giving: their monthly gifts, the gifts of
    the year before YEAR on that year's summary receipts (a live database has those, and
    PostgreSQL plans its queries on them), and those of YEAR, due a receipt. All by
    COPY; returns the seconds it took."""
    started = time.perf_counter()
    created = datetime(YEAR - 2, 12, 1, tzinfo=UTC)
    issued = datetime(YEAR, 1, 15, 9, tzinfo=UTC)
    rng = random.Random(20260116)
    givings = [
        Giving(
            donor,
            rng.choice((500, 1000, 1500, 2000, 2500, 3000, 5000, 10000)),
            rng.randint(1, 28),
            rng.randint(6, 22),
        )
        for donor in bench_donors(count)
    ]
    with psycopg.connect(plain_url(url)) as connection, connection.cursor() as cur:
        fund_id = cur.execute("SELECT id FROM funds WHERE code = 'general'").fetchone()[0]
        copy_rows(
            cur,
            "donors (id, email, name, address_line1, address_line2, postcode, city, country,"
            " locale, consent_contact, yearly_receipt, stripe_customer_id, created_at)",
            (donor_row(giving.donor, created) for giving in givings),
        )
        copy_rows(
            cur,
            "monthly_gifts (id, donor_id, fund_id, amount_cents, stripe_subscription_id,"
            " active, started_at)",
            (monthly_gift_row(giving, fund_id, created) for giving in givings),
        )
        copy_rows(
            cur,
            "receipts (id, number, year, sequence, kind, donor_id, donor_name, donor_address,"
            " amount_cents, period_start, period_end, payment_method, articles, issued_at,"
            " cancel_reason, emailed_at)",
            (last_years_receipt(giving, issued) for giving in givings),
        )
        copy_rows(
            cur,
            "donations (id, public_id, donor_id, monthly_gift_id, frequency, amount_cents,"
            " refunded_cents, status, gateway, payment_method, wants_receipt, show_name,"
            " consent_contact, locale, contact_email, contact_name, contact_address_line1,"
            " contact_address_line2, contact_postcode, contact_city, contact_country,"
            " checkout_session_id, invoice_id, receipt_id, fund_id, created_at, paid_at,"
            " failure_reason)",
            (
                row
                for giving in givings
                for year in (YEAR - 1, YEAR)
                for row in donation_rows(giving, year, fund_id)
            ),
        )
        copy_rows(
            cur,
            "receipt_donations (receipt_id, donation_id)",
            (
                (giving.donor.id, giving.donation_id(YEAR - 1, month))
                for giving in givings
                for month in range(1, MONTHS + 1)
            ),
        )
        cur.execute(
            "INSERT INTO receipt_counters (year, last_sequence) VALUES (%s, %s)",
            (YEAR - 1, count),
        )
        for table in ("donors", "monthly_gifts", "receipts", "donations"):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                f" (SELECT max(id) FROM {table}))"
            )
        connection.commit()
    with psycopg.connect(plain_url(url), autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
    return time.perf_counter() - started


def copy_rows(cursor: psycopg.Cursor[Any], table: str, rows: Iterable[tuple[object, ...]]) -> None:
    with cursor.copy(f"COPY {table} FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def plain_url(url: str) -> str:
    """psycopg's own form of a SQLAlchemy URL."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


# --- the command ----------------------------------------------------------------------


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Timing:
    seconds: float  # wall
    cpu: float  # of the command and the workers it waited for
    machine_busy: float  # CPU-seconds the whole machine was busy meanwhile
    output: str


def run_annual(environment: dict[str, str]) -> Timing:
    cpu_before = children_cpu_seconds()
    busy_before, _ = machine_cpu_seconds()
    started = time.perf_counter()
    done = subprocess.run(
        [str(BIN / "flask"), "--app", "app", "receipts", "annual", str(YEAR)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    cpu = children_cpu_seconds() - cpu_before
    busy = machine_cpu_seconds()[0] - busy_before
    if done.returncode != 0:
        raise RuntimeError(f"flask receipts annual failed:\n{done.stderr[-3000:]}")
    return Timing(seconds, cpu, busy, done.stdout)


# --- checks ---------------------------------------------------------------------------


def check_database(url: str, count: int) -> tuple[list[str], dict[str, str]]:
    """Problems found, and each receipt's number with its donor's email."""
    problems = []
    with psycopg.connect(plain_url(url)) as connection:
        receipts, first, last, distinct, donors, unsent = connection.execute(
            "SELECT count(*), min(sequence), max(sequence), count(DISTINCT sequence),"
            " count(DISTINCT donor_id), count(*) FILTER (WHERE emailed_at IS NULL)"
            " FROM receipts WHERE year = %s AND kind = 'yearly'",
            (YEAR,),
        ).fetchone()
        others = connection.execute(
            "SELECT count(*) FILTER (WHERE year = %s AND kind <> 'yearly'),"
            " count(*) FILTER (WHERE year <> %s)"
            " - (SELECT last_sequence FROM receipt_counters WHERE year = %s)"
            " FROM receipts",
            (YEAR, YEAR, YEAR - 1),
        ).fetchone()
        if receipts != count:
            problems.append(f"{receipts} yearly receipts, expected {count}")
        if (first, last, distinct) != (1, count, count):
            problems.append(f"numbers {first}..{last} ({distinct} distinct), expected 1..{count}")
        if donors != count:
            problems.append(f"receipts for {donors} donors, expected {count}")
        if unsent:
            problems.append(f"{unsent} receipt(s) not marked as emailed")
        if any(others):
            problems.append(f"{others[0]} other receipt(s) of {YEAR}, {others[1]} new of others")
        counter = connection.execute(
            "SELECT last_sequence FROM receipt_counters WHERE year = %s", (YEAR,)
        ).fetchone()
        if counter is None or counter[0] != count:
            problems.append(f"the counter of {YEAR} says {counter}, expected {count}")
        left, wrong = connection.execute(
            "SELECT count(*) FILTER (WHERE d.receipt_id IS NULL),"
            " count(*) FILTER (WHERE r.donor_id IS DISTINCT FROM d.donor_id)"
            " FROM donations d LEFT JOIN receipts r ON r.id = d.receipt_id"
        ).fetchone()
        if left or wrong:
            problems.append(f"{left} donation(s) on no receipt, {wrong} on another's receipt")
        mismatched = connection.execute(
            "SELECT count(*) FROM receipts r WHERE r.amount_cents IS DISTINCT FROM"
            " (SELECT sum(d.amount_cents) FROM receipt_donations rd"
            " JOIN donations d ON d.id = rd.donation_id WHERE rd.receipt_id = r.id)"
        ).fetchone()[0]
        if mismatched:
            problems.append(f"{mismatched} receipt(s) whose amount is not their gifts' sum")
        emails = dict(
            connection.execute(
                "SELECT r.number, o.email FROM receipts r JOIN donors o ON o.id = r.donor_id"
                " WHERE r.year = %s",
                (YEAR,),
            ).fetchall()
        )
    return problems, emails


def check_outbox(outbox: Path, emails: dict[str, str]) -> list[str]:
    """One .eml per receipt, to its donor, with its PDF attached."""
    files = sorted(outbox.glob("*.eml")) if outbox.exists() else []
    problems = []
    if len(files) != len(emails):
        problems.append(f"{len(files)} .eml file(s) in the outbox, expected {len(emails)}")
    seen: set[str] = set()
    bad = 0
    for path in files:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.compat32)
        pdfs = [
            part
            for part in message.walk()
            if part.get_content_type() == "application/pdf"
            and (part.get_filename() or "").startswith("recu-fiscal-")
        ]
        if len(pdfs) != 1:
            bad += 1
            continue
        number = pdfs[0].get_filename().removeprefix("recu-fiscal-").removesuffix(".pdf")
        content = pdfs[0].get_payload(decode=True) or b""
        if (
            not content.startswith(b"%PDF-")
            or b"%%EOF" not in content[-32:]
            or emails.get(number) != message["To"]
            or number in seen
        ):
            bad += 1
        seen.add(number)
    if bad:
        problems.append(f"{bad} email(s) without their receipt's PDF, or to the wrong donor")
    if missing := len(set(emails) - seen):
        problems.append(f"{missing} receipt(s) with no email in the outbox")
    return problems


def benchmark(url: str, instance: Path, count: int) -> list[str]:
    environment = production_environment(url, instance, base_url=BASE_URL, secret_key=SECRET_KEY)
    upgrade_schema(environment)
    seconds = load_donors(url, count)
    print(
        f"loaded {count} monthly donors with {count * MONTHS} paid donations of {YEAR}"
        f" (and as many of {YEAR - 1}, on {count} receipts) in {seconds:.1f} s"
    )
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    timing = run_annual(environment)
    seconds = timing.seconds
    output = timing.output.strip()
    print(output.splitlines()[-1] if output else "(no output)")
    print(
        f"flask receipts annual {YEAR}: {seconds:.1f} s wall, {count / seconds:.0f} receipts/s,"
        f" {timing.cpu:.1f} s CPU ({timing.cpu / count * 1000:.1f} ms CPU per receipt,"
        " PostgreSQL's own not counted)"
    )
    cpus = os.cpu_count() or 1
    print(
        f"the machine was busy {timing.machine_busy:.1f} of {cpus * seconds:.1f} CPU-seconds:"
        f" {timing.cpu:.1f} this command, {timing.machine_busy - timing.cpu:.1f} PostgreSQL"
        " and other jobs"
    )
    problems, emails = check_database(url, count)
    problems += check_outbox(instance / "outbox", emails)
    again = run_annual(environment).output
    if f"Issued 0 yearly receipt(s) for {YEAR}." not in again:
        problems.append(f"running it again did something: {again.strip()[-200:]!r}")
    problems += check_database(url, count)[0]
    eml = len(list((instance / "outbox").glob("*.eml")))
    if eml != count:
        problems.append(f"{eml} .eml files after running it again, expected {count}")
    print(
        f"checked: {len(emails)} receipts numbered without a gap, one per donor, each"
        " emailed with its PDF; a second run issued nothing"
        if not problems
        else "checks failed"
    )
    return problems


def main() -> int:
    arguments = parse_arguments()
    return run_on_scratch_postgres(
        DATABASE,
        "relais-bench-receipts-",
        arguments.keep,
        lambda url, tmp: benchmark(url, tmp, arguments.donors),
    )


if __name__ == "__main__":
    sys.exit(main())
