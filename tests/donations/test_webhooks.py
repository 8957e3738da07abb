"""Stripe's webhook: signatures checked by the stripe library on the raw body, each event
once, in any order, and nothing half-done when handling fails."""

import json
import random
import time
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

import pytest
import stripe
from flask import Flask
from flask.testing import FlaskClient
from pytest_httpserver import HTTPServer
from sqlalchemy import func, select

from donations import payments, receipts
from donations.models import (
    Donation,
    DonationStatus,
    Donor,
    Frequency,
    MonthlyGift,
    PaymentMethod,
    Receipt,
    StripeEvent,
)
from tests.donations import stripe_events
from tests.donations.conftest import WEBHOOK, checkout_event, give_form, post_event, signature


def count(db_session: Any, model: type) -> int:
    return db_session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def pending(client: FlaskClient, db_session: Any) -> Donation:
    """A donation started on the page, its donor now at Stripe's checkout."""
    assert client.post("/donations/", data=give_form(amount="80")).status_code == 303
    donation = db_session.scalars(select(Donation)).one()
    donation.checkout_session_id = "cs_test_pending"
    db_session.commit()
    return donation


both_shapes = pytest.mark.parametrize("version", stripe_events.VERSIONS)


@both_shapes
def test_a_paid_checkout_records_the_gift_and_emails_its_receipt(
    client: FlaskClient,
    db_session: Any,
    pending: Donation,
    outbox: Callable[[], list[EmailMessage]],
    version: str,
) -> None:
    response = post_event(client, checkout_event(donation=pending, version=version))
    assert response.status_code == 200
    db_session.refresh(pending)
    assert pending.status == DonationStatus.PAID and pending.payment_method == PaymentMethod.CARD
    assert pending.receipt.amount_cents == 8000
    (message,) = outbox()
    assert pending.receipt.number in message["Subject"]


@pytest.mark.parametrize(
    "header",
    [
        None,
        "t=1,v1=00",
        "garbage",
    ],
)
def test_a_missing_or_forged_signature_is_refused_and_nothing_stored(
    client: FlaskClient, db_session: Any, pending: Donation, header: str | None
) -> None:
    payload = json.dumps(checkout_event(donation=pending)).encode()
    headers = {"Stripe-Signature": header} if header else {}
    response = client.post(WEBHOOK, data=payload, headers=headers)
    assert response.status_code == 400
    assert count(db_session, StripeEvent) == 0
    db_session.refresh(pending)
    assert pending.status == DonationStatus.PENDING


def test_a_signature_made_with_another_secret_is_refused(
    client: FlaskClient, db_session: Any, pending: Donation
) -> None:
    response = post_event(client, checkout_event(donation=pending), secret="whsec_someone_else")
    assert response.status_code == 400 and count(db_session, Receipt) == 0


def test_a_stale_signature_is_refused(
    client: FlaskClient, db_session: Any, pending: Donation
) -> None:
    stale = int(time.time()) - 301
    response = post_event(client, checkout_event(donation=pending), timestamp=stale)
    assert response.status_code == 400 and count(db_session, Receipt) == 0


def test_a_body_changed_after_signing_is_refused(
    client: FlaskClient, db_session: Any, pending: Donation
) -> None:
    payload = json.dumps(checkout_event(donation=pending)).encode()
    tampered = payload.replace(b'"amount_total": 8000', b'"amount_total": 800000')
    response = client.post(WEBHOOK, data=tampered, headers={"Stripe-Signature": signature(payload)})
    assert response.status_code == 400 and count(db_session, Receipt) == 0


def test_the_same_event_three_times_gives_one_receipt(
    client: FlaskClient,
    db_session: Any,
    pending: Donation,
    outbox: Callable[[], list[EmailMessage]],
) -> None:
    event = checkout_event(donation=pending)
    for _ in range(3):
        assert post_event(client, event).status_code == 200
    assert count(db_session, Receipt) == 1 and count(db_session, Donation) == 1
    assert len(outbox()) == 1


@both_shapes
@pytest.mark.parametrize("seed", range(3))
def test_a_sepa_debit_settles_the_same_whatever_the_order_of_its_events(
    client: FlaskClient, db_session: Any, pending: Donation, seed: int, version: str
) -> None:
    completed = checkout_event(
        donation=pending,
        payment_status="unpaid",
        payment_method_types=["sepa_debit"],
        version=version,
    )
    succeeded = checkout_event(
        "checkout.session.async_payment_succeeded", donation=pending, version=version
    )
    events = [completed, succeeded, completed, succeeded]
    random.Random(seed).shuffle(events)
    for event in events:
        assert post_event(client, event).status_code == 200
    db_session.refresh(pending)
    assert pending.status == DonationStatus.PAID
    assert pending.payment_method == PaymentMethod.SEPA_DEBIT
    assert count(db_session, Receipt) == 1


@both_shapes
def test_a_failed_sepa_debit_marks_the_gift_failed_without_receipt(
    client: FlaskClient, db_session: Any, pending: Donation, version: str
) -> None:
    post_event(client, checkout_event(donation=pending, payment_status="unpaid", version=version))
    failed = checkout_event(
        "checkout.session.async_payment_failed",
        donation=pending,
        payment_status="unpaid",
        version=version,
    )
    assert post_event(client, failed).status_code == 200
    db_session.refresh(pending)
    assert pending.status == DonationStatus.FAILED and count(db_session, Receipt) == 0


def test_news_of_a_failure_after_the_payment_changes_nothing(
    client: FlaskClient, db_session: Any, pending: Donation
) -> None:
    post_event(client, checkout_event("checkout.session.async_payment_succeeded", donation=pending))
    post_event(client, checkout_event("checkout.session.async_payment_failed", donation=pending))
    db_session.refresh(pending)
    assert pending.status == DonationStatus.PAID and count(db_session, Receipt) == 1


@both_shapes
def test_a_payment_link_made_in_stripe_is_recorded_from_the_session_alone(
    client: FlaskClient, db_session: Any, outbox: Callable[[], list[EmailMessage]], version: str
) -> None:
    event = checkout_event(session_id="cs_live_link", amount=2500, locale="en", version=version)
    assert post_event(client, event).status_code == 200
    donation = db_session.scalars(select(Donation)).one()
    assert donation.amount_cents == 2500 and donation.fund.code == "general"
    assert donation.status == DonationStatus.PAID
    receipt = donation.receipt
    assert receipt.donor_name == "Jeanne Dupont"
    assert receipt.donor_address == "3 rue des Lilas\n59000 Lille"
    (message,) = outbox()
    assert message["To"] == "jeanne.dupont@example.org"
    assert "Your tax receipt" in message["Subject"]


@both_shapes
def test_a_monthly_checkout_starts_a_monthly_gift(
    client: FlaskClient, db_session: Any, version: str
) -> None:
    assert client.post("/donations/", data=give_form(frequency="monthly")).status_code == 303
    donation = db_session.scalars(select(Donation)).one()
    event = checkout_event(
        donation=donation,
        mode="subscription",
        subscription="sub_123",
        invoice="in_1",
        version=version,
    )
    assert post_event(client, event).status_code == 200
    db_session.refresh(donation)
    gift = db_session.scalars(select(MonthlyGift)).one()
    assert gift.stripe_subscription_id == "sub_123" and gift.donor == donation.donor
    assert donation.frequency == Frequency.MONTHLY and donation.invoice_id == "in_1"
    assert count(db_session, Receipt) == 0  # one yearly summary instead


def test_an_unknown_event_type_is_acknowledged_and_ignored(
    client: FlaskClient, db_session: Any
) -> None:
    event = checkout_event("customer.created")
    assert post_event(client, event).status_code == 200
    assert count(db_session, Donation) == 0


def test_a_gift_in_another_currency_is_not_given_a_french_receipt(
    client: FlaskClient, db_session: Any
) -> None:
    assert post_event(client, checkout_event(currency="usd")).status_code == 200
    assert count(db_session, Donation) == 0 and count(db_session, Receipt) == 0


def test_a_failure_while_handling_undoes_everything_so_stripe_retries(
    app: Flask,
    client: FlaskClient,
    db_session: Any,
    pending: Donation,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(receipts, "issue_single_receipt", broken)
    monkeypatch.setattr(app, "testing", False)  # a real server answers 500
    event = checkout_event(donation=pending)
    assert post_event(client, event).status_code == 500
    assert count(db_session, StripeEvent) == 0 and count(db_session, Receipt) == 0
    db_session.refresh(pending)
    assert pending.status == DonationStatus.PENDING
    monkeypatch.undo()
    assert post_event(client, event).status_code == 200  # Stripe's retry goes through
    db_session.refresh(pending)
    assert pending.status == DonationStatus.PAID and count(db_session, Receipt) == 1


def test_with_a_receipt_sender_the_webhook_records_the_receipt_and_the_sender_emails_it(
    app: Flask,
    client: FlaskClient,
    db_session: Any,
    pending: Donation,
    outbox: Callable[[], list[EmailMessage]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(app.config, "RECEIPT_SENDER", True)
    assert post_event(client, checkout_event(donation=pending)).status_code == 200
    db_session.refresh(pending)
    assert pending.status == DonationStatus.PAID and pending.receipt.emailed_at is None
    assert outbox() == []
    runner = app.test_cli_runner()
    result = runner.invoke(args=["receipts", "send-pending", "--watch", "1", "--passes", "1"])
    assert result.exit_code == 0, result.output
    assert "Sent 1 of 1 receipt(s)." in result.output  # at once, not held back
    (message,) = outbox()
    assert pending.receipt.number in message["Subject"]
    assert message["To"] == "jeanne.dupont@example.org"
    db_session.expire_all()
    assert pending.receipt.emailed_at is not None
    again = runner.invoke(args=["receipts", "send-pending", "--watch", "1", "--passes", "1"])
    assert again.exit_code == 0 and again.output == ""
    assert len(outbox()) == 1


def test_details_typed_with_a_new_gift_go_on_its_receipt_not_on_the_donor_on_file(
    client: FlaskClient, db_session: Any
) -> None:
    first = give_form(amount="20", email="ines@example.org", consent_contact="y")
    second = give_form(
        amount="30", email="INES@example.org", address_line1="9 rue Neuve", address_line2=""
    )
    for form in (first, second):
        assert client.post("/donations/", data=form).status_code == 303
        donation = db_session.scalars(select(Donation).order_by(Donation.id.desc())).first()
        donation.checkout_session_id = f"cs_test_{donation.public_id}"
        db_session.commit()
        assert post_event(client, checkout_event(donation=donation)).status_code == 200
    (donor,) = db_session.scalars(select(Donor)).all()
    assert donor.email == "ines@example.org"
    assert donor.address_line1 == first["address_line1"] and donor.city == first["city"]
    assert donor.consent_contact is True
    receipts_issued = db_session.scalars(select(Receipt).order_by(Receipt.sequence)).all()
    assert [receipt.donor_address.split("\n")[0] for receipt in receipts_issued] == [
        first["address_line1"],
        "9 rue Neuve",
    ]


# --- signed, but unusable -------------------------------------------------------------


def spoiled(path: str, value: Any, event_type: str = "checkout.session.completed") -> Any:
    """A maker of an event built from Stripe's examples, one field of its object (a dotted
    path; "" for the whole object) set to a value Relais cannot use."""

    def make(donation: Donation) -> dict[str, Any]:
        if event_type.startswith("checkout."):
            event = checkout_event(event_type, donation=donation)
        elif event_type.startswith("invoice."):
            data = stripe_events.invoice(metadata={"donation_id": donation.public_id})
            event = stripe_events.envelope(stripe_events.NEW, event_type, data)
        elif event_type == "charge.refunded":
            data = stripe_events.charge(refunded=100, payment_intent="pi_1")
            event = stripe_events.envelope(stripe_events.NEW, event_type, data)
        else:
            data = stripe_events.dispute(charge_id="ch_1")
            event = stripe_events.envelope(stripe_events.NEW, event_type, data)
        *parents, last = ["data", "object", *filter(None, path.split("."))]
        target = event
        for key in parents:
            target = target[key]
        target[last] = value
        return event

    return make


UNUSABLE = {
    "no amount": spoiled("amount_total", None),
    "amount as text": spoiled("amount_total", "8000"),
    "amount as a boolean": spoiled("amount_total", True),
    "no money": spoiled("amount_total", 0),
    "negative amount": spoiled("amount_total", -8000),
    "absurd amount": spoiled("amount_total", 10_000_001),
    "over-long PaymentIntent id": spoiled("payment_intent", "pi_" + "x" * 70),
    "over-long session id": spoiled("id", "cs_" + "x" * 300),
    "metadata as a list": spoiled("metadata", ["donation_id"]),
    "email as a number": spoiled("customer_details.email", 12),
    "address as text": spoiled("customer_details.address", "3 rue des Lilas"),
    "object as a list": spoiled("", []),
    "invoice amount missing": spoiled("amount_paid", None, "invoice.paid"),
    "invoice subscription as a number": spoiled(
        "parent.subscription_details.subscription", 42, "invoice.paid"
    ),
    "refund amount as text": spoiled("amount_refunded", "100", "charge.refunded"),
    "refund of nothing": spoiled("amount_refunded", 0, "charge.refunded"),
    "dispute without its charge": spoiled("charge", None, "charge.dispute.created"),
}


@pytest.mark.parametrize("make", UNUSABLE.values(), ids=UNUSABLE.keys())
def test_a_signed_but_unusable_event_is_refused_and_nothing_written(
    client: FlaskClient,
    db_session: Any,
    pending: Donation,
    caplog: pytest.LogCaptureFixture,
    make: Callable[[Donation], dict[str, Any]],
) -> None:
    event = make(pending)
    response = post_event(client, event)
    assert response.status_code == 400
    assert count(db_session, StripeEvent) == 0 and count(db_session, Receipt) == 0
    assert count(db_session, Donor) == 0 and count(db_session, Donation) == 1
    db_session.refresh(pending)
    assert pending.status == DonationStatus.PENDING
    logged = [record.getMessage() for record in caplog.records]
    assert f"Unusable Stripe event {event['id']} ({event['type']})" in logged
    assert not any("jeanne" in line.lower() or "Lilas" in line for line in logged)


def test_a_payment_link_with_an_unusable_email_makes_no_donation(
    client: FlaskClient, db_session: Any
) -> None:
    event = checkout_event(session_id="cs_live_link", amount=2500)
    event["data"]["object"]["customer_details"]["email"] = ["jeanne.dupont@example.org"]
    assert post_event(client, event).status_code == 400
    assert count(db_session, Donation) == 0 and count(db_session, StripeEvent) == 0


def test_an_over_long_event_id_is_refused(client: FlaskClient, db_session: Any) -> None:
    event = checkout_event()
    event["id"] = "evt_" + "x" * 300
    assert post_event(client, event).status_code == 400
    assert count(db_session, StripeEvent) == 0


def test_relais_speaks_one_pinned_stripe_api_version(
    client: FlaskClient, db_session: Any, stripe_api: HTTPServer
) -> None:
    assert client.post("/donations/", data=give_form()).status_code == 303
    ((request, _response),) = stripe_api.log
    assert request.headers["Stripe-Version"] == payments.STRIPE_API_VERSION == stripe.api_version
