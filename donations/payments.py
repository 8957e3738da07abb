"""The only code that talks to Stripe: Checkout sessions, the customer portal, and the
webhook signature. Reached through stripe.StripeClient with a configurable API base
(RELAIS_STRIPE_API_BASE), so tests and demos point it at a local server.

With no Stripe key configured, the demo gateway stands in: the donate button leads to a
local page that completes or fails the payment through the webhook's own fulfilment."""

import json
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, TypeVar

import stripe
from flask import current_app, url_for
from flask_babel import gettext as _

from app.errors import DomainError
from app.links import external_url
from donations.models import Donation, Frequency, Gateway, PaymentMethod

# The one API version Relais speaks, for its calls and the shapes it reads: the version
# the pinned stripe library is generated for. The webhook endpoint is created with it
# too (README), and the webhook still reads the shapes of versions before 2025-03-31.
STRIPE_API_VERSION = "2026-10-28.endive"
T = TypeVar("T")


class PaymentUnavailable(DomainError):
    status = HTTPStatus.BAD_GATEWAY
    code = "payment_unavailable"


class StripeUnreachable(DomainError):
    """Stripe did not answer a question the webhook had to ask: the event is answered
    with this error, so that Stripe sends it again later."""

    status = HTTPStatus.SERVICE_UNAVAILABLE
    code = "stripe_unreachable"


class BadSignature(DomainError):
    status = HTTPStatus.BAD_REQUEST
    code = "bad_signature"


def gateway_in_use() -> Gateway:
    return Gateway.STRIPE if current_app.config["STRIPE_SECRET_KEY"] else Gateway.DEMO


def stripe_client() -> stripe.StripeClient:
    config = current_app.config
    base = config["STRIPE_API_BASE"]
    return stripe.StripeClient(
        config["STRIPE_SECRET_KEY"],
        base_addresses={"api": base} if base else None,
        max_network_retries=2,
        stripe_version=STRIPE_API_VERSION,
    )


def checkout_parameters(
    donation: Donation, *, title: str, success_url: str, cancel_url: str
) -> dict[str, Any]:
    price: dict[str, Any] = {
        "currency": "eur",
        "unit_amount": donation.amount_cents,
        "product_data": {"name": title},
    }
    metadata = {"donation_id": donation.public_id}
    parameters: dict[str, Any] = {
        "line_items": [{"quantity": 1, "price_data": price}],
        "billing_address_collection": "required",
        "client_reference_id": donation.public_id,
        "metadata": metadata,
        "success_url": success_url,
        "cancel_url": cancel_url,
        "locale": donation.locale,
    }
    if donation.contact_email:
        parameters["customer_email"] = donation.contact_email
    if donation.frequency == Frequency.MONTHLY:
        price["recurring"] = {"interval": "month"}
        parameters.update(mode="subscription", subscription_data={"metadata": metadata})
    else:
        parameters.update(
            mode="payment", submit_type="donate", payment_intent_data={"metadata": metadata}
        )
    return parameters


def start_checkout(donation: Donation, *, title: str) -> str:
    """Where to send the donor to pay: Stripe Checkout, or the local demo page."""
    success_url = external_url("donations.thanks", public_id=donation.public_id)
    cancel_url = external_url("donations.cancelled", public_id=donation.public_id)
    if donation.gateway == Gateway.DEMO:
        return url_for("donations.demo_checkout", public_id=donation.public_id)
    parameters = checkout_parameters(
        donation, title=title, success_url=success_url, cancel_url=cancel_url
    )
    session = open_checkout_session(parameters, f"checkout-{donation.public_id}")
    donation.checkout_session_id = session.id
    return str(session.url)


def open_checkout_session(
    parameters: dict[str, Any], idempotency_key: str
) -> stripe.checkout.Session:
    try:
        return stripe_client().v1.checkout.sessions.create(
            params=parameters,  # type: ignore[arg-type]
            options={"idempotency_key": idempotency_key},
        )
    except stripe.StripeError as error:
        current_app.logger.warning("Stripe refused a checkout session: %s", error)
        raise PaymentUnavailable(
            _("The payment service cannot be reached just now. Please try again in a minute.")
        ) from error


@dataclass(frozen=True)
class Purchase:
    """Something a person buys from the organisation (a bed for some nights), paid
    through Checkout as a payment, never a gift: no tax receipt, not a donation. The
    package that sells it registers what to do once paid (webhooks.register_purchase)."""

    kind: str  # in the metadata as "purchase": how the webhook tells it from a gift
    reference: str  # the seller's public id for it
    amount_cents: int
    title: str
    email: str
    locale: str
    success_url: str
    cancel_url: str


def purchase_parameters(purchase: Purchase) -> dict[str, Any]:
    metadata = {"purchase": purchase.kind, "reference": purchase.reference}
    price = {
        "currency": "eur",
        "unit_amount": purchase.amount_cents,
        "product_data": {"name": purchase.title},
    }
    return {
        "mode": "payment",
        "line_items": [{"quantity": 1, "price_data": price}],
        "client_reference_id": f"{purchase.kind}:{purchase.reference}",
        "customer_email": purchase.email,
        "metadata": metadata,
        "payment_intent_data": {"metadata": metadata},
        "payment_method_types": ["card"],
        "success_url": purchase.success_url,
        "cancel_url": purchase.cancel_url,
        "locale": purchase.locale,
    }


def start_purchase_checkout(purchase: Purchase) -> tuple[str, str]:
    """The Checkout page where the purchase is paid, and its session id."""
    session = open_checkout_session(
        purchase_parameters(purchase), f"checkout-{purchase.kind}-{purchase.reference}"
    )
    return str(session.url), str(session.id)


def portal_url(customer_id: str, return_url: str) -> str:
    """Stripe's customer portal for this customer, where a monthly gift is changed or
    stopped; Stripe's webhook then tells Relais what changed."""
    try:
        session = stripe_client().v1.billing_portal.sessions.create(
            params={"customer": customer_id, "return_url": return_url}
        )
    except stripe.StripeError as error:
        current_app.logger.warning("Stripe refused a portal session: %s", error)
        raise PaymentUnavailable(
            _("The payment service cannot be reached just now. Please try again in a minute.")
        ) from error
    return str(session.url)


def verified_event(payload: bytes, signature: str | None) -> dict[str, Any]:
    """The webhook event as plain data, once its signature over the raw body is checked
    with the stripe library's own code (which also refuses stale timestamps)."""
    secret = current_app.config["STRIPE_WEBHOOK_SECRET"]
    if not secret or not signature:
        raise BadSignature(_("Missing Stripe signature."))
    try:
        stripe.WebhookSignature.verify_header(
            payload, signature, secret, tolerance=stripe.Webhook.DEFAULT_TOLERANCE
        )
        event = json.loads(payload)
    except (stripe.SignatureVerificationError, ValueError) as error:
        raise BadSignature(_("Invalid Stripe signature.")) from error
    if not isinstance(event, dict) or not isinstance(event.get("id"), str):
        raise BadSignature(_("This is not a Stripe event."))
    return event


# --- what the webhook asks Stripe -------------------------------------------------------


@dataclass(frozen=True)
class PaidWith:
    """How a payment was made: its PaymentIntent, its charge and the payment method."""

    payment_intent_id: str | None
    charge_id: str | None
    method: PaymentMethod


def ask(question: Callable[[], T]) -> T:
    try:
        return question()
    except stripe.StripeError as error:
        current_app.logger.warning("Stripe did not answer: %s", type(error).__name__)
        raise StripeUnreachable(_("The payment service cannot be reached just now.")) from error


def identifier(value: Any) -> str | None:
    """An id, whether Stripe gave it as such or as the expanded object."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) and value else None


def method_of_charge(charge: dict[str, Any]) -> PaymentMethod:
    details = charge.get("payment_method_details") or {}
    return PaymentMethod.SEPA_DEBIT if details.get("type") == "sepa_debit" else PaymentMethod.CARD


def payment_intent(payment_intent_id: str) -> PaidWith:
    """A PaymentIntent with its latest charge, which says how it was paid."""
    intent = ask(
        lambda: stripe_client().v1.payment_intents.retrieve(
            payment_intent_id, params={"expand": ["latest_charge"]}
        )
    ).to_dict()
    charge = intent.get("latest_charge")
    if isinstance(charge, dict):
        method = method_of_charge(charge)
    elif intent.get("payment_method_types") == ["sepa_debit"]:
        method = PaymentMethod.SEPA_DEBIT
    else:
        method = PaymentMethod.CARD
    return PaidWith(payment_intent_id, identifier(charge), method)


def charge(charge_id: str) -> PaidWith:
    found = ask(lambda: stripe_client().v1.charges.retrieve(charge_id)).to_dict()
    return PaidWith(identifier(found.get("payment_intent")), charge_id, method_of_charge(found))


def invoice_paid_with(invoice_id: str) -> PaidWith | None:
    """How an invoice was paid, from its invoice payments (API 2025-03-31 on, where an
    invoice names no PaymentIntent); None if it has no paid one."""
    found = ask(
        lambda: stripe_client().v1.invoice_payments.list(
            params={"invoice": invoice_id, "status": "paid", "limit": 1}
        )
    ).to_dict()
    for invoice_payment in found.get("data") or []:
        payment = invoice_payment.get("payment") or {}
        if intent := identifier(payment.get("payment_intent")):
            return payment_intent(intent)
        if charge_id := identifier(payment.get("charge")):
            return charge(charge_id)
    return None


def invoice_of_payment_intent(payment_intent_id: str) -> str | None:
    """The invoice a PaymentIntent paid, if any: how a refund or a dispute, which names
    no invoice since API 2025-03-31, finds a monthly payment."""
    found = ask(
        lambda: stripe_client().v1.invoice_payments.list(
            params={
                "payment": {"type": "payment_intent", "payment_intent": payment_intent_id},
                "limit": 1,
            }
        )
    ).to_dict()
    for invoice_payment in found.get("data") or []:
        if invoice := identifier(invoice_payment.get("invoice")):
            return invoice
    return None
