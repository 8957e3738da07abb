"""Stripe's webhook events, the source of truth for payments. Each event id is stored
once, in the same transaction as its effects; each handler locks the donation it
changes and only moves it forward, so events may come twice, at once, or out of order.

Events come in the shapes of the API version the endpoint was made with: before
2025-03-31 an invoice names its subscription, PaymentIntent and charge, and a charge
its invoice; since then the subscription is under `invoice.parent`, payments are
`invoice_payment` objects, and a charge names no invoice. Both are read. What an event
lacks, such as how a monthly payment was paid, is asked of Stripe (payments.py).

A signed event Relais cannot use (a field missing or of the wrong type, an impossible
amount, an id too long) is refused with 400 and changes nothing; the log names only
the event's id and type.

This package holds handle_event and the handlers of checkouts, customers, refunds and
disputes; webhooks.monthly handles invoices and subscriptions, and webhooks.fields
reads an event's fields."""

from collections.abc import Callable
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _

from app.auth import normalise_email
from app.extensions import Session
from app.models import built_per_database, for_database
from donations import payments, services
from donations.models import (
    Donation,
    Donor,
    Frequency,
    Gateway,
    PaymentMethod,
    StripeEvent,
)
from donations.services import AfterCommit
from donations.webhooks.fields import (
    EMAIL_LENGTH,
    LONG_ID_LENGTH,
    PaymentNotKnownYet,
    StripeObject,
    UnusableEvent,
    amount,
    contact_from,
    event_time,
    in_euros,
    mapping,
    required_text,
    text,
    unusable,
)
from donations.webhooks.monthly import (
    on_invoice_paid,
    on_invoice_payment_failed,
    on_invoice_payment_paid,
    on_subscription_deleted,
)

events = StripeEvent.__table__
RECORD_EVENT = built_per_database(
    lambda insert: (
        insert(events).on_conflict_do_nothing(index_elements=[events.c.id]).returning(events.c.id)
    )
)
Handler = Callable[[Session, StripeObject, StripeObject], AfterCommit]


# --- the event ------------------------------------------------------------------------


def handle_event(session: Session, event: StripeObject) -> AfterCommit:
    """Apply an event once. Returns what to email once committed."""
    event_id, event_type = event["id"], event.get("type")
    try:
        if len(event_id) > LONG_ID_LENGTH or not isinstance(event_type, str):
            raise unusable()
        handler = HANDLERS.get(event_type)
        data = mapping(mapping(event, "data", required=True), "object", required=True)
        if not record_event(session, event_id, event_type):
            return AfterCommit()
        return handler(session, data, event) if handler else AfterCommit()
    except UnusableEvent:
        current_app.logger.warning(
            "Unusable Stripe event %s (%s)", event_id[:LONG_ID_LENGTH], str(event_type)[:100]
        )
        raise


def record_event(session: Session, event_id: str, event_type: str) -> bool:
    """False when this event id was handled before (or is being handled right now by
    another request, which then committed first: this one waits for it on the key)."""
    values = {"id": event_id, "type": event_type[:100]}
    return session.execute(for_database(session, RECORD_EVENT), values).first() is not None


# --- checkout sessions ----------------------------------------------------------------


# What another package sells through Checkout (payments.Purchase), by the kind named in
# the checkout's metadata; called with the reference, the checkout id, the amount paid
# and when, once the checkout is paid. Registered at start-up, so donations imports
# nothing of the seller.
PurchasePaid = Callable[[Session, str, str, int, datetime], None]
PURCHASES: dict[str, PurchasePaid] = {}


def register_purchase(kind: str, paid: PurchasePaid) -> None:
    PURCHASES[kind] = paid


def purchase_of(checkout: StripeObject) -> str | None:
    """The kind of purchase a checkout is for; None for a gift."""
    return text(mapping(checkout, "metadata"), "purchase")


def on_purchase_checkout(
    session: Session, kind: str, checkout: StripeObject, event: StripeObject
) -> AfterCommit:
    """A purchase, not a gift: its seller marks it paid; no donation, no receipt."""
    paid = PURCHASES.get(kind)
    reference = text(mapping(checkout, "metadata"), "reference")
    if paid is None or reference is None:
        raise unusable()
    if checkout.get("payment_status") == "paid" and in_euros(checkout):
        checkout_id = required_text(checkout, "id", limit=LONG_ID_LENGTH)
        paid(session, reference, checkout_id, amount(checkout, "amount_total"), event_time(event))
    return AfterCommit()


def on_checkout_completed(
    session: Session, checkout: StripeObject, event: StripeObject
) -> AfterCommit:
    if kind := purchase_of(checkout):
        return on_purchase_checkout(session, kind, checkout, event)
    donation = donation_for_checkout(session, checkout)
    if donation is None or checkout.get("payment_status") != "paid":
        return AfterCommit()  # unpaid: a SEPA debit, async_payment_succeeded or _failed follows
    method = PaymentMethod.CARD
    if checkout.get("payment_method_types") == ["sepa_debit"]:
        method = PaymentMethod.SEPA_DEBIT
    return fulfil(session, donation, checkout, event, method)


def on_async_payment_succeeded(
    session: Session, checkout: StripeObject, event: StripeObject
) -> AfterCommit:
    if kind := purchase_of(checkout):
        return on_purchase_checkout(session, kind, checkout, event)
    donation = donation_for_checkout(session, checkout)
    if donation is None:
        return AfterCommit()
    return fulfil(session, donation, checkout, event, PaymentMethod.SEPA_DEBIT)


def on_async_payment_failed(
    session: Session, checkout: StripeObject, event: StripeObject
) -> AfterCommit:
    if purchase_of(checkout):
        return AfterCommit()  # the purchase stays to be paid, online again or on arrival
    donation = donation_for_checkout(session, checkout, create_if_paid=False)
    if donation is not None:
        services.fail_donation(session, donation, "async_payment_failed")
    return AfterCommit()


def fulfil(
    session: Session,
    donation: Donation,
    checkout: StripeObject,
    event: StripeObject,
    method: PaymentMethod,
) -> AfterCommit:
    payment = services.Payment(
        paid_at=event_time(event),
        method=method,
        payment_intent_id=text(checkout, "payment_intent"),
        customer_id=text(checkout, "customer"),
        contact=collected_contact(checkout),
    )
    subscription = text(checkout, "subscription")
    invoice = text(checkout, "invoice")
    services.keep_collected_details(donation, payment.contact)
    after = services.fulfil_donation(session, donation, payment)
    if subscription:
        services.start_monthly_gift(session, donation, subscription)
        donation.invoice_id = donation.invoice_id or invoice
    return after


def collected_contact(checkout: StripeObject) -> services.Contact | None:
    """Who paid, as Stripe's checkout collected it: the email always, the name and
    address only when the checkout asked for them (a payment link may not)."""
    details = mapping(checkout, "customer_details")
    email = text(details, "email", limit=EMAIL_LENGTH) or text(
        checkout, "customer_email", limit=EMAIL_LENGTH
    )
    if not email:
        return None
    return contact_from(email, text(details, "name", limit=None), mapping(details, "address"))


def donation_for_checkout(
    session: Session, checkout: StripeObject, *, create_if_paid: bool = True
) -> Donation | None:
    """The donation this checkout pays for, locked: the one our page started (named in
    the metadata), or, for a payment link made in Stripe's dashboard, one made now."""
    checkout_id = required_text(checkout, "id", limit=LONG_ID_LENGTH)
    paid = checkout.get("payment_status") == "paid"
    total = amount(checkout, "amount_total") if paid else None
    public_id = text(mapping(checkout, "metadata"), "donation_id")
    if not in_euros(checkout):
        return None
    donation = None
    if public_id:
        donation = services.locked_donation(session, Donation.public_id, public_id)
    if donation is None:
        donation = services.locked_donation(session, Donation.checkout_session_id, checkout_id)
    if donation is None and create_if_paid and total is not None:
        donation = donation_from_payment_link(session, checkout, checkout_id, total)
    if donation is not None:
        donation.checkout_session_id = donation.checkout_session_id or checkout_id
        if total is not None:
            donation.amount_cents = total  # what was really paid is what the receipt says
    return donation


def donation_from_payment_link(
    session: Session, checkout: StripeObject, checkout_id: str, total: int
) -> Donation | None:
    donation = Donation(
        fund=services.get_fund(session, services.GENERAL_FUND),
        frequency=Frequency.MONTHLY if checkout.get("mode") == "subscription" else Frequency.ONCE,
        amount_cents=total,
        gateway=Gateway.STRIPE,
        checkout_session_id=checkout_id,
        locale=(text(checkout, "locale", limit=None) or "fr")[:2],
    )
    return services.add_or_find_donation(
        session, donation, Donation.checkout_session_id, checkout_id
    )


# --- customers ------------------------------------------------------------------------


def on_customer_updated(
    session: Session, customer: StripeObject, event: StripeObject
) -> AfterCommit:
    """The donor changed their email at Stripe (in its customer portal)."""
    customer_id = required_text(customer, "id")
    email = text(customer, "email", limit=EMAIL_LENGTH)
    donor = services.locked_donor(session, Donor.stripe_customer_id == customer_id)
    if donor is not None and email:
        services.follow_email_change(session, donor, normalise_email(email))
    return AfterCommit()


# --- refunds and disputes -------------------------------------------------------------


def donation_paid_by(
    session: Session, *, charge: str | None, payment_intent: str | None, invoice: str | None
) -> Donation:
    """The donation a charge, a refund or a dispute is about, locked: found by its
    PaymentIntent, its charge, or (before API 2025-03-31) the charge's invoice; else
    Stripe is asked which PaymentIntent and invoice the charge belongs to. The ids found
    are kept on the donation."""
    donation = None
    if payment_intent:
        donation = services.locked_donation(session, Donation.payment_intent_id, payment_intent)
    if donation is None and charge:
        donation = services.locked_donation(session, Donation.charge_id, charge)
    if donation is None and invoice:
        donation = services.locked_donation(session, Donation.invoice_id, invoice)
    if donation is None and charge and not payment_intent:
        payment_intent = payments.charge(charge).payment_intent_id
        if payment_intent:
            donation = services.locked_donation(session, Donation.payment_intent_id, payment_intent)
    if donation is None and payment_intent:
        invoice = payments.invoice_of_payment_intent(payment_intent)
        if invoice:
            donation = services.locked_donation(session, Donation.invoice_id, invoice)
    if donation is None:
        raise PaymentNotKnownYet(_("This payment is not known yet."))
    services.note_payment_ids(donation, payment_intent, charge)
    return donation


def on_charge_refunded(session: Session, charge: StripeObject, event: StripeObject) -> AfterCommit:
    charge_id = required_text(charge, "id")
    refunded = amount(charge, "amount_refunded")
    payment_intent = text(charge, "payment_intent")
    invoice = text(charge, "invoice")
    if not in_euros(charge):
        return AfterCommit()
    donation = donation_paid_by(
        session, charge=charge_id, payment_intent=payment_intent, invoice=invoice
    )
    return services.record_refund(session, donation, refunded)


def disputed_donation(session: Session, dispute: StripeObject) -> Donation | None:
    charge = required_text(dispute, "charge")
    payment_intent = text(dispute, "payment_intent")
    amount(dispute, "amount")
    if not in_euros(dispute):
        return None
    return donation_paid_by(session, charge=charge, payment_intent=payment_intent, invoice=None)


def on_dispute_created(session: Session, dispute: StripeObject, event: StripeObject) -> AfterCommit:
    donation = disputed_donation(session, dispute)
    if donation is not None:
        services.mark_disputed(donation)
    return AfterCommit()


def on_dispute_closed(session: Session, dispute: StripeObject, event: StripeObject) -> AfterCommit:
    """Won (or an inquiry closed without a chargeback): the gift is money in again.
    Lost: the money went back to the donor."""
    status = required_text(dispute, "status")
    donation = disputed_donation(session, dispute)
    if donation is None:
        return AfterCommit()
    if status == "lost":
        return services.close_dispute(session, donation, won=False)
    if status in ("won", "warning_closed"):
        return services.close_dispute(session, donation, won=True)
    return AfterCommit()


HANDLERS: dict[str, Handler] = {
    "checkout.session.completed": on_checkout_completed,
    "checkout.session.async_payment_succeeded": on_async_payment_succeeded,
    "checkout.session.async_payment_failed": on_async_payment_failed,
    "invoice.paid": on_invoice_paid,
    "invoice.payment_failed": on_invoice_payment_failed,
    "invoice_payment.paid": on_invoice_payment_paid,
    "customer.subscription.deleted": on_subscription_deleted,
    "customer.updated": on_customer_updated,
    "charge.refunded": on_charge_refunded,
    "charge.dispute.created": on_dispute_created,
    "charge.dispute.closed": on_dispute_closed,
}
