"""Fuel paid by donors: a fill-up paid from the fuel fund draws it down, the funds page
shows it as money out, the donor whose gift went to the fund in that month reads what it
paid for, and voiding the fill-up gives the money back."""

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from flask.testing import FlaskClient

from app.models import Role, User
from donations.models import Fund
from logistics import services
from logistics.models import FillUp, Vehicle
from tests.donations.conftest import outbox  # noqa: F401  (the donor's sign-in link)
from tests.donations.test_donor_area import sign_in
from tests.donations.test_money_out import paid_gift


def test_a_fill_up_from_the_fuel_fund_is_money_out_and_the_donor_reads_it(
    client: FlaskClient,
    outbox: Any,  # noqa: F811
    db_session: Any,
    admin: User,
    login: Callable[[User], FlaskClient],
    make_user: Callable[..., User],
    make_vehicle: Callable[..., Vehicle],
    fill: Callable[..., FillUp],
) -> None:
    fuel = db_session.query(Fund).filter_by(code="fuel").one()
    paid_gift(db_session, fuel, datetime(2025, 12, 3, 10, tzinfo=UTC))
    van = make_vehicle(name="Calais van", odometer_km=84_000)
    kept = fill(van, date(2025, 12, 12), 84_300, "28", 4760, fund_code="fuel")
    voided = fill(van, date(2025, 12, 14), 84_500, "30", 5100, fund_code="fuel")
    fill(van, date(2025, 12, 15), 84_600, "10", 1700)  # the organisation's own money
    services.void_fill_up(db_session, actor=admin, fill_up_id=voided.id, reason="twice")
    db_session.commit()
    assert kept.fund_id == fuel.id

    treasurer = login(make_user(Role.TREASURER))
    page = treasurer.get("/donations/funds").get_data(as_text=True)
    fuel_row = page[page.index(">Fuel</a>") :].split("</tr>")[0]
    assert fuel_row.index("€50.00") < fuel_row.index("€47.60") < fuel_row.index("€2.40")
    assert "28 litres for the Calais van on 12 December" in page
    assert "10 litres" not in page, "not paid from a fund"

    sign_in(client, outbox)
    area = client.get("/donations/me/").get_data(as_text=True)
    assert "What the Fuel fund paid for in December 2025:" in area
    assert "28 litres for the Calais van on 12 December" in area
    assert "30 litres" not in area, "voided: the money went back"
