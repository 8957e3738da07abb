"""What a gift costs its donor after the French income-tax reduction, from the rules in
force on the day of the gift (table tax_rules: rates and ceilings are data, with dates
of effect)."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from app.extensions import Session
from donations.models import TaxRule, TaxScheme


@dataclass(frozen=True)
class Reduction:
    amount_cents: int
    reduction_cents: int
    at_higher_rate_cents: int  # the part of the gift under the 75 % scheme's ceiling

    @property
    def cost_cents(self) -> int:
        return self.amount_cents - self.reduction_cents


def rule_in_force(session: Session, scheme: TaxScheme, on: date) -> TaxRule | None:
    return session.scalar(
        select(TaxRule)
        .where(TaxRule.scheme == scheme, TaxRule.effective_from <= on)
        .order_by(TaxRule.effective_from.desc())
        .limit(1)
    )


def list_rules(session: Session) -> list[TaxRule]:
    return list(session.scalars(select(TaxRule).order_by(TaxRule.scheme, TaxRule.effective_from)))


def percent_of(cents: int, percent: int) -> int:
    """Rounded down to the cent: a promise of a reduction is never larger than the law's."""
    return cents * percent // 100


def reduction_for(
    session: Session, amount_cents: int, on: date, *, given_this_year_cents: int = 0
) -> Reduction:
    """The reduction on a gift for a body helping people in difficulty: the higher rate up
    to the yearly ceiling (counting what the donor already gave this year), the general
    rate above it. The cap of 20 % of taxable income is the donor's to check."""
    general = rule_in_force(session, TaxScheme.GENERAL, on)
    difficulty = rule_in_force(session, TaxScheme.PEOPLE_IN_DIFFICULTY, on)
    if general is None:
        return Reduction(amount_cents, 0, 0)
    at_higher_rate = 0
    if difficulty is not None:
        room = amount_cents
        if difficulty.yearly_ceiling_cents is not None:
            room = max(0, difficulty.yearly_ceiling_cents - given_this_year_cents)
        at_higher_rate = min(amount_cents, room)
    reduction = percent_of(at_higher_rate, difficulty.rate_percent if difficulty else 0)
    reduction += percent_of(amount_cents - at_higher_rate, general.rate_percent)
    return Reduction(amount_cents, reduction, at_higher_rate)
