"""The public donation page, the demo gateway, and Stripe Checkout as the library sends it."""

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pytest_httpserver import HTTPServer
from sqlalchemy import func, select
from werkzeug import Request, Response

from donations.models import Donation, DonationStatus, Donor, GiftItem, MonthlyGift, Receipt
from donations.views.giving import masked_email
from tests.donations.conftest import give_form


def count(db_session: Any, model: type) -> int:
    return db_session.scalar(select(func.count()).select_from(model))


def test_the_page_shows_each_gift_and_what_it_costs_after_the_tax_reduction(
    client: FlaskClient, make_gift_item: Callable[..., GiftItem]
) -> None:
    make_gift_item(amount_cents=5000)
    make_gift_item(title_en="A nine-seater minibus", amount_cents=10000, target_cents=600000)
    page = client.get("/donations/").get_data(as_text=True)
    assert "A full tank for the van" in page and "€50.00" in page
    assert "€12.50 after your tax reduction" in page  # 75 % of 50 EUR comes off
    assert "A nine-seater minibus" in page and "<progress" in page


def test_the_page_is_in_french_for_french_browsers(
    client: FlaskClient, make_gift_item: Callable[..., GiftItem]
) -> None:
    make_gift_item()
    page = client.get("/donations/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Un plein pour le van" in page and "50,00\xa0€" in page


def test_the_cost_of_a_free_amount_is_worked_out_as_it_is_typed(client: FlaskClient) -> None:
    answer = client.get("/donations/cost?amount=100", headers={"HX-Request": "true"})
    assert "€25.00" in answer.get_data(as_text=True)
    assert client.get("/donations/cost?amount=abc").get_data(as_text=True).strip() == ""


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("2", "A gift is between 5 and 10 000 euros."),
        ("10000.01", "A gift is between 5 and 10 000 euros."),
        ("fifty", "“fifty” is not an amount in euros."),
        ("50.205", "An amount has at most two decimals."),
        ("-50", "“-50” is not an amount in euros."),
        ("", "“” is not an amount in euros."),
    ],
)
def test_a_wrong_amount_is_refused_and_nothing_is_stored(
    client: FlaskClient, db_session: Any, typed: str, message: str
) -> None:
    response = client.post("/donations/", data=give_form(amount=typed))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count(db_session, Donation) == 0 and count(db_session, Donor) == 0


def tag(page: str, element_id: str) -> str:
    """The opening tag of the element with this id."""
    match = re.search(rf'<[a-z]+ [^>]*id="{element_id}"[^>]*>', page)
    assert match, element_id
    return match.group(0)


def test_a_refused_gift_lands_on_a_summary_of_what_to_correct(client: FlaskClient) -> None:
    page = client.post("/donations/", data=give_form(amount="fifty")).get_data(as_text=True)
    summary = re.search(r'<form [^>]*id="give-form"[^>]*>\s*(<div [^>]*error-summary[^>]*>)', page)
    assert summary, "the summary is the first thing in the form"
    assert 'role="alert"' in summary.group(1) and 'tabindex="-1"' in summary.group(1)
    assert "autofocus" in summary.group(1)
    assert '<a href="#amount">Amount in euros: “fifty” is not an amount in euros.</a>' in page
    amount = tag(page, "amount")
    assert 'aria-invalid="true"' in amount and 'aria-describedby="amount-error"' in amount
    assert '<p class="field-error" id="amount-error">“fifty” is not an amount in euros.</p>' in page
    assert "aria-invalid" not in tag(page, "email")


def test_an_error_on_a_contact_field_is_beside_it(client: FlaskClient) -> None:
    page = client.post("/donations/", data=give_form(email="jeanne")).get_data(as_text=True)
    email = tag(page, "email")
    assert 'aria-invalid="true"' in email and 'aria-describedby="email-error"' in email
    assert '<p class="field-error" id="email-error">Please give a valid email address.</p>' in page
    assert '<a href="#email">Email: Please give a valid email address.</a>' in page


def test_the_required_fields_say_so(client: FlaskClient) -> None:
    page = client.get("/donations/").get_data(as_text=True)
    assert "error-summary" not in page
    marker = '<span class="required" aria-hidden="true">(required)</span>'
    for name, label in [
        ("email", "Email"),
        ("name", "First name and surname"),
        ("address_line1", "Address"),
        ("postcode", "Postcode"),
        ("city", "City"),
    ]:
        assert " required " in tag(page, name), name
        assert f"<label>{label} {marker} {tag(page, name)}" in page, name
    for name in ("address_line2", "amount"):
        assert " required " not in tag(page, name), name
    french = client.get("/donations/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "(obligatoire)" in french


def test_an_unknown_gift_item_is_refused(client: FlaskClient, db_session: Any) -> None:
    response = client.post("/donations/", data=give_form(gift_item="a-yacht"))
    assert response.status_code == 404
    assert "This gift is not offered any more." in response.get_data(as_text=True)
    assert count(db_session, Donation) == 0


def test_a_receipt_needs_a_name_and_an_address(client: FlaskClient, db_session: Any) -> None:
    response = client.post("/donations/", data=give_form(address_line1=""))
    assert response.status_code == 422
    assert "A tax receipt needs your name and postal address." in response.get_data(as_text=True)
    assert count(db_session, Donation) == 0
    no_receipt = give_form(name="", address_line1="", postcode="", city="", no_receipt="y")
    assert client.post("/donations/", data=no_receipt).status_code == 303


def test_a_bad_email_is_refused(client: FlaskClient, db_session: Any) -> None:
    response = client.post("/donations/", data=give_form(email="jeanne"))
    assert response.status_code == 422
    assert "Please give a valid email address." in response.get_data(as_text=True)


def pay_in_demo(client: FlaskClient, form: dict[str, str]) -> str:
    """Give through the page and the demo gateway; returns the thank-you page's path."""
    started = client.post("/donations/", data=form)
    assert started.status_code == 303, started.get_data(as_text=True)
    checkout = started.headers["Location"]
    assert checkout.startswith("/donations/demo-checkout/")
    assert "No money moves" in client.get(checkout).get_data(as_text=True)
    paid = client.post(checkout, data={"outcome": "pay"})
    assert paid.status_code == 303
    return paid.headers["Location"]


def test_a_gift_through_the_demo_gateway_is_paid_and_its_receipt_emailed(
    client: FlaskClient,
    db_session: Any,
    make_gift_item: Callable[..., GiftItem],
    outbox: Callable[[], list[EmailMessage]],
) -> None:
    item = make_gift_item()
    thanks = pay_in_demo(client, give_form(gift_item=item.slug, amount=""))
    donation = db_session.scalars(select(Donation)).one()
    assert donation.status == DonationStatus.PAID and donation.amount_cents == 5000
    assert donation.fund.code == "fuel" and donation.donor.email == "jeanne.dupont@example.org"
    receipt = donation.receipt
    assert receipt.amount_cents == 5000 and receipt.donor_name == "Jeanne Dupont"
    assert receipt.donor_address == "3 rue des Lilas\n59000 Lille"
    page = client.get(thanks).get_data(as_text=True)
    assert f"Your tax receipt {receipt.number} is on its way to j•••@e•••.org" in page
    assert "jeanne.dupont@example.org" not in page
    (message,) = outbox()
    assert message["To"] == "Jeanne.Dupont@example.org".lower()
    assert receipt.number in message["Subject"]
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == f"recu-fiscal-{receipt.number}.pdf"
    assert attachment.get_content().startswith(b"%PDF")
    download = client.get(f"{thanks}/receipt.pdf")
    assert download.status_code == 200 and download.mimetype == "application/pdf"


@pytest.mark.parametrize(
    ("email", "masked"),
    [
        ("claire@example.org", "c•••@e•••.org"),
        ("a@mail.example.co.uk", "a•••@m•••.uk"),
        ("x@localhost", "x•••@l•••"),
        ("", "•••"),
    ],
)
def test_the_thank_you_page_masks_the_email(email: str, masked: str) -> None:
    assert masked_email(email) == masked


def set_times(db_session: Any, *, created: int, paid: int) -> None:
    """Moves the one donation's creation and payment this many hours into the past."""
    donation = db_session.scalars(select(Donation)).one()
    now = datetime.now(UTC)
    donation.created_at = now - timedelta(hours=created)
    donation.paid_at = now - timedelta(hours=paid)
    db_session.commit()


@pytest.mark.parametrize(
    ("created", "paid", "status"),
    [(23, 23, 200), (25, 25, 410), (72, 23, 200)],
    ids=["23 hours", "25 hours", "a debit paid three days after the gift"],
)
def test_the_thank_you_page_and_its_receipt_close_a_day_after_the_gift(
    client: FlaskClient, db_session: Any, created: int, paid: int, status: int
) -> None:
    thanks = pay_in_demo(client, give_form())
    number = db_session.scalars(select(Receipt)).one().number
    set_times(db_session, created=created, paid=paid)
    page = client.get(thanks)
    download = client.get(f"{thanks}/receipt.pdf")
    assert page.status_code == status and download.status_code == status
    assert page.headers["Cache-Control"] == "private, no-store"
    assert download.headers["Cache-Control"] == "private, no-store"
    text = page.get_data(as_text=True)
    if status == 410:
        assert "This page has expired" in text and "emailed to you" in text
        assert number not in text and "j•••" not in text
        assert "This page has expired" in download.get_data(as_text=True)
    else:
        assert number in text and download.data.startswith(b"%PDF")


def test_paying_twice_in_the_demo_gives_one_receipt(
    client: FlaskClient, db_session: Any, outbox: Callable[[], list[EmailMessage]]
) -> None:
    started = client.post("/donations/", data=give_form())
    checkout = started.headers["Location"]
    client.post(checkout, data={"outcome": "pay"})
    client.post(checkout, data={"outcome": "pay"})
    assert count(db_session, Receipt) == 1 and len(outbox()) == 1


def test_a_declined_demo_payment_stores_no_receipt(client: FlaskClient, db_session: Any) -> None:
    started = client.post("/donations/", data=give_form())
    declined = client.post(started.headers["Location"], data={"outcome": "decline"})
    assert declined.headers["Location"].startswith("/donations/cancelled/")
    assert db_session.scalars(select(Donation)).one().status == DonationStatus.FAILED
    assert count(db_session, Receipt) == 0


def test_a_monthly_donor_gets_a_yearly_summary_instead(
    client: FlaskClient, db_session: Any, outbox: Callable[[], list[EmailMessage]]
) -> None:
    thanks = pay_in_demo(client, give_form(frequency="monthly", amount="15"))
    assert count(db_session, Receipt) == 0 and outbox() == []
    gift = db_session.scalars(select(MonthlyGift)).one()
    assert gift.active and gift.amount_cents == 1500 and gift.donor.name == "Jeanne Dupont"
    assert "one tax receipt for all of this year" in client.get(thanks).get_data(as_text=True)


def test_no_receipt_when_the_donor_wants_none(
    client: FlaskClient, db_session: Any, outbox: Callable[[], list[EmailMessage]]
) -> None:
    pay_in_demo(client, give_form(no_receipt="y"))
    assert db_session.scalars(select(Donation)).one().status == DonationStatus.PAID
    assert count(db_session, Receipt) == 0 and outbox() == []


def test_the_demo_gateway_is_closed_when_stripe_is_configured(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = client.post("/donations/", data=give_form())
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "sk_test_x")
    assert client.post(started.headers["Location"], data={"outcome": "pay"}).status_code == 404


# --- Stripe Checkout, at the HTTP level -----------------------------------------------


@pytest.fixture
def stripe_server(
    app: Flask, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> HTTPServer:
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "sk_test_relais")
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", httpserver.url_for("").rstrip("/"))
    return httpserver


def answer_with_session(request: Request) -> Response:
    session = {
        "id": "cs_test_a1b2c3",
        "object": "checkout.session",
        "url": "https://checkout.stripe.com/c/pay/cs_test_a1b2c3",
        "mode": request.form["mode"],
        "amount_total": int(request.form["line_items[0][price_data][unit_amount]"]),
        "currency": "eur",
        "payment_status": "unpaid",
        "metadata": {"donation_id": request.form["metadata[donation_id]"]},
    }
    return Response(json.dumps(session), content_type="application/json")


def test_a_one_off_gift_opens_a_stripe_checkout_in_payment_mode(
    client: FlaskClient, db_session: Any, stripe_server: HTTPServer
) -> None:
    stripe_server.expect_oneshot_request(
        "/v1/checkout/sessions", method="POST"
    ).respond_with_handler(answer_with_session)
    response = client.post("/donations/", data=give_form(amount="50,20"))
    assert response.status_code == 303
    assert response.headers["Location"] == "https://checkout.stripe.com/c/pay/cs_test_a1b2c3"
    ((request, _answer),) = stripe_server.log
    sent = request.form
    donation = db_session.scalars(select(Donation)).one()
    assert request.headers["Authorization"] == "Bearer sk_test_relais"
    assert request.headers["Idempotency-Key"] == f"checkout-{donation.public_id}"
    assert sent["mode"] == "payment" and sent["submit_type"] == "donate"
    assert sent["line_items[0][price_data][currency]"] == "eur"
    assert sent["line_items[0][price_data][unit_amount]"] == "5020"
    assert sent["billing_address_collection"] == "required"
    assert sent["metadata[donation_id]"] == donation.public_id
    assert sent["payment_intent_data[metadata][donation_id]"] == donation.public_id
    assert sent["customer_email"] == "jeanne.dupont@example.org"
    assert sent["success_url"] == f"https://relais.test/donations/thanks/{donation.public_id}"
    assert donation.checkout_session_id == "cs_test_a1b2c3"
    assert donation.status == DonationStatus.PENDING


def test_a_monthly_gift_opens_a_subscription_with_a_monthly_price(
    client: FlaskClient, db_session: Any, stripe_server: HTTPServer
) -> None:
    stripe_server.expect_oneshot_request(
        "/v1/checkout/sessions", method="POST"
    ).respond_with_handler(answer_with_session)
    assert client.post("/donations/", data=give_form(frequency="monthly")).status_code == 303
    ((request, _answer),) = stripe_server.log
    sent = request.form
    assert sent["mode"] == "subscription" and "submit_type" not in sent
    assert sent["line_items[0][price_data][recurring][interval]"] == "month"
    assert sent["subscription_data[metadata][donation_id]"] == sent["metadata[donation_id]"]


def test_when_stripe_fails_the_donor_is_told_and_nothing_is_stored(
    client: FlaskClient, db_session: Any, stripe_server: HTTPServer
) -> None:
    error = {"error": {"type": "api_error", "message": "Something went wrong"}}
    stripe_server.expect_request("/v1/checkout/sessions", method="POST").respond_with_json(
        error, status=500
    )
    response = client.post("/donations/", data=give_form())
    assert response.status_code == 502
    assert "cannot be reached just now" in response.get_data(as_text=True)
    assert count(db_session, Donation) == 0
