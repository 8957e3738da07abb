"""`flask receipts ...`: the treasurer's commands for tax receipts."""

import itertools
import multiprocessing
import os
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from datetime import timedelta

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select, text
from sqlalchemy.orm import contains_eager

from app.cli import forget_old_client_events
from app.clock import utcnow
from app.extensions import db
from donations import receipt_mail, receipts
from donations.models import Donor, Receipt

receipts_cli = AppGroup("receipts", help="Tax receipts.")

# Below this many receipts due, their emails are made in the command's own process:
# starting workers costs about what making a few hundred does.
WORKERS_FROM = 300
CHUNK = 16  # receipts handed to a worker at once
FIRST_BATCH = 100  # smaller, so that the workers have something to do sooner
# Without a sender of its own (RECEIPT_SENDER), a receipt just issued is being emailed by
# the request that issued it: a watching sender leaves it that long before taking it as
# held back.
HELD_BACK = timedelta(minutes=5)
SEND_BATCH = 50  # receipts claimed, made and sent over one mail connection at a time
# The watching sender is the process that runs beside the server always: it also forgets
# old client events (app.idempotency), on its first pass and then once an hour.
PRUNE_EVERY_SECONDS = 3600

Renderer = Callable[[list[receipt_mail.Outgoing]], Iterable[bytes]]


@receipts_cli.command("send-pending")
@click.option(
    "--watch",
    "every",
    type=click.IntRange(min=1),
    default=None,
    metavar="SECONDS",
    help="Keep going: look again every SECONDS seconds until stopped. With"
    " RELAIS_RECEIPT_SENDER=true it emails every new receipt; otherwise those held back"
    " for more than five minutes (those just issued are being emailed by the request that"
    " issued them). Once an hour it also forgets the event ids of replayed requests older"
    " than RELAIS_CLIENT_EVENTS_KEEP_DAYS.",
)
@click.option("--passes", type=click.IntRange(min=1), default=None, hidden=True)
def send_pending(every: int | None, passes: int | None) -> None:
    """Email every valid receipt not emailed yet."""
    if every is None:
        sent, pending = send_pending_receipts(held_for=timedelta(0))
        click.echo(f"Sent {sent} of {pending} receipt(s).")
        if sent < pending:
            raise click.ClickException("Some receipts could not be emailed: see the log.")
        return
    sender = current_app.config["RECEIPT_SENDER"]
    prune_at = time.monotonic()
    for number in itertools.count(1):
        if time.monotonic() >= prune_at:
            forget_old_client_events()
            prune_at = time.monotonic() + PRUNE_EVERY_SECONDS
        sent, pending = send_pending_receipts(held_for=timedelta(0) if sender else HELD_BACK)
        if pending:
            click.echo(f"Sent {sent} of {pending} receipt(s){'' if sender else ' held back'}.")
        if passes is not None and number >= passes:
            return
        time.sleep(every)


def send_pending_receipts(*, held_for: timedelta) -> tuple[int, int]:
    """Email the valid receipts issued more than `held_for` ago and never emailed, oldest
    first, a batch at a time over one mail connection. Each batch stays locked while it
    goes, so another sender skips it; a receipt whose email fails waits for the next
    pass, and a batch of which none went (the mail server is down) ends this one.
    Returns (sent, tried)."""
    sent = tried = 0
    after_id = 0
    while batch := claim_unsent_receipts(after_id, held_for):
        after_id = batch[-1].id
        ready = receipt_mail.outgoing(batch)
        try:
            went = receipt_mail.email_to_donors(
                db.session, ready, map(receipt_mail.render_pdf, ready)
            )
        finally:
            db.session.commit()  # the stamps of those sent, and the batch's locks let go
        sent, tried = sent + went, tried + len(batch)
        if not went:
            break
    return sent, tried


def claim_unsent_receipts(after_id: int, held_for: timedelta) -> list[Receipt]:
    """The next batch of receipts to email, after `after_id`, locked (those another
    sender holds are skipped), with their donors."""
    return list(
        db.session.scalars(
            select(Receipt)
            .join(Donor, Receipt.donor_id == Donor.id)
            .where(
                Receipt.id > after_id,
                Receipt.emailed_at.is_(None),
                Receipt.cancelled_at.is_(None),
                Receipt.issued_at <= utcnow() - held_for,
                Donor.email.is_not(None),
            )
            .order_by(Receipt.id)
            .limit(SEND_BATCH)
            .with_for_update(of=Receipt, skip_locked=True)
            .options(contains_eager(Receipt.donor))
        )
    )


@contextmanager
def renderer(workers: int) -> Iterator[Renderer]:
    """Makes receipts' PDFs (receipt_mail.render_pdf), for their emails, in `workers`
    processes, or in this one for 0: pure computation on plain data, the slow part of a
    receipt, shared out over the CPUs. The workers are fresh interpreters (spawn, not
    fork), so they share no database connection with this process. They run at a lower
    priority: this process, which holds the batch's locks and feeds them, is the one to
    keep busy, and on a shared server the web app stays responsive."""
    if workers <= 0:
        yield lambda items: map(receipt_mail.render_pdf, items)
        return
    pool = ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=os.nice,
        initargs=(10,),
    )
    try:
        pool.map(started, range(workers))  # they start while the first batch is issued
        yield lambda items: pool.map(receipt_mail.render_pdf, items, chunksize=CHUNK)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def refresh_statistics() -> None:
    """PostgreSQL plans the foreign-key checks of new receipts once per connection, from
    what it knows of the receipts table: planned while it was small (the first yearly
    run of a new installation), they read the whole table for each gift put on a
    receipt, and a run of 10,000 receipts spends most of its time there. ANALYZE before
    each batch takes milliseconds and has them planned again as the table grows. (For a
    role that does not own the table, PostgreSQL only warns and skips it.)"""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ANALYZE receipts"))


def started(_worker: int) -> None:
    """Nothing: a worker that runs it has started and imported what it needs."""


@receipts_cli.command("annual")
@click.argument("year", type=click.IntRange(2000, 9999))
@click.option("--batch", default=500, show_default=True, help="Receipts per transaction.")
@click.option(
    "--workers",
    type=click.IntRange(min=0),
    help="Processes making the PDFs, 0 for none. By default one per CPU, or"
    f" none for fewer than {WORKERS_FROM} receipts.",
)
def annual(year: int, batch: int, workers: int | None) -> None:
    """Issue and email the yearly summary receipts of monthly donors for YEAR.

    Safe to run again: a gift already on a receipt is never put on another. Receipts are
    issued and committed a batch at a time; while worker processes make a batch's PDFs,
    the next batch is issued, then the emails are sent and the receipts stamped as sent
    together."""
    due = receipts.count_donors_due(db.session, year)
    if workers is None:
        workers = (os.cpu_count() or 1) if due >= WORKERS_FROM else 0
    issued = emailed = 0
    with (
        click.progressbar(length=due, label=f"Yearly receipts {year}") as progress,
        renderer(workers) as render,
    ):
        previous = None
        while True:
            limit = batch if previous else min(batch, FIRST_BATCH)
            refresh_statistics()
            batch_issued = receipts.issue_yearly_receipts(db.session, year, limit=limit)
            ready = receipt_mail.outgoing(batch_issued)
            db.session.commit()
            current = None
            if batch_issued:
                current = (len(batch_issued), ready, render(ready))
            if previous is not None:
                count, outgoing, emails = previous
                try:
                    emailed += receipt_mail.email_to_donors(db.session, outgoing, emails)
                finally:
                    db.session.commit()  # the stamps of those sent, even if one failed
                issued += count
                progress.update(count)
            if current is None:
                break
            previous = current
    click.echo(f"Issued {issued} yearly receipt(s) for {year}.")
    if emailed < issued:
        click.echo(
            f"{issued - emailed} of them could not be emailed: `flask receipts send-pending`"
            " sends them once mail works.",
            err=True,
        )
