"""Reads of the donation pages and the API: the gift offers of the donation page, and
the treasurer's lists of donations, totals, fund balances and spendings."""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, TypeVarTuple

from sqlalchemy import Select, String, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import joinedload
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from app.clock import paris_midnight
from app.extensions import Session
from app.pagination import Page, paginate, scalars_page
from donations.models import (
    INCOME_STATUSES,
    Donation,
    DonationStatus,
    Frequency,
    Fund,
    FundSpending,
    GiftItem,
)

Ts = TypeVarTuple("Ts")


@dataclass(frozen=True)
class GiftOffer:
    item: GiftItem
    raised_cents: int

    @property
    def progress_percent(self) -> int:
        if not self.item.target_cents:
            return 0
        return min(100, self.raised_cents * 100 // self.item.target_cents)


def list_gift_offers(session: Session) -> list[GiftOffer]:
    """Active gift items in their order, with what was raised for those with a target."""
    raised = (
        select(
            Donation.gift_item_id,
            func.sum(Donation.amount_cents - Donation.refunded_cents).label("raised"),
        )
        .where(Donation.status.in_(INCOME_STATUSES))
        .group_by(Donation.gift_item_id)
        .subquery()
    )
    rows = session.execute(
        select(GiftItem, func.coalesce(raised.c.raised, 0))
        .outerjoin(raised, raised.c.gift_item_id == GiftItem.id)
        .where(GiftItem.active)
        .order_by(GiftItem.position, GiftItem.id)
    )
    return [GiftOffer(item, int(total)) for item, total in rows]


# --- the treasurer's lists and totals -------------------------------------------------


class ParisMonth(FunctionElement[str]):
    """ParisMonth(moment): "2026-12", the month in France of a UTC instant."""

    type = String()
    inherit_cache = True


@compiles(ParisMonth)
def _paris_month_sqlite(element: ParisMonth, compiler: SQLCompiler, **kw: Any) -> str:
    """SQLite has no time zones: the month is taken in UTC (an hour or two off at the
    turn of a month, on the demo database only)."""
    return f"strftime('%Y-%m', {compiler.process(element.clauses, **kw)})"


@compiles(ParisMonth, "postgresql")
def _paris_month_postgresql(element: ParisMonth, compiler: SQLCompiler, **kw: Any) -> str:
    moment = compiler.process(element.clauses, **kw)
    return f"to_char({moment} AT TIME ZONE 'Europe/Paris', 'YYYY-MM')"


# Dates a filter may name: anything else is a typing mistake (and year 1 has no UTC).
EARLIEST_DAY, LATEST_DAY = date(2000, 1, 1), date(2999, 12, 31)


@dataclass(frozen=True)
class DonationFilter:
    start: date | None = None
    end: date | None = None
    fund: str = ""
    gift_item: str = ""
    status: DonationStatus | None = None
    frequency: Frequency | None = None

    def apply(self, query: Select[*Ts]) -> Select[*Ts]:
        if self.start:
            query = query.where(Donation.created_at >= paris_midnight(self.start))
        if self.end:
            query = query.where(Donation.created_at < paris_midnight(self.end + timedelta(1)))
        if self.fund:
            query = query.where(Donation.fund.has(Fund.code == self.fund))
        if self.gift_item:
            query = query.where(Donation.gift_item.has(GiftItem.slug == self.gift_item))
        if self.status:
            query = query.where(Donation.status == self.status)
        if self.frequency:
            query = query.where(Donation.frequency == self.frequency)
        return query


def donations_with_details(wanted: DonationFilter) -> Select[Donation]:
    """The donations the filter keeps, with what their rows show loaded alongside."""
    return wanted.apply(
        select(Donation).options(
            joinedload(Donation.fund),
            joinedload(Donation.gift_item),
            joinedload(Donation.donor),
            joinedload(Donation.receipt),
        )
    )


def list_donations(
    session: Session, wanted: DonationFilter, page: int, per_page: int
) -> Page[Donation]:
    query = donations_with_details(wanted).order_by(Donation.created_at.desc(), Donation.id.desc())
    return scalars_page(session, query, page, per_page)


def donations_for_export(session: Session, wanted: DonationFilter) -> Iterator[Donation]:
    """Every donation the filter keeps, read in chunks so a year of them fits in memory."""
    query = donations_with_details(wanted).order_by(Donation.created_at, Donation.id)
    yield from session.scalars(query.execution_options(yield_per=500))


@dataclass(frozen=True)
class Total:
    key: str
    count: int
    cents: int


def income(wanted: DonationFilter) -> Select[int, int]:
    kept = Donation.amount_cents - Donation.refunded_cents
    return wanted.apply(
        select(func.count(Donation.id), func.coalesce(func.sum(kept), 0)).where(
            Donation.status.in_(INCOME_STATUSES)
        )
    )


def totals_per_month(session: Session, wanted: DonationFilter) -> list[Total]:
    month = ParisMonth(Donation.paid_at)
    query = income(wanted).add_columns(month).group_by(month).order_by(month.desc())
    return [Total(key, count, cents) for count, cents, key in session.execute(query)]


def totals_per_fund(session: Session, wanted: DonationFilter) -> list[Total]:
    query = (
        income(wanted)
        .add_columns(Fund.code)
        .join(Fund, Donation.fund_id == Fund.id)
        .group_by(Fund.code)
        .order_by(Fund.code)
    )
    return [Total(key, count, cents) for count, cents, key in session.execute(query)]


@dataclass(frozen=True)
class FundBalance:
    fund: Fund
    money_in_cents: int
    money_out_cents: int = 0

    @property
    def balance_cents(self) -> int:
        return self.money_in_cents - self.money_out_cents


def money_out_per_fund(session: Session) -> dict[int, int]:
    """What each fund spent, cancelled spendings left out."""
    query = (
        select(FundSpending.fund_id, func.sum(FundSpending.amount_cents))
        .where(FundSpending.cancelled_at.is_(None))
        .group_by(FundSpending.fund_id)
    )
    return {fund_id: int(cents) for fund_id, cents in session.execute(query)}


def fund_balances(session: Session) -> list[FundBalance]:
    money_in = {total.key: total.cents for total in totals_per_fund(session, DonationFilter())}
    money_out = money_out_per_fund(session)
    funds = session.scalars(select(Fund).order_by(Fund.id))
    return [
        FundBalance(fund, money_in.get(fund.code, 0), money_out.get(fund.id, 0)) for fund in funds
    ]


def list_spendings(session: Session, fund_code: str, page: int, per_page: int) -> Page[Any]:
    """Money out, newest first, of one fund or all ("")."""
    query = select(FundSpending).order_by(FundSpending.spent_on.desc(), FundSpending.id.desc())
    if fund_code:
        query = query.where(FundSpending.fund.has(Fund.code == fund_code))
    return paginate(session, query, page, per_page)


def list_funds(session: Session) -> Sequence[Fund]:
    return session.scalars(select(Fund).where(Fund.active).order_by(Fund.id)).all()


def list_gift_items(session: Session) -> Sequence[GiftItem]:
    return session.scalars(select(GiftItem).order_by(GiftItem.position, GiftItem.id)).all()
