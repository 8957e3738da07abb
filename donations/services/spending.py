"""Money out of the funds: what earmarked gifts paid for. Other packages record a
spending here (logistics, when a fill-up is paid from the fuel fund) and cancel it when
what it paid for is cancelled; nothing else writes FundSpending. None of these commits.

A spending keeps what it bought as data, and `describe_spending` writes the sentence in
the reader's language: "28 litres for the Calais van on 12 December"."""

from datetime import date
from decimal import Decimal

from flask_babel import format_date, format_decimal
from flask_babel import gettext as _
from sqlalchemy import select

from app.clock import utcnow
from app.errors import Conflict, InvalidInput, NotFound
from app.extensions import Session
from app.lookup import get_one
from app.models import User
from donations.models import Fund, FundSpending, SpendingKind

MAX_SPENDING_CENTS = 10_000_000  # 100,000 EUR: more is a typing mistake


def get_open_fund(session: Session, code: str) -> Fund:
    missing = _("There is no fund %(code)s.", code=code[:32])
    fund = get_one(session, Fund, code, column=Fund.code, missing=missing, field="fund")
    if not fund.active:
        raise InvalidInput(_("The fund %(code)s is closed.", code=code), field="fund")
    return fund


def record_spending(
    session: Session,
    *,
    actor: User | None,
    fund_code: str,
    cents: int,
    spent_on: date,
    reference: str,
    kind: SpendingKind = SpendingKind.OTHER,
    litres_cl: int | None = None,
    subject: str = "",
    description: str = "",
) -> FundSpending:
    """Money out of the fund `fund_code`. `reference` names what paid it ("fuel:123") and
    is recorded once."""
    if isinstance(cents, bool) or not isinstance(cents, int) or cents <= 0:
        raise InvalidInput(_("A spending is a positive amount."), field="cost_cents")
    if cents > MAX_SPENDING_CENTS:
        raise InvalidInput(_("This amount is too large to be right."), field="cost_cents")
    if not reference or len(reference) > 64:
        raise InvalidInput(_("A spending needs a reference."), field="reference")
    if kind == SpendingKind.FUEL and (not litres_cl or litres_cl <= 0 or not subject.strip()):
        raise InvalidInput(_("Fuel paid from a fund needs its litres and vehicle."))
    fund = get_open_fund(session, fund_code)
    if session.scalar(select(FundSpending.id).where(FundSpending.reference == reference)):
        raise Conflict(_("This spending was already recorded."), field="reference")
    spending = FundSpending(
        fund=fund,
        amount_cents=cents,
        spent_on=spent_on,
        kind=kind,
        litres_cl=litres_cl,
        subject=subject.strip()[:120],
        description=description.strip()[:200],
        reference=reference,
        recorded_by_id=actor.id if actor else None,
    )
    session.add(spending)
    session.flush()
    return spending


def cancel_spending(session: Session, *, reference: str) -> FundSpending | None:
    """Take a spending out of its fund's money out (it stays, marked cancelled). A
    reference with no spending, or one already cancelled, changes nothing."""
    spending = session.scalar(
        select(FundSpending)
        .where(FundSpending.reference == reference)
        .with_for_update(of=FundSpending)
        .execution_options(populate_existing=True)
    )
    if spending is not None and spending.cancelled_at is None:
        spending.cancelled_at = utcnow()
        session.flush()
    return spending


def set_pays_for_fuel(session: Session, *, code: str, pays: bool) -> Fund:
    """A treasurer's choice: whether fill-ups may draw on this fund."""
    fund = session.scalar(select(Fund).where(Fund.code == code))
    if fund is None:
        raise NotFound(_("There is no fund %(code)s.", code=code[:32]), field="fund")
    fund.pays_for_fuel = pays
    session.flush()
    return fund


def describe_spending(spending: FundSpending) -> str:
    """What the money bought, in the language of the page."""
    if spending.kind == SpendingKind.FUEL and spending.litres_cl:
        return _(
            "%(litres)s litres for the %(vehicle)s on %(date)s",
            litres=format_decimal(Decimal(spending.litres_cl) / 100, format="#,##0.##"),
            vehicle=spending.subject,
            date=format_date(spending.spent_on, "d MMMM"),
        )
    return spending.description or spending.subject
