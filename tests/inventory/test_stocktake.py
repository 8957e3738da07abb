"""A coordinator counts a site; confirming posts the differences and marks missing crates
lost. Nothing changes before confirmation."""

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from app.errors import Conflict, InvalidInput
from app.models import Role
from inventory import ledger, services
from inventory import stocktake as stocktakes
from inventory.models import CrateState, StockMovement
from inventory.services import LineInput


@pytest.fixture
def warehouse(
    db_session: Any, admin: Any, make_site: Any, make_item: Any, make_crate: Any
) -> dict[str, Any]:
    site, elsewhere = make_site(name="Entrepôt"), make_site(name="Lille")
    soap, water = make_item(name_en="Soap"), make_item(name_en="Water", unit="litre")
    present = make_crate(site=site, lines=[LineInput(soap.id, 10)])
    missing = make_crate(site=site, lines=[LineInput(soap.id, 5)])
    stray = make_crate(site=elsewhere, lines=[LineInput(soap.id, 7)])
    services.receive_loose(db_session, actor=admin, site_id=site.id, line=LineInput(water.id, 100))
    db_session.commit()
    return {
        "site": site,
        "elsewhere": elsewhere,
        "soap": soap,
        "water": water,
        "present": present,
        "missing": missing,
        "stray": stray,
    }


def stock(db_session: Any, site: Any, item: Any) -> int:
    return ledger.balance_of(db_session, site.id, services.get_stock_item(db_session, item.id).id)


def test_review_then_confirm(db_session: Any, admin: Any, warehouse: dict[str, Any]) -> None:
    site = warehouse["site"]
    take = stocktakes.start_stocktake(db_session, actor=admin, site_id=site.id)
    for crate in ("present", "stray", "present"):
        stocktakes.scan_into_stocktake(
            db_session, actor=admin, stocktake=take, code=warehouse[crate].code
        )
    stocktakes.count_loose(
        db_session, actor=admin, stocktake=take, line=LineInput(warehouse["water"].id, 90)
    )
    before = db_session.scalar(select(func.count()).select_from(StockMovement))
    plan = stocktakes.plan_stocktake(db_session, take)
    assert db_session.scalar(select(func.count()).select_from(StockMovement)) == before
    assert [crate.code for crate in plan.found_here] == [warehouse["stray"].code]
    assert [crate.code for crate in plan.missing] == [warehouse["missing"].code]
    assert [(row.expected, row.counted, row.difference) for row in plan.loose] == [(100, 90, -10)]
    assert len(take.scans) == 2

    stocktakes.confirm_stocktake(db_session, actor=admin, stocktake=take)
    assert warehouse["missing"].state == CrateState.LOST
    assert (warehouse["stray"].state, warehouse["stray"].site_id) == (CrateState.IN_STOCK, site.id)
    assert stock(db_session, site, warehouse["soap"]) == 17
    assert stock(db_session, warehouse["elsewhere"], warehouse["soap"]) == 0
    assert stock(db_session, site, warehouse["water"]) == 90
    assert ledger.find_drift(db_session) == []
    with pytest.raises(Conflict, match="already closed"):
        stocktakes.get_open_stocktake(db_session, take.id)


def test_one_open_stocktake_per_site(
    db_session: Any, admin: Any, warehouse: dict[str, Any]
) -> None:
    stocktakes.start_stocktake(db_session, actor=admin, site_id=warehouse["site"].id)
    with pytest.raises(Conflict, match="already open"):
        stocktakes.start_stocktake(db_session, actor=admin, site_id=warehouse["site"].id)


def test_an_empty_label_cannot_be_counted(
    db_session: Any, admin: Any, warehouse: dict[str, Any], make_crate: Any
) -> None:
    take = stocktakes.start_stocktake(db_session, actor=admin, site_id=warehouse["site"].id)
    with pytest.raises(InvalidInput, match="never packed"):
        stocktakes.scan_into_stocktake(
            db_session, actor=admin, stocktake=take, code=make_crate().code
        )


def test_the_stocktake_pages(
    login: Any, make_user: Any, warehouse: dict[str, Any], db_session: Any
) -> None:
    site = warehouse["site"]
    browser = login(make_user(Role.COORDINATOR))
    english = {"Accept-Language": "en"}
    assert "Start a stocktake" in browser.get(
        f"/inventory/sites/{site.id}/stocktake", headers=english
    ).get_data(as_text=True)
    assert browser.post(f"/inventory/sites/{site.id}/stocktake/start").status_code == 303
    take = stocktakes.open_stocktake(db_session, site.id)
    scanned = browser.post(
        f"/inventory/stocktakes/{take.id}/scan",
        data={"code": warehouse["present"].display_code},
        headers={**english, "HX-Request": "true"},
    )
    assert "1 crate counted" in scanned.get_data(as_text=True)
    bad = browser.post(
        f"/inventory/stocktakes/{take.id}/scan",
        data={"code": "WHAT"},
        headers={**english, "HX-Request": "true"},
    )
    assert bad.status_code == 422 and "is not a crate code" in bad.get_data(as_text=True)
    counted = browser.post(
        f"/inventory/stocktakes/{take.id}/count",
        data={"item_id": warehouse["water"].id, "quantity": "100"},
    )
    assert counted.status_code == 303
    review = browser.get(f"/inventory/stocktakes/{take.id}/review", headers=english).get_data(
        as_text=True
    )
    assert "will be marked lost" in review and warehouse["missing"].display_code in review
    form = {"event_id": uuid.uuid4().hex}
    confirmed = browser.post(f"/inventory/stocktakes/{take.id}/confirm", data=form)
    again = browser.post(f"/inventory/stocktakes/{take.id}/confirm", data=form)
    assert confirmed.status_code == again.status_code == 303
    db_session.refresh(warehouse["missing"])
    assert warehouse["missing"].state == CrateState.LOST
    assert (
        stock(db_session, site, warehouse["soap"]) == 10
        and stock(db_session, site, warehouse["water"]) == 100
    )


def test_cancelling_changes_nothing(
    login: Any, make_user: Any, warehouse: dict[str, Any], db_session: Any
) -> None:
    site = warehouse["site"]
    browser = login(make_user(Role.ADMIN))
    browser.post(f"/inventory/sites/{site.id}/stocktake/start")
    take = stocktakes.open_stocktake(db_session, site.id)
    assert browser.post(f"/inventory/stocktakes/{take.id}/cancel").status_code == 303
    assert stocktakes.open_stocktake(db_session, site.id) is None
    assert warehouse["missing"].state == CrateState.IN_STOCK
    assert browser.post(f"/inventory/stocktakes/{take.id}/confirm").status_code == 409


def test_volunteers_cannot_run_a_stocktake(
    login: Any, make_user: Any, warehouse: dict[str, Any]
) -> None:
    browser = login(make_user(Role.VOLUNTEER, sites=[warehouse["site"]]))
    assert (
        browser.post(f"/inventory/sites/{warehouse['site'].id}/stocktake/start").status_code == 403
    )
