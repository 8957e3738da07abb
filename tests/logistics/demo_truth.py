"""What someone who knows the field checks in the demo data once it is loaded: stock that
can exist, receipts and movements dated on the story's days, vans filling up where they
drive, funds never overspent, and public drop-off points where the home page says."""

from datetime import timedelta
from itertools import pairwise
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from app.clock import local_day, utcnow
from donations.models import Receipt, ReceiptKind
from donations.queries import fund_balances
from inventory.demo import EXAMPLE_CODE, KIDS, WHO_FOR
from inventory.models import CrateLine, Site, SiteKind, StockMovement
from inventory.services.common import validate_variant
from logistics.demo import STATIONS
from logistics.models import FillUp


def assert_the_demo_tells_the_truth(db_session: Any, coordinator: FlaskClient) -> None:
    assert_every_crate_line_passes_packing_validation(db_session)
    assert_the_readme_crate_opens_from_the_scan_page(coordinator)
    assert_receipts_follow_the_gifts_dates(db_session)
    assert_movements_are_dated_across_the_story(db_session)
    assert_vans_fill_up_where_they_drive(db_session)
    assert_no_fund_is_overspent(db_session)
    assert_calais_and_paris_have_public_drop_off_points(db_session)


def assert_every_crate_line_passes_packing_validation(db_session: Any) -> None:
    lines = db_session.scalars(select(CrateLine)).all()
    assert len(lines) > 300
    for line in lines:
        stock_item = line.stock_item
        item = stock_item.item
        label = stock_item.label("en")
        variant = (stock_item.gender, stock_item.size)
        assert validate_variant(item, *variant) == variant, label
        if WHO_FOR.get(item.name_en) == KIDS:
            assert stock_item.gender in KIDS, label


def assert_the_readme_crate_opens_from_the_scan_page(coordinator: FlaskClient) -> None:
    response = coordinator.get("/inventory/scan?code=7k3m-q9xj")
    assert response.status_code == 303
    assert response.location.endswith(f"/inventory/crates/{EXAMPLE_CODE}")


def assert_receipts_follow_the_gifts_dates(db_session: Any) -> None:
    receipts = db_session.scalars(
        select(Receipt)
        .where(Receipt.kind == ReceiptKind.SINGLE)
        .order_by(Receipt.year, Receipt.sequence)
    ).all()
    assert len(receipts) >= 40
    for receipt in receipts:
        (donation,) = receipt.donations
        assert receipt.issued_at == donation.paid_at < utcnow() - timedelta(hours=12)
        assert receipt.gift_date == local_day(donation.paid_at)
    for earlier, later in pairwise(receipts):
        if earlier.year == later.year:
            assert earlier.issued_at <= later.issued_at, (earlier.number, later.number)


def assert_movements_are_dated_across_the_story(db_session: Any) -> None:
    stamps = db_session.scalars(select(StockMovement.created_at)).all()
    days = {stamp.date() for stamp in stamps}
    assert len(days) > 60
    assert min(stamps) < utcnow() - timedelta(days=50)
    assert max(stamps) <= utcnow()


def assert_vans_fill_up_where_they_drive(db_session: Any) -> None:
    fill_ups = db_session.scalars(select(FillUp)).all()
    cities = {fill_up.vehicle.home_site.city for fill_up in fill_ups}
    assert cities == {"Calais", "Paris"}
    for fill_up in fill_ups:
        assert fill_up.station in STATIONS[fill_up.vehicle.home_site.city], fill_up.station


def assert_no_fund_is_overspent(db_session: Any) -> None:
    balances = {balance.fund.code: balance for balance in fund_balances(db_session)}
    assert balances["fuel"].money_out_cents > 0
    assert all(balance.balance_cents >= 0 for balance in balances.values())


def assert_calais_and_paris_have_public_drop_off_points(db_session: Any) -> None:
    public = db_session.scalars(
        select(Site).where(Site.is_public, Site.kind == SiteKind.COLLECTION_POINT)
    ).all()
    assert {"Calais", "Paris"} <= {site.city for site in public}
    assert all(site.address and site.opening_hours for site in public)
