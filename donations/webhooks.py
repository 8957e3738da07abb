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
the event's id and type."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.auth import normalise_email
from app.errors import DomainError
from app.models import built_per_database, for_database
from donations import payments, services
from donations.models import (
    Donation,
    DonationStatus,
    Donor,
    Frequency,
    Gateway,
    MonthlyGift,
    PaymentMethod,
    StripeEvent,
)
from donations.services import AfterCommit

StripeObject = dict[str, Any]
events = StripeEvent.__table__
RECORD_EVENT = built_per_database(
    lambda insert: (
        insert(events).on_conflict_do_nothing(index_elements=[events.c.id]).returning(events.c.id)
    )
)
Handler = Callable[[Session, StripeObject, StripeObject], AfterCommit]

# No gift through Stripe comes near 100,000 euros: an amount above is a mistake.
MAX_AMOUNT_CENTS = 10_000_000
ID_LENGTH = 64  # what Relais stores of Stripe's ids, apart from a checkout session's
LONG_ID_LENGTH = 255  # an event's or a checkout session's
EMAIL_LENGTH = 254
NOT_PAID_YET = (DonationStatus.PENDING, DonationStatus.FAILED)


class UnusableEvent(DomainError):
    """Signed by Stripe, but not something Relais can act on."""

    status = 400
    code = "unusable_event"


class PaymentNotKnownYet(DomainError):
    """News about a payment whose own event has not arrived: answered with an error so
    that Stripe sends it again later, once the payment is recorded."""

    status = 503
    code = "payment_not_known_yet"


# --- reading an event's fields, refusing what cannot be used ----------------------------


def unusable() -> UnusableEvent:
    return UnusableEvent(_("This Stripe event cannot be used."))


def mapping(data: StripeObject, key: str, *, required: bool = False) -> StripeObject:
    value = data.get(key)
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise unusable()
    return value


def text(data: StripeObject, key: str, *, limit: int | None = ID_LENGTH) -> str | None:
    """A string field; None when absent or empty. Too long for Relais to store is
    unusable."""
    value = data.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str) or (limit is not None and len(value) > limit):
        raise unusable()
    return value


def required_text(data: StripeObject, key: str, *, limit: int = ID_LENGTH) -> str:
    value = text(data, key, limit=limit)
    if value is None:
        raise unusable()
    return value


def amount(data: StripeObject, key: str) -> int:
    """Cents, more than none and less than the cap."""
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise unusable()
    if not 0 < value <= MAX_AMOUNT_CENTS:
        raise unusable()
    return value


def moment(value: Any) -> datetime:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise unusable()
    return datetime.fromtimestamp(value, UTC)


def event_time(event: StripeObject) -> datetime:
    return moment(event.get("created"))


def in_euros(data: StripeObject) -> bool:
    """Relais gives French receipts for euros only; another currency is acknowledged and
    left to the treasurer."""
    currency = text(data, "currency", limit=3)
    if currency is None or currency.lower() == "eur":
        return True
    current_app.logger.warning("Ignored Stripe object %s in %s", data.get("id"), currency)
    return False


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


def contact_from(email: str | None, name: str | None, address: StripeObject) -> services.Contact:
    return services.tidy_contact(
        services.Contact(
            email=email or "",
            name=name or "",
            address_line1=text(address, "line1", limit=None) or "",
            address_line2=text(address, "line2", limit=None) or "",
            postcode=text(address, "postal_code", limit=None) or "",
            city=text(address, "city", limit=None) or "",
            country=text(address, "country", limit=None) or "",
        )
    )


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
    try:
        with session.begin_nested():
            session.add(donation)
    except IntegrityError:
        # Another event of this checkout made it first: use that one.
        return services.locked_donation(session, Donation.checkout_session_id, checkout_id)
    return donation


# --- monthly gifts: invoices and subscriptions -----------------------------------------


def subscription_of(invoice: StripeObject) -> tuple[str | None, StripeObject]:
    """The subscription and its metadata: under invoice.parent since API 2025-03-31,
    on the invoice itself before."""
    details = mapping(mapping(invoice, "parent"), "subscription_details")
    subscription = text(details, "subscription") or text(invoice, "subscription")
    metadata = mapping(details, "metadata") or mapping(
        mapping(invoice, "subscription_details"), "metadata"
    )
    return subscription, metadata


def invoice_contact(invoice: StripeObject) -> services.Contact | None:
    """Stripe's customer, as the invoice names them: an email changed at Stripe shows
    here first."""
    email = text(invoice, "customer_email", limit=EMAIL_LENGTH)
    if not email:
        return None
    name = text(invoice, "customer_name", limit=None)
    return contact_from(email, name, mapping(invoice, "customer_address"))


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


def donation_for_invoice(
    session: Session, invoice: StripeObject, invoice_id: str, cents: int
) -> Donation | None:
    """This month's donation, locked: the one the checkout started (first invoice), one
    an earlier event about this invoice made, or a new one for the monthly gift."""
    existing = services.locked_donation(session, Donation.invoice_id, invoice_id)
    if existing is not None:
        return existing
    subscription_id, metadata = subscription_of(invoice)
    if subscription_id is None:
        return None
    first = None
    if public_id := text(metadata, "donation_id"):
        first = services.locked_donation(session, Donation.public_id, public_id)
    opens_the_gift = invoice.get("billing_reason") in (None, "subscription_create")
    if first is not None and first.invoice_id is None and opens_the_gift:
        first.invoice_id = invoice_id
        return first
    gift = monthly_gift_for(session, subscription_id, first)
    if gift is None:
        return None
    return new_monthly_donation(session, gift, invoice_id, cents)


def new_monthly_donation(
    session: Session, gift: MonthlyGift, invoice_id: str, cents: int
) -> Donation | None:
    donation = Donation(
        donor=gift.donor,
        fund=gift.fund,
        gift_item_id=gift.gift_item_id,
        monthly_gift=gift,
        frequency=Frequency.MONTHLY,
        amount_cents=cents,
        gateway=Gateway.STRIPE,
        invoice_id=invoice_id,
        locale=gift.donor.locale if gift.donor else "fr",
    )
    try:
        with session.begin_nested():
            session.add(donation)
    except IntegrityError:
        return services.locked_donation(session, Donation.invoice_id, invoice_id)
    return donation


def invoice_paid_with(
    invoice: StripeObject, invoice_id: str, donation: Donation
) -> payments.PaidWith | None:
    """How this invoice was paid, when the donation does not know yet: from the
    PaymentIntent an invoice names before API 2025-03-31, else from its invoice
    payments; Stripe is asked, since only the charge says SEPA or card."""
    if donation.status not in NOT_PAID_YET and donation.payment_intent_id:
        return None
    payment_intent = text(invoice, "payment_intent")
    charge = text(invoice, "charge")
    if payment_intent:
        paid_with = payments.payment_intent(payment_intent)
        return payments.PaidWith(payment_intent, paid_with.charge_id or charge, paid_with.method)
    if charge:
        return payments.charge(charge)
    return payments.invoice_paid_with(invoice_id)


def on_invoice_paid(session: Session, invoice: StripeObject, event: StripeObject) -> AfterCommit:
    invoice_id = required_text(invoice, "id")
    cents = amount(invoice, "amount_paid")
    paid_at = mapping(invoice, "status_transitions").get("paid_at") or event.get("created")
    customer_id = text(invoice, "customer")
    contact = invoice_contact(invoice)
    if not in_euros(invoice):
        return AfterCommit()
    donation = donation_for_invoice(session, invoice, invoice_id, cents)
    if donation is None:
        return AfterCommit()
    paid_with = invoice_paid_with(invoice, invoice_id, donation)
    payment = services.Payment(
        paid_at=moment(paid_at),
        method=paid_with.method if paid_with else PaymentMethod.CARD,
        payment_intent_id=paid_with.payment_intent_id if paid_with else None,
        charge_id=paid_with.charge_id if paid_with else None,
        customer_id=customer_id,
        contact=contact,
    )
    after = services.fulfil_donation(session, donation, payment)
    subscription_id, _metadata = subscription_of(invoice)
    if subscription_id and donation.monthly_gift is None:
        services.start_monthly_gift(session, donation, subscription_id)
    return after


def on_invoice_payment_paid(
    session: Session, invoice_payment: StripeObject, event: StripeObject
) -> AfterCommit:
    """An invoice's payment (API 2025-03-31 on): the PaymentIntent or charge of this
    month's donation. Before its invoice.paid, nothing to add it to: invoice.paid then
    asks Stripe for it."""
    invoice_id = required_text(invoice_payment, "invoice")
    payment = mapping(invoice_payment, "payment", required=True)
    payment_intent = text(payment, "payment_intent")
    charge = text(payment, "charge")
    donation = services.locked_donation(session, Donation.invoice_id, invoice_id)
    if donation is not None:
        services.note_payment_ids(donation, payment_intent, charge)
    return AfterCommit()


def on_invoice_payment_failed(
    session: Session, invoice: StripeObject, event: StripeObject
) -> AfterCommit:
    invoice_id = required_text(invoice, "id")
    cents = amount(invoice, "amount_due")
    if not in_euros(invoice):
        return AfterCommit()
    donation = donation_for_invoice(session, invoice, invoice_id, cents)
    if donation is not None:
        services.fail_donation(session, donation, "invoice.payment_failed")
    return AfterCommit()


def on_subscription_deleted(
    session: Session, subscription: StripeObject, event: StripeObject
) -> AfterCommit:
    subscription_id = required_text(subscription, "id")
    gift = session.scalar(
        select(MonthlyGift).where(MonthlyGift.stripe_subscription_id == subscription_id)
    )
    if gift is not None and gift.active:
        gift.active = False
        gift.ended_at = event_time(event)
    return AfterCommit()


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
