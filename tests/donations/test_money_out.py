"""Money out of the funds: recording and cancelling a spending, the funds page with money
in, money out and balance, and the donor area telling each donor what their gift's fund
paid for in the month of the gift, in their language."""

from collections.abc import Callable
from datetime import UTC, date, datetime
from email.message import EmailMessage
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.errors import Conflict, InvalidInput, NotFound
from app.models import Role, User
from donations import services
from donations.models import (
    Donation,
    DonationStatus,
    Frequency,
    Fund,
    FundSpending,
    Gateway,
    PaymentMethod,
    SpendingKind,
)
from donations.services.spending import cancel_spending, record_spending
from tests.app.test_translations import compile_if_stale
from tests.donations.test_donor_area import JEANNE, sign_in

Outbox = Callable[[], list[EmailMessage]]


@pytest.fixture
def spend(db_session: Any, admin: User) -> Callable[..., FundSpending]:
    def make(
        litres_cl: int,
        day: date,
        *,
        vehicle: str = "Calais van",
        fund_code: str = "fuel",
        cents: int | None = None,
        reference: str | None = None,
    ) -> FundSpending:
        spending = record_spending(
            db_session,
            actor=admin,
            fund_code=fund_code,
            cents=cents if cents is not None else litres_cl * 17 // 10,
            spent_on=day,
            reference=reference or f"test:{day}:{litres_cl}:{vehicle}",
            kind=SpendingKind.FUEL,
            litres_cl=litres_cl,
            subject=vehicle,
        )
        db_session.commit()
        return spending

    return make


def paid_gift(session: Any, fund: Fund, paid_at: datetime, cents: int = 5000) -> Donation:
    """Jeanne's gift to `fund`, paid at `paid_at` (fulfilled as the webhook does)."""
    donation = Donation(
        fund=fund,
        frequency=Frequency.ONCE,
        amount_cents=cents,
        gateway=Gateway.DEMO,
        contact_email=JEANNE,
        contact_name="Jeanne Dupont",
        contact_address_line1="3 rue des Lilas",
        contact_postcode="59000",
        contact_city="Lille",
    )
    session.add(donation)
    session.flush()
    payment = services.Payment(paid_at=paid_at, method=PaymentMethod.CARD)
    services.fulfil_donation(session, donation, payment)
    session.commit()
    return donation


@pytest.fixture
def gift(db_session: Any, fund: Callable[[str], Fund]) -> Callable[..., Donation]:
    def make(paid_at: datetime, *, cents: int = 5000, fund_code: str = "fuel") -> Donation:
        return paid_gift(db_session, fund(fund_code), paid_at, cents)

    return make


def test_a_spending_is_recorded_once_and_checked(
    db_session: Any, admin: User, spend: Callable[..., FundSpending]
) -> None:
    spend(2800, date(2025, 12, 12), reference="fuel:1")
    with pytest.raises(Conflict, match="already recorded"):
        spend(2800, date(2025, 12, 12), reference="fuel:1")
    with pytest.raises(NotFound, match=r"There is no fund nope\."):
        spend(2800, date(2025, 12, 12), fund_code="nope")
    for cents in (0, -100, 10_000_001):
        with pytest.raises(InvalidInput):
            spend(2800, date(2025, 12, 12), cents=cents)
    with pytest.raises(InvalidInput, match="needs its litres and vehicle"):
        spend(0, date(2025, 12, 12), cents=500)
    fund = db_session.query(Fund).filter_by(code="vehicles").one()
    fund.active = False
    with pytest.raises(InvalidInput, match=r"The fund vehicles is closed\."):
        spend(2800, date(2025, 12, 12), fund_code="vehicles")


def test_cancelling_is_idempotent_and_keeps_the_row(
    db_session: Any, spend: Callable[..., FundSpending]
) -> None:
    spending = spend(2800, date(2025, 12, 12), reference="fuel:7")
    assert cancel_spending(db_session, reference="fuel:7") is spending
    first = spending.cancelled_at
    assert first is not None
    assert cancel_spending(db_session, reference="fuel:7").cancelled_at == first
    assert cancel_spending(db_session, reference="fuel:404") is None


def test_the_funds_page_shows_money_in_money_out_and_the_balance(
    login: Callable[[User], FlaskClient],
    make_user: Callable[..., User],
    gift: Callable[..., Donation],
    spend: Callable[..., FundSpending],
    db_session: Any,
) -> None:
    gift(datetime(2025, 12, 5, 12, tzinfo=UTC), cents=10000)
    spend(2800, date(2025, 12, 12), cents=4760, reference="fuel:1")
    spend(4000, date(2025, 12, 20), cents=6800, reference="fuel:2")
    cancel_spending(db_session, reference="fuel:2")
    spend(1000, date(2025, 12, 21), cents=1700, vehicle="Clio", fund_code="general")
    db_session.commit()
    treasurer = login(make_user(Role.TREASURER))
    page = treasurer.get("/donations/funds").get_data(as_text=True)
    fuel_row = page[page.index(">Fuel</a>") :].split("</tr>")[0]
    assert fuel_row.index("€100.00") < fuel_row.index("€47.60") < fuel_row.index("€52.40")
    general_row = page[page.index(">General</a>") :].split("</tr>")[0]
    assert "€17.00" in general_row and "negative" in general_row
    assert "28 litres for the Calais van on 12 December" in page
    assert "Cancelled" in page and "<s>€68.00</s>" in page
    only_general = treasurer.get("/donations/funds?fund=general").get_data(as_text=True)
    assert "10 litres for the Clio" in only_general and "Calais van" not in only_general


def test_the_donor_sees_what_the_fund_paid_for_in_the_month_of_the_gift(
    app: Flask,
    client: FlaskClient,
    outbox: Outbox,
    gift: Callable[..., Donation],
    spend: Callable[..., FundSpending],
    db_session: Any,
) -> None:
    gift(datetime(2025, 12, 5, 12, tzinfo=UTC))
    spend(2800, date(2025, 12, 12), reference="fuel:1")
    spend(3550, date(2025, 12, 3), vehicle="Paris minibus", reference="fuel:2")
    spend(4000, date(2025, 11, 30), reference="fuel:3")  # the month before
    spend(4100, date(2026, 1, 1), reference="fuel:4")  # the month after
    spend(1000, date(2025, 12, 20), fund_code="general", reference="other:1")  # another fund
    spend(2000, date(2025, 12, 21), reference="fuel:5")
    cancel_spending(db_session, reference="fuel:5")
    db_session.commit()
    sign_in(client, outbox)

    page = client.get("/donations/me/").get_data(as_text=True)
    assert "What the Fuel fund paid for in December 2025:" in page
    assert "28 litres for the Calais van on 12 December" in page
    assert "35.5 litres for the Paris minibus on 3 December" in page
    assert page.index("on 3 December") < page.index("on 12 December")
    for elsewhere in ("40 litres", "41 litres", "10 litres", "20 litres"):
        assert elsewhere not in page

    for language in ("fr", "en"):
        compile_if_stale(language)
    app.extensions["babel"].instance.domain_instance.cache.clear()
    try:
        french = client.get("/donations/me/", headers={"Accept-Language": "fr"})
    finally:
        app.extensions["babel"].instance.domain_instance.cache.clear()
    html = french.get_data(as_text=True)
    assert "Ce que le fonds Carburant a payé en décembre 2025\u00a0:" in html
    assert "28 litres de carburant pour « Calais van », le 12 décembre" in html
    assert "35,5 litres de carburant pour « Paris minibus », le 3 décembre" in html


def test_a_busy_month_shows_the_first_few_and_how_many_more(
    client: FlaskClient,
    outbox: Outbox,
    gift: Callable[..., Donation],
    spend: Callable[..., FundSpending],
) -> None:
    gift(datetime(2025, 12, 5, 12, tzinfo=UTC))
    gift(datetime(2025, 10, 5, 12, tzinfo=UTC))
    for day in range(1, 9):
        spend(2000 + day, date(2025, 12, day))
    spend(3000, date(2025, 10, 9))
    sign_in(client, outbox)
    page = client.get("/donations/me/").get_data(as_text=True)
    assert page.count("What the Fuel fund paid for in") == 2
    assert "20.05 litres for the Calais van on 5 December" in page
    assert "20.06 litres" not in page and "and 3 more" in page
    assert "30 litres for the Calais van on 9 October" in page


def test_a_gift_that_is_not_money_in_shows_nothing(
    client: FlaskClient,
    outbox: Outbox,
    gift: Callable[..., Donation],
    spend: Callable[..., FundSpending],
    db_session: Any,
) -> None:
    refunded = gift(datetime(2025, 12, 5, 12, tzinfo=UTC))
    refunded.status = DonationStatus.REFUNDED
    db_session.commit()
    spend(2800, date(2025, 12, 12))
    sign_in(client, outbox)
    assert "paid for in" not in client.get("/donations/me/").get_data(as_text=True)
