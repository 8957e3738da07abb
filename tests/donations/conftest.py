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
from sqlalchemy import select

from donations.models import Donation, Fund, GiftItem
from tests.conftest import WEBHOOK_SECRET

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
    payment_status: str = "paid",
    amount: int | None = None,
    **session: Any,
) -> dict[str, Any]:
    """An event shaped like Stripe's (API 2026-10-28) around a Checkout Session."""
    number = next(counter)
    checkout = {
        "id": session_id or (donation and donation.checkout_session_id) or f"cs_test_{number}",
        "object": "checkout.session",
        "mode": "payment",
        "amount_total": amount
        if amount is not None
        else (donation.amount_cents if donation else 5000),
        "currency": "eur",
        "payment_status": payment_status,
        "payment_intent": f"pi_test_{number}",
        "customer": None,
        "customer_details": {
            "email": "jeanne.dupont@example.org",
            "name": "Jeanne Dupont",
            "address": {
                "line1": "3 rue des Lilas",
                "line2": None,
                "postal_code": "59000",
                "city": "Lille",
                "country": "FR",
            },
        },
        "metadata": {"donation_id": donation.public_id} if donation else {},
        "payment_method_types": ["card"],
        **session,
    }
    return {
        "id": f"evt_test_{number}_{time.time_ns()}",
        "object": "event",
        "api_version": "2026-10-28.endive",
        "created": int(time.time()),
        "type": event_type,
        "livemode": False,
        "data": {"object": checkout},
    }


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
