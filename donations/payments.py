"""The only code that talks to Stripe: Checkout sessions, the customer portal, and the
webhook signature. Reached through stripe.StripeClient with a configurable API base
(RELAIS_STRIPE_API_BASE), so tests and demos point it at a local server.

With no Stripe key configured, the demo gateway stands in: the donate button leads to a
local page that completes or fails the payment through the webhook's own fulfilment."""

import json
from typing import Any

import stripe
from flask import current_app, url_for
from flask_babel import gettext as _

from app.errors import DomainError
from app.links import external_url
from donations.models import Donation, Frequency, Gateway


class PaymentUnavailable(DomainError):
    status = 502
    code = "payment_unavailable"


class BadSignature(DomainError):
    status = 400
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
    try:
        session = stripe_client().v1.checkout.sessions.create(
            params=parameters,  # type: ignore[arg-type]
            options={"idempotency_key": f"checkout-{donation.public_id}"},
        )
    except stripe.StripeError as error:
        current_app.logger.warning("Stripe refused a checkout session: %s", error)
        raise PaymentUnavailable(
            _("The payment service cannot be reached just now. Please try again in a minute.")
        ) from error
    donation.checkout_session_id = session.id
    return str(session.url)


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
