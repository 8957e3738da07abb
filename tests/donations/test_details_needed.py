"""No receipt without a name and a postal address: a payment that comes without them
(Stripe's own example checkout has neither) is recorded, its receipt waits unnumbered,
the donor is emailed a link into their area to give them, and the treasurer sees the
wait."""

import re
from collections.abc import Callable
from datetime import date
from email.message import EmailMessage
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pytest_httpserver import HTTPServer
from sqlalchemy import func, select

from app.models import Role, User
from donations import receipts
from donations.models import Donation, DonationStatus, Donor, Receipt, ReceiptCounter
from tests.donations import stripe_events as stripe
from tests.donations.conftest import checkout_event, give_form, post_event

Outbox = Callable[[], list[EmailMessage]]
LINK = re.compile(r"https://relais\.test(/donations/me/sign-in/[\w.\-]+)")
EXAMPLE = "example@example.com"  # the email of Stripe's example checkout
DETAILS = {
    "name": "Camille Petit",
    "address_line1": "12 quai de la Loire",
    "address_line2": "",
    "postcode": "62100",
    "city": "Calais",
    "country": "FR",
}


def count(db_session: Any, model: type) -> int:
    return db_session.scalar(select(func.count()).select_from(model))


def link_in(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    match = LINK.search(body.get_content())
    assert match, body.get_content()
    return match[1]


def payment_link_without_details(version: str = stripe.NEW, **values: Any) -> dict[str, Any]:
    """A payment link that collects no address: Stripe's example checkout, as it is
    (paid, in English)."""
    return checkout_event(
        locale="en", version=version, amount=4000, email=EXAMPLE, name=None, address=None, **values
    )


@pytest.mark.parametrize("version", stripe.VERSIONS)
def test_a_payment_without_name_or_address_is_recorded_and_its_receipt_waits(
    client: FlaskClient, db_session: Any, outbox: Outbox, version: str
) -> None:
    assert post_event(client, payment_link_without_details(version)).status_code == 200
    donation = db_session.scalars(select(Donation)).one()
    assert donation.status == DonationStatus.PAID and donation.amount_cents == 4000
    assert donation.awaiting_details and donation.receipt is None
    assert count(db_session, Receipt) == 0 and count(db_session, ReceiptCounter) == 0
    (message,) = outbox()
    assert message["To"] == EXAMPLE
    assert "name and postal address" in message["Subject"]
    assert link_in(message).startswith("/donations/me/sign-in/")


def test_a_name_without_an_address_is_not_enough(
    client: FlaskClient, db_session: Any, outbox: Outbox
) -> None:
    event = checkout_event(amount=4000, email=EXAMPLE, name="Camille Petit", address=None)
    assert post_event(client, event).status_code == 200
    donation = db_session.scalars(select(Donation)).one()
    assert donation.awaiting_details and count(db_session, Receipt) == 0


def test_the_donor_gives_their_details_and_gets_the_receipt(
    client: FlaskClient, db_session: Any, outbox: Outbox
) -> None:
    assert post_event(client, payment_link_without_details()).status_code == 200
    assert post_event(client, payment_link_without_details()).status_code == 200
    (request,) = outbox()  # asked once for both gifts
    assert client.post(link_in(request)).status_code == 303
    home = client.get("/donations/me/").get_data(as_text=True)
    assert "Your tax receipt waits for your details" in home
    page = client.get("/donations/me/details").get_data(as_text=True)
    assert "2 tax receipts wait for your name and postal address" in page
    response = client.post("/donations/me/details", data=DETAILS)
    assert response.status_code == 303 and response.headers["Location"] == "/donations/me/"
    issued = db_session.scalars(select(Receipt).order_by(Receipt.sequence)).all()
    assert [receipt.donor_name for receipt in issued] == ["Camille Petit"] * 2
    assert issued[0].donor_address == "12 quai de la Loire\n62100 Calais"
    assert not any(d.awaiting_details for d in db_session.scalars(select(Donation)))
    sent = [message["Subject"] for message in outbox()[1:]]
    assert sorted(sent) == sorted(f"Your tax receipt {r.number}" for r in issued)
    donor = db_session.scalars(select(Donor)).one()
    assert donor.name == "Camille Petit" and donor.details_requested_at is None
    assert "Your tax receipt waits" not in client.get("/donations/me/").get_data(as_text=True)


def test_details_without_an_address_are_refused_and_change_nothing(
    client: FlaskClient, db_session: Any, outbox: Outbox
) -> None:
    post_event(client, payment_link_without_details())
    (request,) = outbox()
    client.post(link_in(request))
    response = client.post("/donations/me/details", data={**DETAILS, "city": " "})
    assert response.status_code == 422
    assert "A tax receipt needs your name and postal address." in response.get_data(as_text=True)
    assert count(db_session, Receipt) == 0
    assert db_session.scalars(select(Donor)).one().name == ""


def test_a_donor_changes_their_stored_details_in_their_area(
    client: FlaskClient, db_session: Any, outbox: Outbox
) -> None:
    client.post("/donations/", data=give_form())
    donation = db_session.scalars(select(Donation)).one()
    post_event(client, checkout_event(donation=donation))
    client.post("/donations/me/sign-in", data={"email": "jeanne.dupont@example.org"}, buffered=True)
    client.post(link_in(outbox()[-1]))
    response = client.post("/donations/me/details", data=DETAILS)
    assert response.status_code == 303
    donor = db_session.scalars(select(Donor)).one()
    db_session.refresh(donor)
    assert (donor.name, donor.city) == ("Camille Petit", "Calais")
    (receipt,) = db_session.scalars(select(Receipt)).all()
    assert receipt.donor_name == "Jeanne Dupont"  # issued receipts keep what they print
    assert count(db_session, Receipt) == 1


def test_the_treasurer_sees_the_receipts_waiting_for_details(
    client: FlaskClient,
    db_session: Any,
    login: Callable[[User], FlaskClient],
    make_user: Callable[..., User],
) -> None:
    post_event(client, payment_link_without_details())
    treasurer = login(make_user(Role.TREASURER))
    page = treasurer.get("/donations/manage/waiting-for-details")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert EXAMPLE in text and "40.00" in text.replace(",", ".")
    assert "Receipts waiting for details" in treasurer.get("/donations/manage").get_data(
        as_text=True
    )
    volunteer = login(make_user(Role.VOLUNTEER))
    assert volunteer.get("/donations/manage/waiting-for-details").status_code in (302, 303, 403)


def test_a_monthly_donor_without_address_waits_for_the_yearly_summary(
    app: Flask, client: FlaskClient, db_session: Any, stripe_api: HTTPServer, outbox: Outbox
) -> None:
    event = checkout_event(
        locale="en",
        amount=1500,
        email=EXAMPLE,
        name=None,
        address=None,
        mode="subscription",
        subscription="sub_nameless",
        invoice="in_nameless",
        customer="cus_nameless",
    )
    assert post_event(client, event).status_code == 200
    year = date.today().year
    assert receipts.count_donors_due(db_session, year) == 0
    assert receipts.issue_yearly_receipts(db_session, year, limit=10) == []
    (request,) = outbox()
    client.post(link_in(request))
    assert client.post("/donations/me/details", data=DETAILS).status_code == 303
    assert receipts.count_donors_due(db_session, year) == 1
    (summary,) = receipts.issue_yearly_receipts(db_session, year, limit=10)
    assert summary.donor_name == "Camille Petit" and summary.amount_cents == 1500
