"""Monthly gifts (one donation per paid invoice), refunds and disputes from the webhook."""

import itertools
import time
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from donations.models import Donation, DonationStatus, Frequency, MonthlyGift, Receipt
from tests.donations.conftest import checkout_event, give_form, post_event

counter = itertools.count(1)


def count(db_session: Any, model: type) -> int:
    return db_session.scalar(select(func.count()).select_from(model))


def event(event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": f"evt_mr_{next(counter)}_{time.time_ns()}",
        "object": "event",
        "created": int(time.time()),
        "type": event_type,
        "data": {"object": data},
    }


def invoice(
    invoice_id: str, first: Donation, *, reason: str = "subscription_cycle", amount: int = 1500
) -> dict[str, Any]:
    """An invoice as API 2026-10-28 shapes it: the subscription under `parent`."""
    return {
        "id": invoice_id,
        "object": "invoice",
        "amount_paid": amount,
        "amount_due": amount,
        "currency": "eur",
        "billing_reason": reason,
        "customer": "cus_123",
        "customer_email": "jeanne.dupont@example.org",
        "status_transitions": {"paid_at": int(time.time())},
        "parent": {
            "type": "subscription_details",
            "subscription_details": {
                "subscription": "sub_monthly",
                "metadata": {"donation_id": first.public_id},
            },
        },
    }


@pytest.fixture
def first_month(client: FlaskClient, db_session: Any) -> Donation:
    """A monthly gift of 15 EUR whose checkout has completed."""
    form = give_form(frequency="monthly", amount="15")
    assert client.post("/donations/", data=form).status_code == 303
    donation = db_session.scalars(select(Donation)).one()
    completed = checkout_event(
        donation=donation, mode="subscription", subscription="sub_monthly", invoice="in_first"
    )
    assert post_event(client, completed).status_code == 200
    db_session.refresh(donation)
    return donation


def test_each_paid_invoice_is_one_donation_of_the_monthly_gift(
    client: FlaskClient, db_session: Any, first_month: Donation
) -> None:
    first_invoice = invoice("in_first", first_month, reason="subscription_create")
    assert post_event(client, event("invoice.paid", first_invoice)).status_code == 200
    for month in ("in_feb", "in_mar", "in_mar"):
        assert (
            post_event(client, event("invoice.paid", invoice(month, first_month))).status_code
            == 200
        )
    donations = db_session.scalars(select(Donation).order_by(Donation.id)).all()
    assert [d.invoice_id for d in donations] == ["in_first", "in_feb", "in_mar"]
    assert all(d.status == DonationStatus.PAID for d in donations)
    assert all(d.frequency == Frequency.MONTHLY and d.fund.code == "general" for d in donations)
    assert {d.donor_id for d in donations} == {first_month.donor_id}
    assert count(db_session, Receipt) == 0  # the yearly summary covers them


def test_the_first_invoice_may_arrive_before_the_checkout(
    client: FlaskClient, db_session: Any
) -> None:
    client.post("/donations/", data=give_form(frequency="monthly", amount="15"))
    donation = db_session.scalars(select(Donation)).one()
    first = invoice("in_early", donation, reason="subscription_create")
    assert post_event(client, event("invoice.paid", first)).status_code == 200
    completed = checkout_event(
        donation=donation, mode="subscription", subscription="sub_monthly", invoice="in_early"
    )
    assert post_event(client, completed).status_code == 200
    assert count(db_session, Donation) == 1 and count(db_session, MonthlyGift) == 1
    db_session.refresh(donation)
    assert donation.status == DonationStatus.PAID and donation.invoice_id == "in_early"


def test_a_failed_monthly_payment_is_kept_as_failed_until_a_retry_succeeds(
    client: FlaskClient, db_session: Any, first_month: Donation
) -> None:
    post_event(client, event("invoice.payment_failed", invoice("in_apr", first_month)))
    failed = db_session.scalars(select(Donation).where(Donation.invoice_id == "in_apr")).one()
    assert failed.status == DonationStatus.FAILED
    post_event(client, event("invoice.paid", invoice("in_apr", first_month)))
    db_session.refresh(failed)
    assert failed.status == DonationStatus.PAID


def test_a_cancelled_subscription_ends_the_monthly_gift(
    client: FlaskClient, db_session: Any, first_month: Donation
) -> None:
    deleted = {"id": "sub_monthly", "object": "subscription", "status": "canceled"}
    assert post_event(client, event("customer.subscription.deleted", deleted)).status_code == 200
    gift = db_session.scalars(select(MonthlyGift)).one()
    assert not gift.active and gift.ended_at is not None


# --- refunds and disputes -------------------------------------------------------------


@pytest.fixture
def paid(client: FlaskClient, db_session: Any) -> Donation:
    client.post("/donations/", data=give_form(amount="100"))
    donation = db_session.scalars(select(Donation)).one()
    completed = checkout_event(donation=donation, payment_intent="pi_refund_me")
    assert post_event(client, completed).status_code == 200
    db_session.refresh(donation)
    return donation


def charge(refunded: int, payment_intent: str = "pi_refund_me") -> dict[str, Any]:
    return {
        "id": "ch_1",
        "object": "charge",
        "amount": 10000,
        "amount_refunded": refunded,
        "currency": "eur",
        "payment_intent": payment_intent,
        "refunded": refunded == 10000,
    }


def test_a_full_refund_cancels_the_receipt_and_keeps_its_number(
    client: FlaskClient, db_session: Any, paid: Donation
) -> None:
    receipt = paid.receipt
    assert post_event(client, event("charge.refunded", charge(10000))).status_code == 200
    db_session.refresh(paid)
    db_session.refresh(receipt)
    assert paid.status == DonationStatus.REFUNDED and paid.receipt is None
    assert receipt.cancelled and count(db_session, Receipt) == 1


def test_a_partial_refund_issues_a_new_receipt_for_what_was_kept(
    client: FlaskClient,
    db_session: Any,
    paid: Donation,
    outbox: Callable[[], list[EmailMessage]],
) -> None:
    old = paid.receipt
    refund = event("charge.refunded", charge(3000))
    assert post_event(client, refund).status_code == 200
    assert post_event(client, refund).status_code == 200
    db_session.refresh(paid)
    new = paid.receipt
    assert paid.status == DonationStatus.PARTIALLY_REFUNDED and paid.kept_cents == 7000
    assert old.cancelled and new.amount_cents == 7000 and new.replaces_id == old.id
    assert new.number != old.number and count(db_session, Receipt) == 2
    assert [message["Subject"].split()[-1] for message in outbox()][-1] == new.number


def test_a_second_refund_cancels_the_replacement_too(
    client: FlaskClient, db_session: Any, paid: Donation
) -> None:
    post_event(client, event("charge.refunded", charge(3000)))
    post_event(client, event("charge.refunded", charge(10000)))
    post_event(client, event("charge.refunded", charge(3000)))  # older news, late
    db_session.refresh(paid)
    assert paid.status == DonationStatus.REFUNDED and paid.refunded_cents == 10000
    receipts = db_session.scalars(select(Receipt)).all()
    assert len(receipts) == 2 and all(receipt.cancelled for receipt in receipts)


def test_a_refund_before_its_payment_is_known_is_sent_again_later(
    client: FlaskClient, db_session: Any
) -> None:
    refund = event("charge.refunded", charge(10000, payment_intent="pi_unknown"))
    assert post_event(client, refund).status_code == 503
    assert post_event(client, refund).status_code == 503  # its id was not stored


def test_a_dispute_takes_the_gift_out_of_the_money_in(
    client: FlaskClient, db_session: Any, paid: Donation
) -> None:
    dispute = {
        "id": "dp_1",
        "object": "dispute",
        "amount": 10000,
        "charge": "ch_1",
        "payment_intent": "pi_refund_me",
    }
    assert post_event(client, event("charge.dispute.created", dispute)).status_code == 200
    db_session.refresh(paid)
    assert paid.status == DonationStatus.DISPUTED and not paid.counts_as_income
