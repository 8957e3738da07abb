"""Benchmark: a site's stock page at scale, 1,000,000 stock movements over 50 sites and
2,000 stock items (bench/stock_dataset.py builds them).

    .venv/bin/python -m bench.stock_at_scale            # PostgreSQL, 127.0.0.1:5432
    .venv/bin/python -m bench.stock_at_scale --sqlite   # a SQLite file instead
    .venv/bin/python -m bench.stock_at_scale --keep     # keep the database afterwards

PostgreSQL is reached at BENCH_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/
postgres); the run creates and drops its own database, relais_bench_stock.

A signed-in coordinator (reading French) asks for the stock page of the busiest site (a
warehouse) through the test client, as a browser would. The same rows (first page, same
order, same count for the pagination) are computed by summing the site's movements on the
fly; they must be the ones the page shows. For information it also times the page's own
stock queries alone (count and rows), so the two ways of getting the rows can be compared
like for like.

After 5 requests to warm up, the timings are taken in 7 rounds, each of 30 pages, 30 of
the page's queries alone and 1 ledger sum: on a shared machine whose load comes and goes,
each median then comes from the same stretch of time as the others (210 pages, 7 sums).

Exits 1 unless the median page takes under 50 ms and is at least 20 times faster than the
median ledger sum. About 30 to 60 s in all."""

import re
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, url_for
from flask.testing import FlaskClient
from sqlalchemy import Select, func, select

from app.extensions import db
from app.models import Role, User
from bench.stock_dataset import (
    StockDataset,
    build_stock_dataset,
    check_balances,
    scratch_bench_app,
)
from inventory import queries
from inventory.models import StockMovement

DATABASE = "relais_bench_stock"
EMAIL = "coordination@relais.test"
PASSWORD = "bench-password-1234"
LOCALE = "fr"
WARM_UP = 5
ROUNDS = 7
PAGES_PER_ROUND = 30
LEDGER_SUMS_PER_ROUND = 1
PAGE_LIMIT_MS = 50.0
MIN_RATIO = 20.0


def add_coordinator(app: Flask) -> int:
    with app.app_context():
        user = User(email=EMAIL, role=Role.COORDINATOR, locale=LOCALE)
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
        return user.id


def signed_in_client(app: Flask) -> FlaskClient:
    client = app.test_client()
    response = client.post("/login", data={"email": EMAIL, "password": PASSWORD})
    if response.status_code != 303:
        raise RuntimeError(f"sign-in failed: HTTP {response.status_code}")
    return client


def stock_page_url(app: Flask, site_id: int) -> str:
    with app.test_request_context():
        return url_for("inventory.site_stock", site_id=site_id)


def milliseconds(action: Callable[[], Any], runs: int) -> list[float]:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def get_page(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"{url}: HTTP {response.status_code}")
    return response.get_data(as_text=True)


def ledger_stock_query(site_id: int) -> Select[Any]:
    """site_stock_query without the balances: each one summed from the movements."""
    totals = (
        select(StockMovement.stock_item_id, func.sum(StockMovement.quantity).label("quantity"))
        .where(StockMovement.site_id == site_id)
        .group_by(StockMovement.stock_item_id)
        .having(func.sum(StockMovement.quantity) != 0)
        .subquery()
    )
    return queries.stock_rows_query(totals, LOCALE)


Rows = tuple[list[tuple[int, int]], int]  # (stock item, quantity) of the first page, count


def first_page_from_ledger(app: Flask, site_id: int) -> Rows:
    """The rows the page shows, with the count its pagination needs, in a fresh session."""
    page = queries.paginate(db.session, ledger_stock_query(site_id), 1, app.config["PAGE_SIZE"])
    db.session.remove()
    return [(stock_item_id, quantity) for stock_item_id, *_, quantity in page.rows], page.total


def first_page_from_levels(app: Flask, site_id: int) -> Rows:
    """The same, as the page gets them, from the balances."""
    page = queries.site_stock_page(
        db.session, site_id, queries.StockFilter(), 1, app.config["PAGE_SIZE"], LOCALE
    )
    db.session.remove()
    return [(stock_item_id, quantity) for stock_item_id, *_, quantity in page.rows], page.total


def stock_items_shown(html: str, site_id: int) -> list[int]:
    """The stock items a rendered stock page lists, in order (their history links)."""
    return [int(found) for found in re.findall(rf"/sites/{site_id}/stock/(\d+)\"", html)]


def summary(label: str, timings: list[float]) -> float:
    median = statistics.median(timings)
    p95 = statistics.quantiles(timings, n=20)[-1]
    print(f"{label:<42} median {median:7.1f} ms   p95 {p95:7.1f} ms   ({len(timings)} runs)")
    return median


def check_rows(app: Flask, site_id: int, client: FlaskClient, url: str) -> None:
    """The page's queries and the ledger sum give the same first page and count, and the
    page shows those stock items in that order."""
    shown = stock_items_shown(get_page(client, url), site_id)
    with app.app_context():
        rows, total = first_page_from_levels(app, site_id)
        if first_page_from_ledger(app, site_id) != (rows, total):
            raise AssertionError("the page's rows differ from the sums of the ledger")
    if [stock_item_id for stock_item_id, _quantity in rows] != shown:
        raise AssertionError("the page does not show the rows summed from the ledger")
    print(f"  {len(rows)} rows on the first page of {total}, identical both ways and on the page")


def time_in_rounds(app: Flask, site_id: int) -> tuple[float, float, float]:
    """Median page, page's queries alone and ledger sum, timed in turns (ROUNDS rounds)."""
    url = stock_page_url(app, site_id)
    client = signed_in_client(app)
    milliseconds(lambda: get_page(client, url), WARM_UP)
    check_rows(app, site_id, client, url)
    pages: list[float] = []
    levels: list[float] = []
    ledger: list[float] = []
    for _round in range(ROUNDS):
        # Requests outside any app context, as a server makes them: each its own `g`.
        pages += milliseconds(lambda: get_page(client, url), PAGES_PER_ROUND)
        with app.app_context():
            levels += milliseconds(lambda: first_page_from_levels(app, site_id), PAGES_PER_ROUND)
            ledger += milliseconds(
                lambda: first_page_from_ledger(app, site_id), LEDGER_SUMS_PER_ROUND
            )
    return (
        summary(f"stock page {url}", pages),
        summary("  its rows from the balances (SQL only)", levels),
        summary("  the same rows summed from the ledger", ledger),
    )


def verdict(page: float, levels: float, ledger: float) -> int:
    ratio = ledger / page
    print(f"ledger sum / page: {ratio:.1f}x; ledger sum / balances query: {ledger / levels:.1f}x")
    failures = []
    if page >= PAGE_LIMIT_MS:
        failures.append(f"page median {page:.1f} ms, limit {PAGE_LIMIT_MS:.0f} ms")
    if ratio < MIN_RATIO:
        failures.append(
            f"page only {ratio:.1f}x faster than the ledger sum, {MIN_RATIO:.0f}x wanted"
        )
    if failures:
        print("FAIL: " + "; ".join(failures))
        return 1
    print(f"PASS: under {PAGE_LIMIT_MS:.0f} ms and at least {MIN_RATIO:.0f}x faster")
    return 0


def load(app: Flask) -> StockDataset:
    actor_id = add_coordinator(app)
    with app.app_context():
        dataset = build_stock_dataset(db.session, actor_id=actor_id)
        check_balances(db.session)
        db.session.remove()
        print(
            f"{db.engine.dialect.name}: {dataset.movements:,} movements, {len(dataset.site_ids)}"
            f" sites, {len(dataset.stock_item_ids):,} stock items and {dataset.levels:,} balances"
            f" loaded in {dataset.seconds:.1f} s; every balance equals its ledger sum"
        )
    return dataset


def main() -> int:
    with scratch_bench_app(DATABASE, __doc__.splitlines()[0]) as app:
        dataset = load(app)
        site_id = dataset.busiest_site_id
        print(f"site {site_id}, the busiest: {dataset.movements_by_site[site_id]:,} movements")
        page, levels, ledger = time_in_rounds(app, site_id)
    return verdict(page, levels, ledger)


if __name__ == "__main__":
    sys.exit(main())
