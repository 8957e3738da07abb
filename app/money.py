"""Money as people read it. Amounts are integer cents in euros everywhere."""

from decimal import Decimal

from babel import Locale
from flask_babel import format_currency, get_locale


def euros(cents: int | Decimal) -> str:
    """An amount in cents as a person reads it in their language: 50,20 € or €50.20."""
    return format_currency(Decimal(cents) / 100, "EUR")


def whole_euros(cents: int | Decimal) -> str:
    """An amount on a chart's scale, without its cents: €1,000 or 1 000 €."""
    locale = get_locale() or Locale.parse("fr")
    pattern = locale.currency_formats["standard"].pattern.replace("0.00", "0")
    return format_currency(Decimal(cents) / 100, "EUR", format=pattern, currency_digits=False)
