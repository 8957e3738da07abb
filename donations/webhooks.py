"""Stripe's webhook events, the source of truth for payments. Each event id is stored
once, in the same transaction as its effects; each handler locks the donation it
changes and only moves it forward, so events may come twice, at once, or out of order."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.errors import DomainError
from app.models import built_per_database, for_database
from donations import services
from donations.models import (
    Donation,
    Frequency,
    Gateway,
    MonthlyGift,
    PaymentMethod,
    StripeEvent,
)

StripeObject = dict[str, Any]
events = StripeEvent.__table__
RECORD_EVENT = built_per_database(
    lambda insert: (
        insert(events).on_conflict_do_nothing(index_elements=[events.c.id]).returning(events.c.id)
    )
)
# A handler returns the id of the receipt it issued, if any, to be emailed after commit.
Handler = Callable[[Session, StripeObject, StripeObject], int | None]


def handle_event(session: Session, event: StripeObject) -> int | None:
    """Apply an event once. Returns the id of the receipt it issued, to be emailed after
    commit."""
    if not record_event(session, event):
        return None
    handler = HANDLERS.get(event.get("type", ""))
    if handler is None:
        return None
    return handler(session, event["data"]["object"], event)


def record_event(session: Session, event: StripeObject) -> bool:
    """False when this event id was handled before (or is being handled right now by
    another request, which then committed first: this one waits for it on the key)."""
    values = {"id": event["id"], "type": str(event.get("type", ""))[:100]}
    return session.execute(for_database(session, RECORD_EVENT), values).first() is not None


def event_time(event: StripeObject) -> datetime:
    return datetime.fromtimestamp(int(event.get("created") or 0), UTC)


# --- checkout sessions ----------------------------------------------------------------


def on_checkout_completed(
    session: Session, checkout: StripeObject, event: StripeObject
) -> int | None:
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
) -> int | None:
    donation = donation_for_checkout(session, checkout)
    if donation is None:
        return None
    return fulfil(session, donation, checkout, event, PaymentMethod.SEPA_DEBIT)


def on_async_payment_failed(
    session: Session, checkout: StripeObject, event: StripeObject
) -> int | None:
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
) -> int | None:
    payment = services.Payment(
        paid_at=event_time(event),
        method=method,
        payment_intent_id=checkout.get("payment_intent"),
        customer_id=checkout.get("customer"),
        contact=collected_contact(checkout),
    )
    receipt = services.fulfil_donation(session, donation, payment)
    if checkout.get("subscription"):
        services.start_monthly_gift(session, donation, str(checkout["subscription"]))
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
        donation = services.locked_donation(session, Donation.public_id, public_id)
    if donation is None:
        donation = services.locked_donation(session, Donation.checkout_session_id, checkout["id"])
    if donation is None and create_if_paid and checkout.get("payment_status") == "paid":
        donation = donation_from_payment_link(session, checkout)
    if donation is not None:
        donation.checkout_session_id = donation.checkout_session_id or checkout["id"]
        amount = checkout.get("amount_total")
        if isinstance(amount, int) and amount > 0:
            donation.amount_cents = amount  # what was really paid is what the receipt says
    return donation


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
        return services.locked_donation(session, Donation.checkout_session_id, checkout["id"])
    return donation


# --- monthly gifts: invoices and subscriptions -----------------------------------------


def subscription_of(invoice: StripeObject) -> tuple[str | None, dict[str, Any]]:
    """The subscription and its metadata; since API 2025-03-31 under invoice.parent."""
    details = (invoice.get("parent") or {}).get("subscription_details") or {}
    subscription = details.get("subscription") or invoice.get("subscription")
    metadata = details.get("metadata") or (invoice.get("subscription_details") or {}).get(
        "metadata"
    )
    return (str(subscription) if subscription else None), dict(metadata or {})


def invoice_contact(invoice: StripeObject) -> services.Contact | None:
    return collected_contact(
        {
            "customer_email": invoice.get("customer_email"),
            "customer_details": {
                "email": invoice.get("customer_email"),
                "name": invoice.get("customer_name"),
                "address": invoice.get("customer_address"),
            },
        }
    )


def monthly_gift_for(
    session: Session, subscription_id: str, first: Donation | None
) -> MonthlyGift | None:
    gift = session.scalar(
        select(MonthlyGift).where(MonthlyGift.stripe_subscription_id == subscription_id)
    )
    if gift is None and first is not None:
        services.start_monthly_gift(session, first, subscription_id)
        gift = first.monthly_gift
    return gift


def donation_for_invoice(session: Session, invoice: StripeObject) -> Donation | None:
    """This month's donation, locked: the one the checkout started (first invoice), one
    an earlier event about this invoice made, or a new one for the monthly gift."""
    if (invoice.get("currency") or "eur").lower() != "eur":
        return None
    existing = services.locked_donation(session, Donation.invoice_id, invoice["id"])
    if existing is not None:
        return existing
    subscription_id, metadata = subscription_of(invoice)
    if subscription_id is None:
        return None
    first = None
    if metadata.get("donation_id"):
        first = services.locked_donation(session, Donation.public_id, metadata["donation_id"])
    opens_the_gift = invoice.get("billing_reason") in (None, "subscription_create")
    if first is not None and first.invoice_id is None and opens_the_gift:
        first.invoice_id = invoice["id"]
        return first
    gift = monthly_gift_for(session, subscription_id, first)
    if gift is None:
        return None
    return new_monthly_donation(session, gift, invoice)


def new_monthly_donation(
    session: Session, gift: MonthlyGift, invoice: StripeObject
) -> Donation | None:
    amount = invoice.get("amount_paid") or invoice.get("amount_due")
    if not isinstance(amount, int) or amount <= 0:
        return None
    donation = Donation(
        donor=gift.donor,
        fund=gift.fund,
        gift_item_id=gift.gift_item_id,
        monthly_gift=gift,
        frequency=Frequency.MONTHLY,
        amount_cents=amount,
        gateway=Gateway.STRIPE,
        invoice_id=invoice["id"],
        locale=gift.donor.locale if gift.donor else "fr",
    )
    try:
        with session.begin_nested():
            session.add(donation)
    except IntegrityError:
        return services.locked_donation(session, Donation.invoice_id, invoice["id"])
    return donation


def on_invoice_paid(session: Session, invoice: StripeObject, event: StripeObject) -> int | None:
    donation = donation_for_invoice(session, invoice)
    if donation is None:
        return None
    paid_at = (invoice.get("status_transitions") or {}).get("paid_at") or event.get("created")
    payment = services.Payment(
        paid_at=datetime.fromtimestamp(int(paid_at or 0), UTC),
        method=PaymentMethod.CARD,
        customer_id=invoice.get("customer"),
        contact=invoice_contact(invoice),
    )
    receipt = services.fulfil_donation(session, donation, payment)
    subscription_id, _metadata = subscription_of(invoice)
    if subscription_id and donation.monthly_gift is None:
        services.start_monthly_gift(session, donation, subscription_id)
    return receipt


def on_invoice_payment_failed(
    session: Session, invoice: StripeObject, event: StripeObject
) -> int | None:
    donation = donation_for_invoice(session, invoice)
    if donation is not None:
        services.fail_donation(session, donation, "invoice.payment_failed")
    return None


def on_subscription_deleted(
    session: Session, subscription: StripeObject, event: StripeObject
) -> int | None:
    gift = session.scalar(
        select(MonthlyGift).where(MonthlyGift.stripe_subscription_id == subscription["id"])
    )
    if gift is not None and gift.active:
        gift.active = False
        gift.ended_at = event_time(event)
    return None


# --- refunds and disputes -------------------------------------------------------------


class PaymentNotKnownYet(DomainError):
    """News about a payment whose own event has not arrived: answered with an error so
    that Stripe sends it again later, once the payment is recorded."""

    status = 503
    code = "payment_not_known_yet"


def donation_for_charge(session: Session, charge: StripeObject) -> Donation:
    payment_intent = charge.get("payment_intent")
    invoice = charge.get("invoice")
    donation = None
    if payment_intent:
        donation = services.locked_donation(session, Donation.payment_intent_id, payment_intent)
    if donation is None and invoice:
        donation = services.locked_donation(session, Donation.invoice_id, invoice)
    if donation is None:
        raise PaymentNotKnownYet(_("This payment is not known yet."))
    return donation


def on_charge_refunded(session: Session, charge: StripeObject, event: StripeObject) -> int | None:
    donation = donation_for_charge(session, charge)
    receipt = services.record_refund(session, donation, int(charge.get("amount_refunded") or 0))
    return receipt.id if receipt is not None else None


def on_dispute_created(session: Session, dispute: StripeObject, event: StripeObject) -> int | None:
    services.mark_disputed(donation_for_charge(session, dispute))
    return None


HANDLERS: dict[str, Handler] = {
    "checkout.session.completed": on_checkout_completed,
    "checkout.session.async_payment_succeeded": on_async_payment_succeeded,
    "checkout.session.async_payment_failed": on_async_payment_failed,
    "invoice.paid": on_invoice_paid,
    "invoice.payment_failed": on_invoice_payment_failed,
    "customer.subscription.deleted": on_subscription_deleted,
    "charge.refunded": on_charge_refunded,
    "charge.dispute.created": on_dispute_created,
}
