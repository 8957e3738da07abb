"""Monthly gifts (one donation per paid invoice), refunds and disputes from the webhook,
with events built from Stripe's own examples in the shapes before and after API
2025-03-31, and a local server in Stripe's place for what the webhook asks it."""

from collections.abc import Callable
from datetime import date
from email.message import EmailMessage
from typing import Any

import pytest
from flask.testing import FlaskClient
from pytest_httpserver import HTTPServer
from sqlalchemy import func, select

from donations import receipts
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
from tests.donations import stripe_events as stripe
from tests.donations.conftest import checkout_event, give_form, post_event

both_shapes = pytest.mark.parametrize("version", stripe.VERSIONS)
Outbox = Callable[[], list[EmailMessage]]


def count(db_session: Any, model: type) -> int:
    return db_session.scalar(select(func.count()).select_from(model))


def send(client: FlaskClient, version: str, event_type: str, data: dict[str, Any]) -> int:
    """Post Stripe's event around `data`, signed; the webhook's status code."""
    return post_event(client, stripe.envelope(version, event_type, data)).status_code


def donation_of(db_session: Any, invoice_id: str) -> Donation:
    db_session.expire_all()
    return db_session.scalars(select(Donation).where(Donation.invoice_id == invoice_id)).one()


def stripe_knows(
    stripe_api: HTTPServer, version: str, invoice_id: str, *, sepa: bool = False
) -> tuple[str, str]:
    """Stripe's answers about how an invoice was paid: its PaymentIntent, with the
    latest charge expanded, and since 2025-03-31 the invoice's payments."""
    payment_intent, charge_id = f"pi_{invoice_id}", f"ch_{invoice_id}"
    charge = stripe.charge(
        charge_id=charge_id, amount=1500, payment_intent=payment_intent, sepa=sepa
    )
    stripe_api.expect_request(f"/v1/payment_intents/{payment_intent}").respond_with_json(
        stripe.payment_intent(payment_intent_id=payment_intent, latest_charge=charge)
    )
    if version == stripe.NEW:
        stripe_api.expect_request(
            "/v1/invoice_payments",
            query_string={"invoice": invoice_id, "status": "paid", "limit": "1"},
        ).respond_with_json(
            stripe.invoice_payments_list(
                stripe.invoice_payment(invoice_id=invoice_id, payment_intent=payment_intent)
            )
        )
    return payment_intent, charge_id


def invoice_paid(
    stripe_api: HTTPServer,
    version: str,
    invoice_id: str,
    first: Donation,
    *,
    sepa: bool = False,
    **values: Any,
) -> dict[str, Any]:
    """invoice.paid for a month of `first`'s monthly gift, Stripe ready to tell how."""
    payment_intent, charge_id = stripe_knows(stripe_api, version, invoice_id, sepa=sepa)
    if version == stripe.OLD:
        values.update(payment_intent=payment_intent, charge=charge_id)
    data = stripe.invoice(
        version, invoice_id=invoice_id, metadata={"donation_id": first.public_id}, **values
    )
    return stripe.envelope(version, "invoice.paid", data)


def pay_invoice(
    client: FlaskClient,
    stripe_api: HTTPServer,
    version: str,
    invoice_id: str,
    first: Donation,
    **values: Any,
) -> None:
    """Stripe tells Relais that this month of `first`'s monthly gift is paid."""
    event = invoice_paid(stripe_api, version, invoice_id, first, **values)
    assert post_event(client, event).status_code == 200


@pytest.fixture
def first_month(client: FlaskClient, db_session: Any, stripe_api: HTTPServer) -> Donation:
    """A monthly gift of 15 EUR whose checkout has completed."""
    form = give_form(frequency="monthly", amount="15")
    assert client.post("/donations/", data=form).status_code == 303
    donation = db_session.scalars(select(Donation)).one()
    completed = checkout_event(
        donation=donation,
        mode="subscription",
        subscription="sub_monthly",
        invoice="in_first",
        customer="cus_jeanne",
    )
    assert post_event(client, completed).status_code == 200
    db_session.refresh(donation)
    return donation


@both_shapes
def test_each_paid_invoice_is_one_donation_that_knows_its_payment(
    client: FlaskClient,
    db_session: Any,
    stripe_api: HTTPServer,
    first_month: Donation,
    version: str,
) -> None:
    pay_invoice(
        client, stripe_api, version, "in_first", first_month, billing_reason="subscription_create"
    )
    for month in ("in_feb", "in_mar"):
        pay_invoice(client, stripe_api, version, month, first_month)
    pay_invoice(client, stripe_api, version, "in_mar", first_month)
    donations = db_session.scalars(select(Donation).order_by(Donation.id)).all()
    assert [d.invoice_id for d in donations] == ["in_first", "in_feb", "in_mar"]
    assert [(d.payment_intent_id, d.charge_id) for d in donations] == [
        (f"pi_{invoice}", f"ch_{invoice}") for invoice in ("in_first", "in_feb", "in_mar")
    ]
    assert all(d.status == DonationStatus.PAID for d in donations)
    assert all(d.payment_method == PaymentMethod.CARD for d in donations)
    assert all(d.frequency == Frequency.MONTHLY and d.fund.code == "general" for d in donations)
    assert {d.donor_id for d in donations} == {first_month.donor_id}
    assert count(db_session, Receipt) == 0  # the yearly summary covers them


@both_shapes
def test_a_monthly_sepa_debit_is_recorded_as_sepa(
    client: FlaskClient,
    db_session: Any,
    stripe_api: HTTPServer,
    first_month: Donation,
    version: str,
) -> None:
    pay_invoice(client, stripe_api, version, "in_sepa", first_month, sepa=True)
    assert donation_of(db_session, "in_sepa").payment_method == PaymentMethod.SEPA_DEBIT


def test_a_sepa_only_monthly_gift_says_so_on_its_yearly_receipt(
    client: FlaskClient, db_session: Any, stripe_api: HTTPServer, first_month: Donation
) -> None:
    first_month.payment_method = PaymentMethod.SEPA_DEBIT
    db_session.commit()
    for month in ("in_s1", "in_s2"):
        pay_invoice(client, stripe_api, stripe.NEW, month, first_month, sepa=True)
    (summary,) = receipts.issue_yearly_receipts(db_session, date.today().year, limit=10)
    assert summary.payment_method == PaymentMethod.SEPA_DEBIT


def test_an_invoice_payment_event_gives_the_payment_intent_stripe_had_not_listed_yet(
    client: FlaskClient, db_session: Any, stripe_api: HTTPServer, first_month: Donation
) -> None:
    stripe_api.expect_request(
        "/v1/invoice_payments", query_string={"invoice": "in_late", "status": "paid", "limit": "1"}
    ).respond_with_json(stripe.invoice_payments_list())
    data = stripe.invoice(invoice_id="in_late", metadata={"donation_id": first_month.public_id})
    assert send(client, stripe.NEW, "invoice.paid", data) == 200
    assert donation_of(db_session, "in_late").payment_intent_id is None
    paid = stripe.invoice_payment(invoice_id="in_late", payment_intent="pi_late")
    event = stripe.envelope(stripe.NEW, "invoice_payment.paid", paid)
    assert post_event(client, event).status_code == 200
    assert donation_of(db_session, "in_late").payment_intent_id == "pi_late"
    refund = stripe.charge(amount=1500, refunded=1500, payment_intent="pi_late")
    assert send(client, stripe.NEW, "charge.refunded", refund) == 200
    assert donation_of(db_session, "in_late").status == DonationStatus.REFUNDED


def test_an_invoice_payment_before_its_invoice_is_acknowledged(
    client: FlaskClient, db_session: Any, stripe_api: HTTPServer, first_month: Donation
) -> None:
    paid = stripe.invoice_payment(invoice_id="in_not_yet", payment_intent="pi_not_yet")
    assert send(client, stripe.NEW, "invoice_payment.paid", paid) == 200
    pay_invoice(client, stripe_api, stripe.NEW, "in_not_yet", first_month)
    assert donation_of(db_session, "in_not_yet").payment_intent_id == "pi_in_not_yet"


def test_while_stripe_cannot_be_asked_the_invoice_is_sent_again_later(
    client: FlaskClient, db_session: Any, stripe_api: HTTPServer, first_month: Donation
) -> None:
    stripe_api.expect_request("/v1/invoice_payments").respond_with_data("down", status=503)
    data = stripe.invoice(invoice_id="in_outage", metadata={"donation_id": first_month.public_id})
    event = stripe.envelope(stripe.NEW, "invoice.paid", data)
    assert post_event(client, event).status_code == 503
    assert count(db_session, Donation) == 1 and count(db_session, StripeEvent) == 1
    stripe_api.clear()
    stripe_knows(stripe_api, stripe.NEW, "in_outage")
    assert post_event(client, event).status_code == 200
    assert donation_of(db_session, "in_outage").status == DonationStatus.PAID


@both_shapes
def test_the_first_invoice_may_arrive_before_the_checkout(
    client: FlaskClient, db_session: Any, stripe_api: HTTPServer, version: str
) -> None:
    client.post("/donations/", data=give_form(frequency="monthly", amount="15"))
    donation = db_session.scalars(select(Donation)).one()
    pay_invoice(
        client, stripe_api, version, "in_early", donation, billing_reason="subscription_create"
    )
    completed = checkout_event(
        donation=donation, mode="subscription", subscription="sub_monthly", invoice="in_early"
    )
    assert post_event(client, completed).status_code == 200
    assert count(db_session, Donation) == 1 and count(db_session, MonthlyGift) == 1
    db_session.refresh(donation)
    assert donation.status == DonationStatus.PAID and donation.invoice_id == "in_early"


@both_shapes
def test_a_failed_monthly_payment_is_kept_as_failed_until_a_retry_succeeds(
    client: FlaskClient,
    db_session: Any,
    stripe_api: HTTPServer,
    first_month: Donation,
    version: str,
) -> None:
    failed = stripe.invoice(
        version, invoice_id="in_apr", metadata={"donation_id": first_month.public_id}
    )
    post_event(client, stripe.envelope(version, "invoice.payment_failed", failed))
    assert donation_of(db_session, "in_apr").status == DonationStatus.FAILED
    post_event(client, invoice_paid(stripe_api, version, "in_apr", first_month))
    assert donation_of(db_session, "in_apr").status == DonationStatus.PAID


@both_shapes
def test_a_cancelled_subscription_ends_the_monthly_gift(
    client: FlaskClient, db_session: Any, first_month: Donation, version: str
) -> None:
    deleted = stripe.subscription(version, subscription_id="sub_monthly", status="canceled")
    event = stripe.envelope(version, "customer.subscription.deleted", deleted)
    assert post_event(client, event).status_code == 200
    gift = db_session.scalars(select(MonthlyGift)).one()
    assert not gift.active and gift.ended_at is not None


# --- the donor's email, changed at Stripe ----------------------------------------------


@both_shapes
def test_a_renewal_after_the_email_changed_at_stripe_updates_the_donor(
    client: FlaskClient,
    db_session: Any,
    stripe_api: HTTPServer,
    first_month: Donation,
    version: str,
) -> None:
    pay_invoice(
        client,
        stripe_api,
        version,
        "in_new_email",
        first_month,
        email="Jeanne.Nouvelle@example.org",
    )
    donor = db_session.get(Donor, first_month.donor_id)
    db_session.refresh(donor)
    assert donor.email == "jeanne.nouvelle@example.org"
    assert donation_of(db_session, "in_new_email").donor_id == donor.id
    assert count(db_session, Donor) == 1


@both_shapes
def test_an_email_changed_in_stripes_portal_follows_and_never_takes_another_donors(
    client: FlaskClient, db_session: Any, first_month: Donation, version: str
) -> None:
    other = Donor(email="paul.martin@example.org", name="Paul Martin")
    db_session.add(other)
    db_session.commit()
    taken = stripe.customer(version, customer_id="cus_jeanne", email="paul.martin@example.org")
    assert send(client, version, "customer.updated", taken) == 200
    donor = db_session.get(Donor, first_month.donor_id)
    db_session.refresh(donor)
    assert donor.email == "jeanne.dupont@example.org"
    free = stripe.customer(version, customer_id="cus_jeanne", email="jeanne@example.net")
    assert send(client, version, "customer.updated", free) == 200
    db_session.refresh(donor)
    assert donor.email == "jeanne@example.net"


# --- refunds and disputes of one-off gifts ---------------------------------------------


@pytest.fixture
def paid(client: FlaskClient, db_session: Any) -> Donation:
    client.post("/donations/", data=give_form(amount="100"))
    donation = db_session.scalars(select(Donation)).one()
    completed = checkout_event(donation=donation, payment_intent="pi_refund_me")
    assert post_event(client, completed).status_code == 200
    db_session.refresh(donation)
    return donation


def refunded(version: str, cents: int, payment_intent: str = "pi_refund_me") -> dict[str, Any]:
    charge = stripe.charge(version, charge_id="ch_1", refunded=cents, payment_intent=payment_intent)
    return stripe.envelope(version, "charge.refunded", charge)


@both_shapes
def test_a_full_refund_cancels_the_receipt_and_keeps_its_number(
    client: FlaskClient, db_session: Any, paid: Donation, version: str
) -> None:
    receipt = paid.receipt
    assert post_event(client, refunded(version, 10000)).status_code == 200
    db_session.refresh(paid)
    db_session.refresh(receipt)
    assert paid.status == DonationStatus.REFUNDED and paid.receipt is None
    assert receipt.cancelled and count(db_session, Receipt) == 1
    assert paid.charge_id == "ch_1"


@both_shapes
def test_a_partial_refund_issues_a_new_receipt_for_what_was_kept(
    client: FlaskClient, db_session: Any, paid: Donation, outbox: Outbox, version: str
) -> None:
    old = paid.receipt
    refund = refunded(version, 3000)
    assert post_event(client, refund).status_code == 200
    assert post_event(client, refund).status_code == 200
    db_session.refresh(paid)
    new = paid.receipt
    assert paid.status == DonationStatus.PARTIALLY_REFUNDED and paid.kept_cents == 7000
    assert old.cancelled and new.amount_cents == 7000 and new.replaces_id == old.id
    assert new.number != old.number and count(db_session, Receipt) == 2
    assert new.donor_name == old.donor_name and new.donor_address == old.donor_address
    assert [message["Subject"].split()[-1] for message in outbox()][-1] == new.number


def test_a_second_refund_cancels_the_replacement_too(
    client: FlaskClient, db_session: Any, paid: Donation
) -> None:
    post_event(client, refunded(stripe.NEW, 3000))
    post_event(client, refunded(stripe.NEW, 10000))
    post_event(client, refunded(stripe.NEW, 3000))  # older news, late
    db_session.refresh(paid)
    assert paid.status == DonationStatus.REFUNDED and paid.refunded_cents == 10000
    found = db_session.scalars(select(Receipt)).all()
    assert len(found) == 2 and all(receipt.cancelled for receipt in found)


def test_a_refund_before_its_payment_is_known_is_sent_again_later(
    client: FlaskClient, db_session: Any, stripe_api: HTTPServer
) -> None:
    stripe_api.expect_request("/v1/invoice_payments").respond_with_json(
        stripe.invoice_payments_list()
    )
    refund = refunded(stripe.NEW, 10000, payment_intent="pi_unknown")
    assert post_event(client, refund).status_code == 503
    assert post_event(client, refund).status_code == 503  # its id was not stored


@both_shapes
def test_a_dispute_takes_the_gift_out_of_the_money_in_until_it_is_won(
    client: FlaskClient, db_session: Any, paid: Donation, version: str
) -> None:
    paid.charge_id = "ch_1"
    db_session.commit()
    created = stripe.dispute(version, charge_id="ch_1")  # Stripe's example names no PI
    assert send(client, version, "charge.dispute.created", created) == 200
    db_session.refresh(paid)
    assert paid.status == DonationStatus.DISPUTED and not paid.counts_as_income
    won = stripe.dispute(version, charge_id="ch_1", payment_intent="pi_refund_me", status="won")
    assert send(client, version, "charge.dispute.closed", won) == 200
    db_session.refresh(paid)
    assert paid.status == DonationStatus.PAID and not paid.receipt.cancelled


def test_a_lost_dispute_cancels_the_receipt(
    client: FlaskClient, db_session: Any, stripe_api: HTTPServer, paid: Donation
) -> None:
    stripe_api.expect_request("/v1/charges/ch_unknown_here").respond_with_json(
        stripe.charge(charge_id="ch_unknown_here", payment_intent="pi_refund_me")
    )
    receipt = paid.receipt
    for status, event_type in (
        ("needs_response", "charge.dispute.created"),
        ("lost", "charge.dispute.closed"),
    ):
        dispute = stripe.dispute(charge_id="ch_unknown_here", status=status)
        assert send(client, stripe.NEW, event_type, dispute) == 200
    db_session.refresh(paid)
    db_session.refresh(receipt)
    assert paid.status == DonationStatus.DISPUTE_LOST and receipt.cancelled
    assert paid.charge_id == "ch_unknown_here" and count(db_session, Receipt) == 1


# --- refunds and disputes of monthly payments ------------------------------------------


@pytest.fixture
def three_months(
    client: FlaskClient, db_session: Any, stripe_api: HTTPServer, first_month: Donation
) -> list[Donation]:
    """Three monthly payments of 15 EUR, in the shape after 2025-03-31, and the yearly
    summary that covers them."""
    pay_invoice(
        client,
        stripe_api,
        stripe.NEW,
        "in_first",
        first_month,
        billing_reason="subscription_create",
    )
    for month in ("in_feb", "in_mar"):
        pay_invoice(client, stripe_api, stripe.NEW, month, first_month)
    receipts.issue_yearly_receipts(db_session, date.today().year, limit=10)
    db_session.commit()
    return [donation_of(db_session, invoice) for invoice in ("in_first", "in_feb", "in_mar")]


def yearly_receipts(db_session: Any) -> list[Receipt]:
    db_session.expire_all()
    return db_session.scalars(select(Receipt).order_by(Receipt.id)).all()


@both_shapes
def test_a_refunded_month_leaves_the_yearly_summary_which_is_reissued(
    client: FlaskClient,
    db_session: Any,
    stripe_api: HTTPServer,
    three_months: list[Donation],
    outbox: Outbox,
    version: str,
) -> None:
    (summary,) = yearly_receipts(db_session)
    assert summary.amount_cents == 4500
    charge = stripe.charge(
        version, charge_id="ch_in_feb", amount=1500, refunded=1500, payment_intent="pi_in_feb"
    )
    assert send(client, version, "charge.refunded", charge) == 200
    old, new = yearly_receipts(db_session)
    assert old.cancelled and new.replaces_id == old.id and new.amount_cents == 3000
    assert new.period_start == old.period_start and len(new.donations) == 2
    assert donation_of(db_session, "in_feb").status == DonationStatus.REFUNDED
    assert outbox()[-1]["Subject"].endswith(new.number)


@both_shapes
def test_a_refund_of_a_month_that_never_stored_its_payment_is_found(
    client: FlaskClient,
    db_session: Any,
    stripe_api: HTTPServer,
    three_months: list[Donation],
    version: str,
) -> None:
    """A month recorded before Relais kept PaymentIntents: before 2025-03-31 the charge
    names its invoice; after, Stripe is asked which invoice the PaymentIntent paid."""
    march = three_months[2]
    march.payment_intent_id = march.charge_id = None
    db_session.commit()
    if version == stripe.OLD:
        charge = stripe.charge(
            version, amount=1500, refunded=1500, payment_intent="pi_old", invoice_id="in_mar"
        )
    else:
        stripe_api.expect_request(
            "/v1/invoice_payments",
            query_string={
                "payment[type]": "payment_intent",
                "payment[payment_intent]": "pi_old",
                "limit": "1",
            },
        ).respond_with_json(
            stripe.invoice_payments_list(
                stripe.invoice_payment(invoice_id="in_mar", payment_intent="pi_old")
            )
        )
        charge = stripe.charge(version, amount=1500, refunded=1500, payment_intent="pi_old")
    assert send(client, version, "charge.refunded", charge) == 200
    refunded_month = donation_of(db_session, "in_mar")
    assert refunded_month.status == DonationStatus.REFUNDED
    assert refunded_month.payment_intent_id == "pi_old"
    assert [receipt.amount_cents for receipt in yearly_receipts(db_session)] == [4500, 3000]


@both_shapes
def test_a_disputed_month_leaves_the_summary_only_when_the_dispute_is_lost(
    client: FlaskClient,
    db_session: Any,
    three_months: list[Donation],
    version: str,
) -> None:
    def dispute(event_type: str, invoice: str, status: str) -> int:
        data = stripe.dispute(
            version,
            charge_id=f"ch_{invoice}",
            payment_intent=f"pi_{invoice}",
            amount=1500,
            status=status,
        )
        return send(client, version, event_type, data)

    assert dispute("charge.dispute.created", "in_feb", "needs_response") == 200
    assert dispute("charge.dispute.created", "in_mar", "needs_response") == 200
    assert donation_of(db_session, "in_feb").status == DonationStatus.DISPUTED
    assert len(yearly_receipts(db_session)) == 1  # the outcome is not known yet
    assert dispute("charge.dispute.closed", "in_feb", "won") == 200
    assert donation_of(db_session, "in_feb").status == DonationStatus.PAID
    assert dispute("charge.dispute.closed", "in_mar", "lost") == 200
    assert donation_of(db_session, "in_mar").status == DonationStatus.DISPUTE_LOST
    old, new = yearly_receipts(db_session)
    assert old.cancelled and new.amount_cents == 3000 and not new.cancelled
