"""Monthly gifts' events: invoices paid or failed, invoice payments, and subscriptions
ended. Each month's payment becomes a donation of its own."""

from sqlalchemy import select

from app.extensions import Session
from donations import payments, services
from donations.models import (
    Donation,
    DonationStatus,
    Frequency,
    Gateway,
    MonthlyGift,
    PaymentMethod,
)
from donations.services import AfterCommit
from donations.webhooks.fields import (
    EMAIL_LENGTH,
    StripeObject,
    amount,
    contact_from,
    event_time,
    in_euros,
    mapping,
    moment,
    required_text,
    text,
)

NOT_PAID_YET = (DonationStatus.PENDING, DonationStatus.FAILED)


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
    return services.add_or_find_donation(session, donation, Donation.invoice_id, invoice_id)


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
