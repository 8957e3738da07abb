"""Donation fixtures: gift items, a donation form, Stripe events signed as Stripe signs
them, and the outbox where receipts are written."""

import hashlib
import hmac
import itertools
import json
import time
from collections.abc import Callable
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pytest_httpserver import HTTPServer
from sqlalchemy import select
from werkzeug import Request, Response

from donations.models import Donation, Fund, GiftItem
from tests.conftest import WEBHOOK_SECRET
from tests.donations import stripe_events

counter = itertools.count(1)
WEBHOOK = "/donations/stripe/webhook"


def signature(payload: bytes, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """The Stripe-Signature header: HMAC-SHA256 of "TIMESTAMP.BODY" with the secret."""
    moment = int(time.time()) if timestamp is None else timestamp
    signed = hmac.new(secret.encode(), f"{moment}.".encode() + payload, hashlib.sha256)
    return f"t={moment},v1={signed.hexdigest()}"


def post_event(client: FlaskClient, event: dict[str, Any], **sign: Any) -> Any:
    payload = json.dumps(event).encode()
    return client.post(
        WEBHOOK,
        data=payload,
        headers={"Stripe-Signature": signature(payload, **sign)},
        content_type="application/json",
    )


def checkout_event(
    event_type: str = "checkout.session.completed",
    *,
    donation: Donation | None = None,
    session_id: str | None = None,
    amount: int | None = None,
    version: str = stripe_events.NEW,
    **session: Any,
) -> dict[str, Any]:
    """An event around a Checkout Session built from Stripe's example, for `donation`
    (named in its metadata) or for a payment link made in Stripe's dashboard."""
    checkout = stripe_events.checkout_session(
        version,
        session_id=session_id or (donation and donation.checkout_session_id) or None,
        amount=amount if amount is not None else (donation.amount_cents if donation else 5000),
        metadata={"donation_id": donation.public_id} if donation else {},
        **session,
    )
    return stripe_events.envelope(version, event_type, checkout)


@pytest.fixture
def stripe_api(app: Flask, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> HTTPServer:
    """A local server in Stripe's place (RELAIS_STRIPE_API_BASE), for what the webhook
    asks Stripe. It opens checkout sessions too, for gifts started on the page."""

    def open_checkout(request: Request) -> Response:
        checkout = stripe_events.checkout_session(
            payment_status="unpaid", status="open", url="https://checkout.stripe.test/pay"
        )
        return Response(json.dumps(checkout), content_type="application/json")

    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "sk_test_relais")
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", httpserver.url_for("/").rstrip("/"))
    httpserver.expect_request("/v1/checkout/sessions", method="POST").respond_with_handler(
        open_checkout
    )
    return httpserver


@pytest.fixture
def fund(db_session: Any) -> Callable[[str], Fund]:
    return lambda code: db_session.scalars(select(Fund).where(Fund.code == code)).one()


@pytest.fixture
def make_gift_item(db_session: Any, fund: Callable[[str], Fund]) -> Callable[..., GiftItem]:
    def make(**overrides: Any) -> GiftItem:
        number = next(counter)
        item = GiftItem(
            **{
                "slug": f"fuel-{number}",
                "fund": fund("fuel"),
                "title_fr": "Un plein pour le van",
                "title_en": "A full tank for the van",
                "text_fr": "50 € remplissent le réservoir.",
                "text_en": "50 EUR fills the tank.",
                "amount_cents": 5000,
                "position": number,
                **overrides,
            }
        )
        db_session.add(item)
        db_session.commit()
        return item

    return make


def give_form(**overrides: Any) -> dict[str, str]:
    """What a donor types on the donation page."""
    return {
        "gift_item": "",
        "amount": "50",
        "frequency": "once",
        "email": "Jeanne.Dupont@example.org",
        "name": "Jeanne Dupont",
        "address_line1": "3 rue des Lilas",
        "address_line2": "",
        "postcode": "59000",
        "city": "Lille",
        "country": "FR",
        **overrides,
    }


@pytest.fixture
def outbox(app: Flask) -> Callable[[], list[EmailMessage]]:
    """The messages written to instance/outbox/ during this test, oldest first."""
    folder = Path(app.instance_path) / "outbox"
    before = set(folder.glob("*.eml")) if folder.exists() else set()

    def messages() -> list[EmailMessage]:
        new = sorted(set(folder.glob("*.eml")) - before) if folder.exists() else []
        return [message_from_bytes(path.read_bytes(), policy=policy.default) for path in new]

    return messages
