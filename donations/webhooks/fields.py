"""Reading a Stripe event's fields, refusing what cannot be used: a field missing or of
the wrong type, an impossible amount, an id too long for Relais to store."""

from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

from flask import current_app
from flask_babel import gettext as _

from app.errors import DomainError
from donations import services

StripeObject = dict[str, Any]

# No gift through Stripe comes near 100,000 euros: an amount above is a mistake.
MAX_AMOUNT_CENTS = 10_000_000
ID_LENGTH = 64  # what Relais stores of Stripe's ids, apart from a checkout session's
LONG_ID_LENGTH = 255  # an event's or a checkout session's
EMAIL_LENGTH = 254


class UnusableEvent(DomainError):
    """Signed by Stripe, but not something Relais can act on."""

    status = HTTPStatus.BAD_REQUEST
    code = "unusable_event"


class PaymentNotKnownYet(DomainError):
    """News about a payment whose own event has not arrived: answered with an error so
    that Stripe sends it again later, once the payment is recorded."""

    status = HTTPStatus.SERVICE_UNAVAILABLE
    code = "payment_not_known_yet"


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
