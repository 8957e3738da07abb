"""Money as people read and type it. Amounts are integer cents in euros everywhere."""

import re
from decimal import Decimal

from babel import Locale
from flask_babel import format_currency, get_locale
from flask_babel import gettext as _

from app.errors import InvalidInput

EUROS = re.compile(r"(?P<euros>\d{1,9})(?:[.,](?P<cents>\d{1,2}))?")


def euros(cents: int | Decimal) -> str:
    """An amount in cents as a person reads it in their language: 50,20 € or €50.20."""
    return format_currency(Decimal(cents) / 100, "EUR")


def whole_euros(cents: int | Decimal) -> str:
    """An amount on a chart's scale, without its cents: €1,000 or 1 000 €."""
    locale = get_locale() or Locale.parse("fr")
    pattern = locale.currency_formats["standard"].pattern.replace("0.00", "0")
    return format_currency(Decimal(cents) / 100, "EUR", format=pattern, currency_digits=False)


def read_cents(raw: str, field: str) -> int:
    """Euros as a person types them ("52,30", "52.3 €", "1 000") to cents; a clear
    message on `field` for anything else."""
    text = raw.strip().replace(" ", "").replace("\u00a0", "").removesuffix("€")
    match = EUROS.fullmatch(text)
    if not match:
        if re.fullmatch(r"\d+[.,]\d{3,}", text):
            raise InvalidInput(_("An amount has at most two decimals."), field=field)
        raise InvalidInput(
            _("“%(value)s” is not an amount in euros.", value=raw.strip()[:20]), field=field
        )
    return int(match["euros"]) * 100 + int((match["cents"] or "0").ljust(2, "0"))
