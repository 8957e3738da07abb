"""Fuel paid by donors: a fill-up paid from the fuel fund draws it down, the funds page
shows it as money out, the donor whose gift went to the fund in that month reads what it
paid for, and voiding the fill-up gives the money back."""

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from app import create_app
from app.extensions import db
from app.models import Role, User
from donations.models import Fund, FundSpending
from logistics import services
from logistics.models import FillUp, Vehicle
from tests.conftest import config_for_tests
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


def test_the_funds_that_pay_for_fuel_after_the_migrations(db_session: Any) -> None:
    flags = dict(db_session.query(Fund.code, Fund.pays_for_fuel))
    assert flags == {"general": False, "fuel": True, "vehicles": True, "housing": False}


def test_a_fill_up_draws_only_on_a_fund_that_pays_for_fuel(
    client: FlaskClient,
    db_session: Any,
    driver: User,
    volunteer: FlaskClient,
    api_token: Callable[[User], dict[str, str]],
    make_vehicle: Callable[..., Vehicle],
) -> None:
    van = make_vehicle(name="Calais van", odometer_km=10_000)
    form = volunteer.get(f"/logistics/vehicles/{van.id}/fuel").get_data(as_text=True)
    assert 'value="fuel"' in form and 'value="vehicles"' in form
    assert 'value="housing"' not in form and 'value="general"' not in form
    typed = {
        "filled_on": "2025-06-02",
        "odometer_km": "10500",
        "litres": "42,57",
        "cost": "73,20",
        "paid_by": "organisation_card",
        "fund": "housing",
    }
    response = volunteer.post(f"/logistics/vehicles/{van.id}/fuel", data=typed)
    assert response.status_code == 422
    assert "The fund housing does not pay for fuel" in response.get_data(as_text=True)

    headers = api_token(driver)
    body = {
        "date": "2025-06-02",
        "odometer_km": 10_500,
        "litres": 42.57,
        "cost_cents": 7320,
        "fund": "housing",
    }
    response = client.post(f"/api/v1/vehicles/{van.id}/fuel", json=body, headers=headers)
    assert response.status_code == 422
    assert response.json["message"].startswith("The fund housing does not pay for fuel")
    assert db_session.query(FillUp).count() == 0 and db_session.query(FundSpending).count() == 0
    listed = client.get("/api/v1/fuel-funds", headers=headers).json
    assert [fund["code"] for fund in listed] == ["fuel", "vehicles"]


def test_a_treasurer_says_which_funds_pay_for_fuel(
    db_session: Any,
    login: Callable[[User], FlaskClient],
    make_user: Callable[..., User],
    volunteer: FlaskClient,
    make_vehicle: Callable[..., Vehicle],
) -> None:
    treasurer = login(make_user(Role.TREASURER))
    page = treasurer.get("/donations/funds").get_data(as_text=True)
    general_row = page[page.index(">General</a>") :].split("</tr>")[0]
    assert "No" in general_row and "Pay for fuel" in general_row
    response = treasurer.post(
        "/donations/funds/fuel", data={"fund": "general", "pays_for_fuel": "yes"}
    )
    assert response.status_code == 303
    page = treasurer.get("/donations/funds").get_data(as_text=True)
    assert "Fill-ups may now be paid from General." in page
    assert "Stop paying for fuel" in page[page.index(">General</a>") :].split("</tr>")[0]
    van = make_vehicle(odometer_km=10_000)
    form = volunteer.get(f"/logistics/vehicles/{van.id}/fuel").get_data(as_text=True)
    assert 'value="general"' in form

    treasurer.post("/donations/funds/fuel", data={"fund": "fuel", "pays_for_fuel": "no"})
    assert not db_session.query(Fund).filter_by(code="fuel").one().pays_for_fuel
    assert (
        volunteer.post(
            "/donations/funds/fuel", data={"fund": "housing", "pays_for_fuel": "yes"}
        ).status_code
        == 403
    )
    missing = treasurer.post("/donations/funds/fuel", data={"fund": "nope", "pays_for_fuel": "yes"})
    assert missing.status_code == 404
    assert not db_session.query(Fund).filter_by(code="housing").one().pays_for_fuel


def test_the_fuel_flag_migrates_a_database_whose_funds_are_in_use(tmp_path: Path) -> None:
    """SQLite checks foreign keys: the column is added (and dropped) in place, never by
    copying the funds table that gifts and donations point at."""
    app = create_app(config_for_tests(f"sqlite:///{tmp_path / 'old.sqlite3'}", tmp_path))
    with app.app_context():
        upgrade(revision="d836c0f1236b")
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO gift_items (slug, fund_id, title_fr, title_en, text_fr,"
                    " text_en, amount_cents, picture, position, active) SELECT 'nights', id,"
                    " 'Nuits', 'Nights', '', '', 1000, '', 0, 1 FROM funds WHERE code = 'housing'"
                )
            )
        upgrade()
        with db.engine.connect() as connection:
            flags = dict(connection.execute(text("SELECT code, pays_for_fuel FROM funds")).all())
        assert flags == {"general": 0, "fuel": 1, "vehicles": 1, "housing": 0}
        downgrade(revision="d836c0f1236b")
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM gift_items")).scalar_one() == 1
        db.engine.dispose()
