"""Stripe events built from Stripe's own example objects (stripe/openapi's fixtures3.json,
kept in ../shared/reference/stripe-fixtures/ at two API versions): each object is
Stripe's, nulls and keys included, with only its ids, amounts, names and links
changed, then wrapped in Stripe's event envelope. conftest.post_event signs them as
Stripe does."""

import copy
import itertools
import json
import os
import time
from functools import cache
from pathlib import Path
from typing import Any

from app import ROOT

FIXTURES = Path(
    os.environ.get("STRIPE_FIXTURES", ROOT.parent / "shared" / "reference" / "stripe-fixtures")
)
# The last version before 2025-03-31 (invoice.subscription, invoice.payment_intent,
# charge.invoice), and one after (invoice.parent, invoice payments).
OLD = "2025-01-27.acacia"
NEW = "2026-07-29.dahlia"
VERSIONS = (OLD, NEW)
FILES = {
    OLD: "fixtures3-2025-01-27.acacia.json",
    NEW: "fixtures3-2026-07-29.dahlia.json",
}
StripeObject = dict[str, Any]
counter = itertools.count(1)


@cache
def resources(version: str) -> dict[str, StripeObject]:
    with (FIXTURES / FILES[version]).open() as file:
        return dict(json.load(file)["resources"])


def unique(prefix: str) -> str:
    return f"{prefix}_{next(counter)}{time.time_ns() % 10**9}"


def stripe_object(version: str, kind: str, **values: Any) -> StripeObject:
    """Stripe's example `kind` at `version`, with new values for keys it has: a key it
    lacks at this version is a mistake in the test."""
    found = copy.deepcopy(resources(version)[kind])
    for key, value in values.items():
        assert key in found, f"a {kind} has no {key} at API {version}"
        found[key] = value
    return found


def changed(data: StripeObject | None, **values: Any) -> StripeObject | None:
    """A nested object of Stripe's with new values for keys it has."""
    if data is None:
        return None
    result = copy.deepcopy(data)
    for key, value in values.items():
        assert key in result, f"no {key} in {sorted(result)}"
        result[key] = value
    return result


def envelope(version: str, event_type: str, data: StripeObject) -> StripeObject:
    """Stripe's event around an object, as the webhook endpoint receives it."""
    return {
        "id": unique("evt_test"),
        "object": "event",
        "api_version": version,
        "created": int(time.time()),
        "data": {"object": data},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }


JEANNE = {
    "email": "jeanne.dupont@example.org",
    "name": "Jeanne Dupont",
    "address": {
        "line1": "3 rue des Lilas",
        "line2": None,
        "postal_code": "59000",
        "city": "Lille",
        "country": "FR",
        "state": None,
    },
}


def address_like(fixture: StripeObject | None, address: StripeObject | None) -> Any:
    """An address in the place of Stripe's (whose keys it keeps), or its null."""
    if address is None:
        return fixture
    return changed(fixture, **address) if fixture else address


def checkout_session(
    version: str = NEW,
    *,
    session_id: str | None = None,
    amount: int | None = 5000,
    currency: str = "eur",
    payment_status: str = "paid",
    mode: str = "payment",
    metadata: dict[str, str] | None = None,
    email: str | None = JEANNE["email"],
    name: str | None = JEANNE["name"],
    address: StripeObject | None = JEANNE["address"],
    **values: Any,
) -> StripeObject:
    """A Checkout Session, complete; name=None and address=None keep Stripe's nulls (a
    payment link that collects no address)."""
    fixture = resources(version)["checkout.session"]
    details = changed(
        fixture["customer_details"],
        email=email,
        name=name,
        address=address_like(fixture["customer_details"]["address"], address),
    )
    defaults: dict[str, Any] = {
        "id": session_id or unique("cs_test"),
        "amount_total": amount,
        "amount_subtotal": amount,
        "currency": currency,
        "payment_status": payment_status,
        "status": "complete",
        "mode": mode,
        "metadata": metadata or {},
        "customer_details": details,
        "payment_intent": unique("pi_test") if mode == "payment" else None,
    }
    return stripe_object(version, "checkout.session", **{**defaults, **values})


def invoice(
    version: str = NEW,
    *,
    invoice_id: str | None = None,
    subscription: str = "sub_monthly",
    metadata: dict[str, str] | None = None,
    amount: int = 1500,
    currency: str = "eur",
    billing_reason: str = "subscription_cycle",
    customer: str | None = "cus_jeanne",
    email: str | None = JEANNE["email"],
    name: str | None = JEANNE["name"],
    address: StripeObject | None = JEANNE["address"],
    payment_intent: str | None = None,
    charge: str | None = None,
) -> StripeObject:
    """A paid invoice of a subscription. Before 2025-03-31 it names its subscription,
    PaymentIntent and charge; after, the subscription is under `parent` and it names
    no payment."""
    fixture = resources(version)["invoice"]
    values: dict[str, Any] = {
        "id": invoice_id or unique("in_test"),
        "amount_due": amount,
        "amount_paid": amount,
        "amount_remaining": 0,
        "currency": currency,
        "billing_reason": billing_reason,
        "customer": customer,
        "customer_email": email,
        "customer_name": name,
        "customer_address": address_like(fixture["customer_address"], address),
        "status": "paid",
        "status_transitions": changed(fixture["status_transitions"], paid_at=int(time.time())),
    }
    if version == OLD:
        values.update(
            subscription=subscription,
            subscription_details=changed(fixture["subscription_details"], metadata=metadata),
            payment_intent=payment_intent,
            charge=charge,
            paid=True,
        )
    else:
        parent = fixture["parent"]
        values["parent"] = changed(
            parent,
            type="subscription_details",
            quote_details=None,
            subscription_details=changed(
                parent["subscription_details"], subscription=subscription, metadata=metadata
            ),
        )
    return stripe_object(version, "invoice", **values)


def invoice_payment(*, invoice_id: str, payment_intent: str, amount: int = 1500) -> StripeObject:
    """An invoice's payment (API 2025-03-31 on). Stripe's example leaves out the
    PaymentIntent a `payment_intent` payment names: it is added."""
    fixture = resources(NEW)["invoice_payment"]
    payment = {**fixture["payment"], "payment_intent": payment_intent}
    return stripe_object(
        NEW,
        "invoice_payment",
        id=unique("inpay_test"),
        invoice=invoice_id,
        amount_paid=amount,
        amount_requested=amount,
        currency="eur",
        status="paid",
        payment=payment,
        status_transitions=changed(fixture["status_transitions"], paid_at=int(time.time())),
    )


SEPA_DETAILS = {
    "sepa_debit": {
        "bank_code": "37040044",
        "branch_code": None,
        "country": "DE",
        "fingerprint": "xZ9nSYc8Y1f1O1mS",
        "last4": "3000",
        "mandate": "mandate_test",
    },
    "type": "sepa_debit",
}


def charge(
    version: str = NEW,
    *,
    charge_id: str | None = None,
    amount: int = 10000,
    refunded: int = 0,
    payment_intent: str | None = None,
    invoice_id: str | None = None,
    sepa: bool = False,
    currency: str = "eur",
) -> StripeObject:
    """A charge; `invoice_id` only before 2025-03-31, when a charge named its invoice."""
    values: dict[str, Any] = {
        "id": charge_id or unique("ch_test"),
        "amount": amount,
        "amount_captured": amount,
        "amount_refunded": refunded,
        "refunded": refunded == amount,
        "currency": currency,
        "payment_intent": payment_intent,
        "paid": True,
        "captured": True,
    }
    if invoice_id is not None:
        values["invoice"] = invoice_id
    if sepa:
        values["payment_method_details"] = SEPA_DETAILS
    return stripe_object(version, "charge", **values)


def dispute(
    version: str = NEW,
    *,
    charge_id: str,
    payment_intent: str | None = None,
    amount: int = 10000,
    status: str = "needs_response",
) -> StripeObject:
    return stripe_object(
        version,
        "dispute",
        id=unique("dp_test"),
        charge=charge_id,
        payment_intent=payment_intent,
        amount=amount,
        currency="eur",
        status=status,
    )


def subscription(version: str = NEW, *, subscription_id: str, status: str) -> StripeObject:
    return stripe_object(version, "subscription", id=subscription_id, status=status, currency="eur")


def customer(version: str = NEW, *, customer_id: str, email: str) -> StripeObject:
    return stripe_object(version, "customer", id=customer_id, email=email)


def payment_intent(
    *, payment_intent_id: str, latest_charge: StripeObject, amount: int = 1500
) -> StripeObject:
    """A PaymentIntent as Stripe answers it with `expand[]=latest_charge`."""
    return stripe_object(
        NEW,
        "payment_intent",
        id=payment_intent_id,
        amount=amount,
        amount_received=amount,
        currency="eur",
        status="succeeded",
        latest_charge=latest_charge,
    )


def invoice_payments_list(*payments: StripeObject) -> StripeObject:
    """Stripe's answer to GET /v1/invoice_payments."""
    return {
        "object": "list",
        "data": list(payments),
        "has_more": False,
        "url": "/v1/invoice_payments",
    }
