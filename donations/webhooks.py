"""Stripe's webhook events, the source of truth for payments. Each event id is stored
once, in the same transaction as its effects; each handler locks the donation it
changes and only moves it forward, so events may come twice, at once, or out of order."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from donations import services
from donations.models import (
    Donation,
    Frequency,
    Gateway,
    MonthlyGift,
    PaymentMethod,
    Receipt,
    StripeEvent,
)

StripeObject = dict[str, Any]
Handler = Callable[[Session, StripeObject, StripeObject], Receipt | None]


def handle_event(session: Session, event: StripeObject) -> Receipt | None:
    """Apply an event once. Returns the receipt it issued, to be emailed after commit."""
    if not record_event(session, event):
        return None
    handler = HANDLERS.get(event.get("type", ""))
    if handler is None:
        return None
    return handler(session, event["data"]["object"], event)


def record_event(session: Session, event: StripeObject) -> bool:
    """False when this event id was handled before (or is being handled right now by
    another request, which then committed first)."""
    try:
        with session.begin_nested():
            session.add(StripeEvent(id=event["id"], type=str(event.get("type", ""))[:100]))
    except IntegrityError:
        return False
    return True


def event_time(event: StripeObject) -> datetime:
    return datetime.fromtimestamp(int(event.get("created") or 0), UTC)


# --- checkout sessions ----------------------------------------------------------------


def on_checkout_completed(
    session: Session, checkout: StripeObject, event: StripeObject
) -> Receipt | None:
    donation = donation_for_checkout(session, checkout)
    if donation is None:
        return None
    if checkout.get("payment_status") != "paid":
        return None  # a SEPA debit: async_payment_succeeded or _failed follows
    method = PaymentMethod.CARD
    if checkout.get("payment_method_types") == ["sepa_debit"]:
        method = PaymentMethod.SEPA_DEBIT
    return fulfil(session, donation, checkout, event, method)


def on_async_payment_succeeded(
    session: Session, checkout: StripeObject, event: StripeObject
) -> Receipt | None:
    donation = donation_for_checkout(session, checkout)
    if donation is None:
        return None
    return fulfil(session, donation, checkout, event, PaymentMethod.SEPA_DEBIT)


def on_async_payment_failed(
    session: Session, checkout: StripeObject, event: StripeObject
) -> Receipt | None:
    donation = donation_for_checkout(session, checkout, create_if_paid=False)
    if donation is not None:
        services.fail_donation(session, donation, "async_payment_failed")
    return None


def fulfil(
    session: Session,
    donation: Donation,
    checkout: StripeObject,
    event: StripeObject,
    method: PaymentMethod,
) -> Receipt | None:
    payment = services.Payment(
        paid_at=event_time(event),
        method=method,
        payment_intent_id=checkout.get("payment_intent"),
        customer_id=checkout.get("customer"),
        contact=collected_contact(checkout),
    )
    receipt = services.fulfil_donation(session, donation, payment)
    if checkout.get("subscription"):
        start_monthly_gift(session, donation, str(checkout["subscription"]))
        donation.invoice_id = donation.invoice_id or checkout.get("invoice")
    return receipt


def collected_contact(checkout: StripeObject) -> services.Contact | None:
    details = checkout.get("customer_details") or {}
    email = details.get("email") or checkout.get("customer_email")
    if not email:
        return None
    address = details.get("address") or {}
    return services.Contact(
        email=str(email),
        name=str(details.get("name") or ""),
        address_line1=str(address.get("line1") or ""),
        address_line2=str(address.get("line2") or ""),
        postcode=str(address.get("postal_code") or ""),
        city=str(address.get("city") or ""),
        country=str(address.get("country") or "FR"),
    )


def donation_for_checkout(
    session: Session, checkout: StripeObject, *, create_if_paid: bool = True
) -> Donation | None:
    """The donation this checkout pays for, locked: the one our page started (named in
    the metadata), or, for a payment link made in Stripe's dashboard, one made now."""
    if (checkout.get("currency") or "eur").lower() != "eur":
        current_app.logger.warning("Ignored a checkout in %s: %s", checkout["currency"], checkout)
        return None
    public_id = (checkout.get("metadata") or {}).get("donation_id")
    donation = None
    if public_id:
        donation = locked(session, select(Donation).where(Donation.public_id == public_id))
    if donation is None:
        donation = locked(
            session, select(Donation).where(Donation.checkout_session_id == checkout["id"])
        )
    if donation is None and create_if_paid and checkout.get("payment_status") == "paid":
        donation = donation_from_payment_link(session, checkout)
    if donation is not None:
        donation.checkout_session_id = donation.checkout_session_id or checkout["id"]
        amount = checkout.get("amount_total")
        if isinstance(amount, int) and amount > 0:
            donation.amount_cents = amount  # what was really paid is what the receipt says
    return donation


def locked(session: Session, query: Any) -> Donation | None:
    return session.scalar(query.with_for_update().execution_options(populate_existing=True))


def donation_from_payment_link(session: Session, checkout: StripeObject) -> Donation | None:
    amount = checkout.get("amount_total")
    if not isinstance(amount, int) or amount <= 0:
        return None
    donation = Donation(
        fund=services.get_fund(session, services.GENERAL_FUND),
        frequency=Frequency.MONTHLY if checkout.get("mode") == "subscription" else Frequency.ONCE,
        amount_cents=amount,
        gateway=Gateway.STRIPE,
        checkout_session_id=checkout["id"],
        locale=str(checkout.get("locale") or "fr")[:2],
    )
    try:
        with session.begin_nested():
            session.add(donation)
    except IntegrityError:
        # Another event of this checkout made it first: use that one.
        return locked(
            session, select(Donation).where(Donation.checkout_session_id == checkout["id"])
        )
    return donation


def start_monthly_gift(session: Session, donation: Donation, subscription_id: str) -> None:
    if donation.monthly_gift_id is not None:
        return
    existing = session.scalar(
        select(MonthlyGift).where(MonthlyGift.stripe_subscription_id == subscription_id)
    )
    if existing is None:
        existing = MonthlyGift(
            donor=donation.donor,
            fund=donation.fund,
            gift_item_id=donation.gift_item_id,
            amount_cents=donation.amount_cents,
            stripe_subscription_id=subscription_id,
        )
        session.add(existing)
    donation.monthly_gift = existing


HANDLERS: dict[str, Handler] = {
    "checkout.session.completed": on_checkout_completed,
    "checkout.session.async_payment_succeeded": on_async_payment_succeeded,
    "checkout.session.async_payment_failed": on_async_payment_failed,
}
