"""The donor area: signing in with a one-time link from the outbox, gifts and receipts,
the monthly gift (Stripe's portal through a local stand-in, or the demo), the receipt
preference, the export and erasure."""

import io
import json
import re
import time
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pypdfium2
import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import TimestampSigner
from pytest_httpserver import HTTPServer
from sqlalchemy import func, select
from werkzeug import Request, Response

from app import create_app
from app.clock import utcnow
from app.extensions import limiter
from donations import services
from donations.models import (
    Donation,
    Donor,
    Frequency,
    Gateway,
    MonthlyGift,
    PaymentMethod,
    Receipt,
)
from donations.services import donors
from tests.conftest import config_for_tests, forget_previous_request
from tests.donations.conftest import checkout_event, give_form, post_event
from tests.donations.test_giving import pay_in_demo

AREA = "/donations/me/"
SIGN_IN = "/donations/me/sign-in"
JEANNE = "jeanne.dupont@example.org"
PAUL = "paul.martin@example.org"
LINK = re.compile(r"https://relais\.test(/donations/me/sign-in/[\w.\-]+)")

Outbox = Callable[[], list[EmailMessage]]


def count(db_session: Any, model: type) -> int:
    return db_session.scalar(select(func.count()).select_from(model))


def donor(db_session: Any, email: str) -> Donor:
    return db_session.scalars(select(Donor).where(Donor.email == email)).one()


def links_sent(outbox: Outbox, to: str) -> list[str]:
    """The sign-in links mailed to `to`, oldest first (receipts go to the outbox too)."""
    found = []
    for message in outbox():
        body = message.get_body(("plain",))
        match = LINK.search(body.get_content()) if body and message["To"] == to else None
        if match:
            found.append(match[1])
    return found


def ask_for_link(client: FlaskClient, outbox: Outbox, email: str) -> str:
    response = client.post(SIGN_IN, data={"email": email}, buffered=True)
    assert response.status_code == 303 and response.headers["Location"] == f"{SIGN_IN}/sent"
    return links_sent(outbox, email.strip().lower())[-1]


def sign_in(client: FlaskClient, outbox: Outbox, email: str = JEANNE) -> FlaskClient:
    link = ask_for_link(client, outbox, email)
    response = client.post(link)
    assert response.status_code == 303 and response.headers["Location"] == AREA
    return client


def receipts_of(db_session: Any, donor: Donor) -> list[Receipt]:
    return list(db_session.scalars(select(Receipt).where(Receipt.donor_id == donor.id)))


def pdf_text(pdf: bytes) -> str:
    document = pypdfium2.PdfDocument(io.BytesIO(pdf))
    return "\n".join(page.get_textpage().get_text_range() for page in document)


@pytest.fixture
def jeanne(client: FlaskClient, db_session: Any) -> Donor:
    """A donor who gave 50 EUR once, through the page and the demo gateway."""
    pay_in_demo(client, give_form(email="Jeanne.Dupont@example.org"))
    return donor(db_session, JEANNE)


@pytest.fixture
def paul(app: Flask, db_session: Any) -> Donor:
    """Another donor, who gave 30 EUR from another browser."""
    form = give_form(email=PAUL, name="Paul Martin", amount="30", city="Arras")
    pay_in_demo(app.test_client(), form)
    return donor(db_session, PAUL)


def start_monthly_gift(
    client: FlaskClient, db_session: Any, *, customer: str, email: str = JEANNE
) -> MonthlyGift:
    """A monthly gift of 15 EUR started through the page and Stripe's checkout event."""
    form = give_form(frequency="monthly", amount="15", email=email)
    assert client.post("/donations/", data=form).status_code == 303
    donation = db_session.scalars(select(Donation).order_by(Donation.id.desc())).first()
    completed = checkout_event(
        donation=donation,
        mode="subscription",
        subscription=f"sub_{customer}",
        invoice=f"in_{customer}",
        customer=customer,
    )
    assert post_event(client, completed).status_code == 200
    return db_session.scalars(
        select(MonthlyGift).where(MonthlyGift.stripe_subscription_id == f"sub_{customer}")
    ).one()


# --- signing in -----------------------------------------------------------------------


def test_the_full_sign_in_with_a_link_from_the_outbox(
    client: FlaskClient, db_session: Any, jeanne: Donor, outbox: Outbox
) -> None:
    assert client.get(AREA).headers["Location"] == SIGN_IN
    page = client.get(SIGN_IN).get_data(as_text=True)
    assert "we send you a link to sign in" in page and 'type="email"' in page

    sent = client.post(SIGN_IN, data={"email": "  Jeanne.Dupont@Example.org "}, buffered=True)
    assert sent.status_code == 303
    assert "a link to sign in is on its way" in client.get(sent.headers["Location"]).get_data(
        as_text=True
    )
    (message,) = [m for m in outbox() if "link" in m["Subject"]]
    assert message["To"] == JEANNE
    assert "It works once, within 30 minutes" in message.get_content()
    (link,) = links_sent(outbox, JEANNE)

    # Opening the link (or a mail scanner fetching it) only shows a button.
    opened = client.get(link)
    assert opened.status_code == 200 and "<button" in opened.get_data(as_text=True)
    assert client.get(AREA).status_code == 303

    signed_in = client.post(link)
    assert signed_in.status_code == 303 and signed_in.headers["Location"] == AREA
    home = client.get(AREA)
    assert home.status_code == 200 and home.headers["Cache-Control"] == "private, no-store"
    page = home.get_data(as_text=True)
    assert f"Signed in as {JEANNE}" in page
    assert "€50.00" in page and "Paid" in page and "Once" in page
    (receipt_number,) = [r.number for r in receipts_of(db_session, jeanne)]
    assert receipt_number in page
    assert client.get(SIGN_IN).headers["Location"] == AREA  # already signed in

    signed_out = client.post("/donations/me/sign-out")
    assert signed_out.headers["Location"] == SIGN_IN
    assert client.get(AREA).headers["Location"] == SIGN_IN


def test_a_used_link_is_refused_with_a_way_to_get_a_new_one(
    app: Flask, client: FlaskClient, jeanne: Donor, outbox: Outbox
) -> None:
    link = ask_for_link(client, outbox, JEANNE)
    assert client.post(link).status_code == 303
    other_browser = app.test_client()
    for answer in (other_browser.get(link), other_browser.post(link)):
        assert answer.status_code == 410
        page = answer.get_data(as_text=True)
        assert "This sign-in link was already used" in page
        assert f'href="{SIGN_IN}"' in page and "Get a new link" in page
    assert other_browser.get(AREA).headers["Location"] == SIGN_IN


def test_only_the_latest_link_works(client: FlaskClient, jeanne: Donor, outbox: Outbox) -> None:
    first = ask_for_link(client, outbox, JEANNE)
    second = ask_for_link(client, outbox, JEANNE)
    assert first != second
    assert client.post(first).status_code == 410
    assert client.post(second).status_code == 303
    assert client.get(AREA).status_code == 200


def test_a_link_older_than_30_minutes_is_refused(
    client: FlaskClient, jeanne: Donor, outbox: Outbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as past:
        past.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 31 * 60)
        link = ask_for_link(client, outbox, JEANNE)
    for answer in (client.get(link), client.post(link)):
        assert answer.status_code == 410
        assert "This sign-in link has expired" in answer.get_data(as_text=True)
    assert client.get(AREA).headers["Location"] == SIGN_IN


def test_a_link_made_29_minutes_ago_still_works(
    client: FlaskClient, jeanne: Donor, outbox: Outbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as past:
        past.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 29 * 60)
        link = ask_for_link(client, outbox, JEANNE)
    assert client.post(link).status_code == 303


def test_a_tampered_link_is_refused(client: FlaskClient, jeanne: Donor, outbox: Outbox) -> None:
    link = ask_for_link(client, outbox, JEANNE)
    answer = client.post(link[:-3] + ("aaa" if not link.endswith("aaa") else "bbb"))
    assert answer.status_code == 404
    assert "This sign-in link is not valid" in answer.get_data(as_text=True)
    assert client.get(AREA).headers["Location"] == SIGN_IN


def test_an_unknown_address_gets_the_same_answer_and_no_mail(
    client: FlaskClient, jeanne: Donor, outbox: Outbox
) -> None:
    known = client.post(SIGN_IN, data={"email": JEANNE}, buffered=True)
    unknown = client.post(SIGN_IN, data={"email": "nobody@example.org"}, buffered=True)
    assert (unknown.status_code, unknown.headers["Location"]) == (
        known.status_code,
        known.headers["Location"],
    )
    assert unknown.get_data() == known.get_data()
    assert [m["To"] for m in outbox() if "link" in m["Subject"]] == [JEANNE]


def test_the_answer_leaves_before_the_donor_is_looked_up(
    client: FlaskClient, jeanne: Donor, outbox: Outbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    looked_up: list[str] = []
    find = donors.find_donor_by_email
    monkeypatch.setattr(
        donors, "find_donor_by_email", lambda s, email: looked_up.append(email) or find(s, email)
    )
    for email in ("nobody@example.org", JEANNE):
        answer = client.post(SIGN_IN, data={"email": email})
        assert answer.status_code == 303 and looked_up == [] and links_sent(outbox, JEANNE) == []
        answer.close()  # as a server does once the answer is sent
        assert looked_up == [email]
        looked_up.clear()
    assert len(links_sent(outbox, JEANNE)) == 1


def test_an_empty_address_is_asked_again(client: FlaskClient, outbox: Outbox) -> None:
    answer = client.post(SIGN_IN, data={"email": ""})
    assert answer.status_code == 422 and "field-error" in answer.get_data(as_text=True)
    assert outbox() == []


def test_sign_in_links_are_rate_limited_per_address_and_per_browser(
    db_url: str, tmp_path: Path, db_session: Any, jeanne: Donor
) -> None:
    strict = create_app(config_for_tests(db_url, tmp_path, RATELIMIT_ENABLED=True))
    strict.before_request_funcs.setdefault(None, []).insert(0, forget_previous_request)
    client = strict.test_client()

    strict.config.update(
        DONOR_LINK_RATE_LIMIT="100 per hour", DONOR_LINK_ADDRESS_RATE_LIMIT="2/hour"
    )
    statuses = [client.post(SIGN_IN, data={"email": JEANNE}).status_code for _ in range(3)]
    assert statuses == [303, 303, 429]
    assert "Too many attempts" in client.post(SIGN_IN, data={"email": JEANNE}).get_data(
        as_text=True
    )
    assert client.post(SIGN_IN, data={"email": "other@example.org"}).status_code == 303

    limiter.reset()
    strict.config.update(DONOR_LINK_RATE_LIMIT="2 per hour", DONOR_LINK_ADDRESS_RATE_LIMIT="9/hour")
    emails = ["a@example.org", "b@example.org", "c@example.org"]
    statuses = [client.post(SIGN_IN, data={"email": email}).status_code for email in emails]
    assert statuses == [303, 303, 429]
    assert client.get(SIGN_IN).status_code == 200  # only asking for links is limited


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", AREA),
        ("GET", "/donations/me/receipts/2026-000001.pdf"),
        ("POST", "/donations/me/receipts"),
        ("POST", "/donations/me/monthly"),
        ("GET", "/donations/me/monthly/demo"),
        ("POST", "/donations/me/monthly/demo"),
        ("GET", "/donations/me/export.json"),
        ("GET", "/donations/me/forget"),
        ("POST", "/donations/me/forget"),
    ],
)
def test_every_page_of_the_area_asks_to_sign_in_first(
    client: FlaskClient, method: str, path: str
) -> None:
    answer = client.open(path, method=method, data={})
    assert answer.status_code == 303 and answer.headers["Location"] == SIGN_IN


def test_a_staff_sign_in_is_not_a_donor_sign_in(
    login: Callable[[Any], FlaskClient], admin: Any
) -> None:
    assert login(admin).get(AREA).headers["Location"] == SIGN_IN


# --- gifts and receipts ---------------------------------------------------------------


def test_a_receipt_downloads_as_a_duplicate(
    client: FlaskClient, db_session: Any, jeanne: Donor, outbox: Outbox
) -> None:
    (receipt,) = receipts_of(db_session, jeanne)
    sign_in(client, outbox)
    download = client.get(f"/donations/me/receipts/{receipt.number}.pdf")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert download.headers["Cache-Control"] == "private, no-store"
    text = pdf_text(download.get_data())
    assert "DUPLICATA" in text and receipt.number in text


def test_a_donor_cannot_download_another_donors_receipt(
    client: FlaskClient, db_session: Any, jeanne: Donor, paul: Donor, outbox: Outbox
) -> None:
    (pauls,) = receipts_of(db_session, paul)
    sign_in(client, outbox)
    page = client.get(AREA).get_data(as_text=True)
    assert pauls.number not in page and "€30.00" not in page
    answer = client.get(f"/donations/me/receipts/{pauls.number}.pdf")
    assert answer.status_code == 404
    assert "You have no receipt with this number." in answer.get_data(as_text=True)
    assert client.get("/donations/me/receipts/2099-999999.pdf").status_code == 404


def test_gifts_are_paginated(client: FlaskClient, db_session: Any, outbox: Outbox) -> None:
    for cents in range(1000, 1000 + 25 * 100, 100):  # 25 gifts of 10.00 to 34.00 EUR
        request = services.GiftRequest(
            gift_item_slug=None,
            amount=f"{cents // 100}",
            frequency=Frequency.ONCE,
            contact=services.Contact(email=JEANNE),
            wants_receipt=False,
            show_name=False,
            consent_contact=False,
            locale="en",
        )
        donation = services.start_donation(
            db_session, request, gateway=Gateway.DEMO, minimum=500, maximum=1_000_000
        )
        payment = services.Payment(paid_at=utcnow(), method=PaymentMethod.CARD)
        services.fulfil_donation(db_session, donation, payment)
        db_session.commit()
    sign_in(client, outbox)
    first = client.get(AREA).get_data(as_text=True)
    assert "Page 1 of 2" in first and "€34.00" in first and "€14.00" not in first
    assert "No tax receipt yet." in first
    second = client.get(f"{AREA}?page=2").get_data(as_text=True)
    assert "Page 2 of 2" in second and "€14.00" in second and "€34.00" not in second
    assert second.count("<tr>") == 1 + 5  # the header and five gifts


# --- the monthly gift -----------------------------------------------------------------


@pytest.fixture
def stripe_api(app: Flask, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> HTTPServer:
    """A local stand-in for Stripe's API, used from here on."""
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "sk_test_relais")
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", httpserver.url_for("").rstrip("/"))
    return httpserver


def answer_with_portal(request: Request) -> Response:
    session = {
        "id": "bps_test_1",
        "object": "billing_portal.session",
        "customer": request.form["customer"],
        "return_url": request.form["return_url"],
        "url": "https://billing.stripe.com/p/session/test_portal",
    }
    return Response(json.dumps(session), content_type="application/json")


def test_the_monthly_gift_opens_stripes_portal_for_the_donors_customer(
    client: FlaskClient, db_session: Any, outbox: Outbox, httpserver: HTTPServer, app: Flask
) -> None:
    start_monthly_gift(client, db_session, customer="cus_jeanne")
    assert donor(db_session, JEANNE).stripe_customer_id == "cus_jeanne"
    sign_in(client, outbox)
    page = client.get(AREA).get_data(as_text=True)
    assert "Change or stop my monthly gift" in page and "€15.00 a month" in page

    with pytest.MonkeyPatch.context() as stripe:
        stripe.setitem(app.config, "STRIPE_SECRET_KEY", "sk_test_relais")
        stripe.setitem(app.config, "STRIPE_API_BASE", httpserver.url_for("").rstrip("/"))
        httpserver.expect_oneshot_request(
            "/v1/billing_portal/sessions", method="POST"
        ).respond_with_handler(answer_with_portal)
        answer = client.post("/donations/me/monthly")
    assert answer.status_code == 303
    assert answer.headers["Location"] == "https://billing.stripe.com/p/session/test_portal"
    ((request, _response),) = httpserver.log
    assert request.headers["Authorization"] == "Bearer sk_test_relais"
    assert request.form["customer"] == "cus_jeanne"
    assert request.form["return_url"] == "https://relais.test/donations/me/"


def test_when_stripe_fails_the_donor_is_told(
    client: FlaskClient, db_session: Any, outbox: Outbox, stripe_api: HTTPServer
) -> None:
    jeanne = Donor(email=JEANNE, name="Jeanne Dupont", stripe_customer_id="cus_down")
    db_session.add(jeanne)
    db_session.commit()
    error = {"error": {"type": "api_error", "message": "Something went wrong"}}
    stripe_api.expect_request("/v1/billing_portal/sessions", method="POST").respond_with_json(
        error, status=500
    )
    sign_in(client, outbox)
    answer = client.post("/donations/me/monthly")
    assert answer.status_code == 502
    assert "cannot be reached just now" in answer.get_data(as_text=True)


def test_without_a_stripe_customer_there_is_no_portal_to_open(
    client: FlaskClient, jeanne: Donor, outbox: Outbox, stripe_api: HTTPServer
) -> None:
    sign_in(client, outbox)
    answer = client.post("/donations/me/monthly")
    assert answer.status_code == 409
    assert "Write to us" in answer.get_data(as_text=True)
    assert stripe_api.log == []


def test_in_the_demo_the_monthly_gift_is_stopped_in_relais_only(
    app: Flask, client: FlaskClient, db_session: Any, outbox: Outbox, paul: Donor
) -> None:
    gift = start_monthly_gift(client, db_session, customer="cus_demo")
    pauls_gift = start_monthly_gift(app.test_client(), db_session, customer="cus_paul", email=PAUL)
    assert pauls_gift.donor_id == paul.id
    sign_in(client, outbox)
    answer = client.post("/donations/me/monthly")
    assert answer.status_code == 303 and answer.headers["Location"] == "/donations/me/monthly/demo"
    page = client.get("/donations/me/monthly/demo").get_data(as_text=True)
    assert "Demo" in page and "there is no payment service" in page
    assert "Stop this monthly gift (demo)" in page

    refused = client.post("/donations/me/monthly/demo", data={"gift_id": str(pauls_gift.id)})
    assert refused.status_code == 404
    db_session.refresh(pauls_gift)
    assert pauls_gift.active

    stopped = client.post("/donations/me/monthly/demo", data={"gift_id": str(gift.id)})
    assert stopped.status_code == 303
    db_session.refresh(gift)
    assert not gift.active and gift.ended_at is not None
    home = client.get(AREA).get_data(as_text=True)
    assert "Your monthly gift is stopped (demo" in home
    assert "Change or stop my monthly gift" not in home


def test_the_demo_page_is_closed_when_stripe_is_configured(
    client: FlaskClient, db_session: Any, outbox: Outbox, stripe_api: HTTPServer
) -> None:
    db_session.add(Donor(email=JEANNE, name="Jeanne Dupont"))
    db_session.commit()
    sign_in(client, outbox)
    assert client.get("/donations/me/monthly/demo").headers["Location"] == AREA


def checked_choice(page: str) -> str | None:
    match = re.search(r'<input checked [^>]*name="receipts"[^>]*value="(\w+)"', page)
    return match[1] if match else None


def test_a_monthly_donor_chooses_a_receipt_per_payment(
    client: FlaskClient, db_session: Any, outbox: Outbox
) -> None:
    start_monthly_gift(client, db_session, customer="cus_pref")
    jeanne = donor(db_session, JEANNE)
    assert jeanne.yearly_receipt
    sign_in(client, outbox)
    page = client.get(AREA).get_data(as_text=True)
    assert "One receipt a year" in page and checked_choice(page) == "yearly"
    saved = client.post("/donations/me/receipts", data={"receipts": "each"})
    assert saved.status_code == 303
    db_session.refresh(jeanne)
    assert not jeanne.yearly_receipt
    page = client.get(AREA).get_data(as_text=True)
    assert "Your choice is saved" in page and checked_choice(page) == "each"
    assert client.post("/donations/me/receipts", data={"receipts": "never"}).status_code == 303
    db_session.refresh(jeanne)
    assert not jeanne.yearly_receipt


def test_a_donor_who_gave_once_is_not_asked_about_monthly_receipts(
    client: FlaskClient, jeanne: Donor, outbox: Outbox
) -> None:
    sign_in(client, outbox)
    page = client.get(AREA).get_data(as_text=True)
    assert "One receipt a year" not in page and "Change or stop" not in page


# --- the donor's data -----------------------------------------------------------------


def test_the_export_holds_everything_stored_about_the_donor(
    client: FlaskClient, db_session: Any, jeanne: Donor, paul: Donor, outbox: Outbox
) -> None:
    (receipt,) = receipts_of(db_session, jeanne)
    sign_in(client, outbox)
    answer = client.get("/donations/me/export.json")
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    assert answer.headers["Content-Disposition"].startswith("attachment;")
    data = answer.get_json()
    assert data["donor"]["email"] == JEANNE and data["donor"]["name"] == "Jeanne Dupont"
    assert data["donor"]["address_line1"] == "3 rue des Lilas"
    assert data["donor"]["city"] == "Lille" and data["donor"]["yearly_receipt"] is True
    (donation,) = data["donations"]
    assert donation["amount_cents"] == 5000 and donation["status"] == "paid"
    assert donation["contact"]["name"] == "Jeanne Dupont"
    assert donation["receipt"] == receipt.number
    (exported,) = data["receipts"]
    assert exported["number"] == receipt.number and exported["amount_cents"] == 5000
    assert exported["issued_at"] and exported["cancelled_at"] is None
    assert data["monthly_gifts"] == []
    assert "Paul" not in answer.get_data(as_text=True)
    assert "sign_in_nonce" not in answer.get_data(as_text=True)


def test_forget_me_erases_the_donor_and_keeps_the_receipt(
    app: Flask, client: FlaskClient, db_session: Any, jeanne: Donor, outbox: Outbox
) -> None:
    (receipt,) = receipts_of(db_session, jeanne)
    sign_in(client, outbox)
    phone = sign_in(app.test_client(), outbox)  # signed in on a second device too
    confirm = client.get("/donations/me/forget").get_data(as_text=True)
    assert "six years" in confirm and "Erase my personal data" in confirm

    erased = client.post("/donations/me/forget")
    assert erased.status_code == 303 and erased.headers["Location"] == "/"
    db_session.refresh(jeanne)
    assert jeanne.erased_at is not None and jeanne.email is None
    assert (jeanne.name, jeanne.address_line1, jeanne.postcode, jeanne.city) == ("", "", "", "")
    assert jeanne.stripe_customer_id is None
    donation = db_session.scalars(select(Donation)).one()
    db_session.refresh(donation)
    assert (donation.contact_email, donation.contact_name, donation.contact_address_line1) == (
        "",
        "",
        "",
    )
    assert donation.amount_cents == 5000 and donation.donor_id == jeanne.id
    db_session.refresh(receipt)
    assert receipt.donor_name == "Jeanne Dupont" and receipt.donor_address.startswith("3 rue")
    assert not receipt.cancelled

    assert client.get(AREA).headers["Location"] == SIGN_IN
    assert phone.get(AREA).headers["Location"] == SIGN_IN
    before = len(links_sent(outbox, JEANNE))
    assert client.post(SIGN_IN, data={"email": JEANNE}, buffered=True).status_code == 303
    assert len(links_sent(outbox, JEANNE)) == before  # the old address signs in no more

    # Giving again with the same address makes a new donor, with none of the old gifts.
    pay_in_demo(client, give_form(email=JEANNE, amount="20"))
    assert count(db_session, Donor) == 2
    fresh = donor(db_session, JEANNE)
    assert fresh.id != jeanne.id and fresh.erased_at is None
    sign_in(client, outbox)
    page = client.get(AREA).get_data(as_text=True)
    assert "€20.00" in page and "€50.00" not in page and receipt.number not in page


def test_forget_me_also_blanks_gifts_started_but_never_paid(
    client: FlaskClient, db_session: Any, jeanne: Donor, outbox: Outbox
) -> None:
    assert client.post("/donations/", data=give_form(email=JEANNE, amount="70")).status_code == 303
    unpaid = db_session.scalars(select(Donation).where(Donation.donor_id.is_(None))).one()
    sign_in(client, outbox)
    exported = client.get("/donations/me/export.json").get_json()
    assert sorted(d["amount_cents"] for d in exported["donations"]) == [5000, 7000]
    assert client.post("/donations/me/forget").status_code == 303
    db_session.refresh(unpaid)
    assert (unpaid.contact_email, unpaid.contact_name, unpaid.contact_city) == ("", "", "")


def test_forget_me_waits_until_the_monthly_gift_is_stopped(
    client: FlaskClient, db_session: Any, outbox: Outbox
) -> None:
    start_monthly_gift(client, db_session, customer="cus_keep")
    sign_in(client, outbox)
    confirm = client.get("/donations/me/forget").get_data(as_text=True)
    assert "Please stop your monthly gift first" in confirm
    assert "Erase my personal data" not in confirm
    refused = client.post("/donations/me/forget")
    assert refused.status_code == 409
    jeanne = donor(db_session, JEANNE)
    assert jeanne.erased_at is None and jeanne.name == "Jeanne Dupont"
