"""Webhooks at once on PostgreSQL: each thread posts with its own test client and the app
commits for real. Afterwards: one receipt per paid gift, numbers without gap or double.

These tests cannot use the rolled-back `db_session`: they make their own donations and
empty the tables when the module is done."""

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from app.extensions import db
from donations.cli import send_pending_receipts
from donations.models import Donation, DonationStatus, Frequency, Fund, Gateway, Receipt
from tests.conftest import truncate_all_but_reference_data
from tests.donations.conftest import checkout_event, post_event
from tests.races import POSTGRES_ONLY

pytestmark = POSTGRES_ONLY

WAIT = 120  # seconds: no future waits longer
CHECKOUTS = 200
THREADS = 16


@pytest.fixture
def committed(app: Flask) -> Iterator[Callable[[int], list[str]]]:
    """Makes pending donations for real; empties the tables afterwards."""

    def make(count: int) -> list[str]:
        with app.app_context():
            general = db.session.scalars(select(Fund).where(Fund.code == "general")).one()
            donations = [
                Donation(
                    fund=general,
                    frequency=Frequency.ONCE,
                    amount_cents=1000 + number,
                    gateway=Gateway.STRIPE,
                    contact_email=f"donor{number}@example.org",
                    contact_name=f"Donor {number}",
                    contact_address_line1=f"{number} rue de la Paix",
                    contact_postcode="62100",
                    contact_city="Calais",
                    checkout_session_id=f"cs_test_concurrent_{number}",
                )
                for number in range(count)
            ]
            db.session.add_all(donations)
            db.session.commit()
            public_ids = [donation.public_id for donation in donations]
            db.session.remove()
        return public_ids

    yield make
    truncate_all_but_reference_data(app)


def pending_donation(app: Flask, public_id: str) -> Donation:
    with app.app_context():
        donation = db.session.scalars(select(Donation).where(Donation.public_id == public_id))
        found = donation.one()
        db.session.expunge(found)
        return found


def post_all(app: Flask, events: list[dict[str, Any]], threads: int) -> list[int]:
    """Post every event from `threads` threads that start together; their status codes."""
    start = threading.Event()

    def post(event: dict[str, Any]) -> int:
        client = app.test_client()
        start.wait(WAIT)
        return post_event(client, event).status_code

    with ThreadPoolExecutor(max_workers=threads) as pool:
        futures = [pool.submit(post, event) for event in events]
        start.set()
        return [future.result(timeout=WAIT) for future in futures]


def receipts_and_donations(app: Flask) -> tuple[list[Receipt], list[Donation]]:
    with app.app_context():
        receipts = db.session.scalars(select(Receipt).order_by(Receipt.sequence)).all()
        donations = db.session.scalars(select(Donation)).all()
        db.session.expunge_all()
        return list(receipts), list(donations)


def test_the_same_event_three_times_at_once_gives_one_receipt(
    app: Flask, committed: Callable[[int], list[str]]
) -> None:
    (public_id,) = committed(1)
    event = checkout_event(donation=pending_donation(app, public_id))
    assert post_all(app, [event] * 3, threads=3) == [200, 200, 200]
    receipts, donations = receipts_and_donations(app)
    assert len(donations) == 1 and donations[0].status == DonationStatus.PAID
    assert len(receipts) == 1


def test_two_different_events_of_one_payment_at_once_give_one_receipt(
    app: Flask, committed: Callable[[int], list[str]]
) -> None:
    (public_id,) = committed(1)
    donation = pending_donation(app, public_id)
    events = [
        checkout_event(donation=donation),
        checkout_event("checkout.session.async_payment_succeeded", donation=donation),
    ]
    assert post_all(app, events * 2, threads=4) == [200] * 4
    receipts, _donations = receipts_and_donations(app)
    assert len(receipts) == 1


def test_two_hundred_checkouts_at_once_are_numbered_without_gap_or_double(
    app: Flask, committed: Callable[[int], list[str]]
) -> None:
    public_ids = committed(CHECKOUTS)
    events = [checkout_event(donation=pending_donation(app, id_)) for id_ in public_ids]
    statuses = post_all(app, events, threads=THREADS)
    assert statuses == [200] * CHECKOUTS
    receipts, donations = receipts_and_donations(app)
    assert all(donation.status == DonationStatus.PAID for donation in donations)
    assert len(receipts) == CHECKOUTS
    years = {receipt.year for receipt in receipts}
    assert len(years) == 1
    assert [receipt.sequence for receipt in receipts] == list(range(1, CHECKOUTS + 1))
    assert len({receipt.number for receipt in receipts}) == CHECKOUTS
    with app.app_context():
        receipt_count = db.session.scalar(select(func.count()).select_from(Receipt))
    assert receipt_count == CHECKOUTS


def test_two_gifts_of_a_new_donor_at_once_make_one_donor_with_two_receipts(
    app: Flask, committed: Callable[[int], list[str]]
) -> None:
    public_ids = committed(2)
    with app.app_context():
        same_person = update(Donation).values(contact_email="nouvelle@example.org")
        db.session.execute(same_person.where(Donation.public_id.in_(public_ids)))
        db.session.commit()
    events = [checkout_event(donation=pending_donation(app, id_)) for id_ in public_ids]
    assert post_all(app, events, threads=2) == [200, 200]
    receipts, donations = receipts_and_donations(app)
    assert {donation.status for donation in donations} == {DonationStatus.PAID}
    (donor_id,) = {donation.donor_id for donation in donations}
    assert len(receipts) == 2 and {receipt.donor_id for receipt in receipts} == {donor_id}


def test_two_receipt_senders_at_once_email_each_receipt_once(
    app: Flask,
    committed: Callable[[int], list[str]],
    outbox: Callable[[], list[EmailMessage]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(app.config, "RECEIPT_SENDER", True)
    events = [checkout_event(donation=pending_donation(app, id_)) for id_ in committed(120)]
    assert post_all(app, events, threads=THREADS) == [200] * 120
    assert outbox() == []
    start = threading.Barrier(2)

    def sender() -> tuple[int, int]:
        with app.app_context():
            start.wait(WAIT)
            try:
                return send_pending_receipts(held_for=timedelta(0))
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(sender) for _ in range(2)]
        results = [future.result(timeout=WAIT) for future in futures]
    assert sum(sent for sent, _tried in results) == 120
    subjects = [message["Subject"] for message in outbox()]
    assert len(subjects) == len(set(subjects)) == 120
    receipts, _donations = receipts_and_donations(app)
    assert all(receipt.emailed_at is not None for receipt in receipts)
