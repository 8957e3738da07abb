"""What a coordinator does with a mouse: several crates at once, a stocktake, the need
list, and the public page that shows it; and switching the language."""

from typing import Any

import pytest
from flask import Flask

from app.extensions import db
from app.models import Role, User
from inventory import ledger
from inventory.models import Crate, CrateState, Item, Site, SiteKind
from tests.conftest import PASSWORD
from tests.e2e.conftest import numbers, open_menu, packed_crates, sign_in


@pytest.fixture
def depot(live_app: Flask) -> dict[str, Any]:
    """A public collection point with three packed crates of soap, and a coordinator."""
    number = next(numbers)
    with live_app.app_context():
        site = Site(
            name=f"Tours {number}",
            kind=SiteKind.COLLECTION_POINT,
            city="Tours",
            is_public=True,
            opening_hours="Mar 17h-20h",
        )
        soap = Item(category="hygiene", name_fr=f"Savon {number}", name_en=f"Soap {number}")
        coordinator = User(email=f"coordinator{number}@relais.test", role=Role.COORDINATOR)
        coordinator.set_password(PASSWORD)
        db.session.add_all([site, soap, coordinator])
        db.session.flush()
        crates = packed_crates(db.session, coordinator, site.id, soap.id, 10, count=3)
        names = {
            "email": coordinator.email,
            "site_id": site.id,
            "site": site.name,
            "soap": soap.name_en,
            "soap_id": soap.id,
            "codes": [crate.display_code for crate in crates],
        }
        db.session.commit()
        db.session.remove()
    return names


def states(live_app: Flask, codes: list[str]) -> list[CrateState]:
    with live_app.app_context():
        found = [
            db.session.query(Crate).filter_by(code=code.replace("-", "")).one().state
            for code in codes
        ]
        db.session.remove()
        return found


def test_several_crates_distributed_at_once(
    phone: Any, live_server: str, live_app: Flask, depot: dict[str, Any]
) -> None:
    page = phone()
    sign_in(page, live_server, depot["email"])
    page.goto(f"{live_server}/inventory/batch")
    for code in depot["codes"][:2]:
        page.get_by_label("Crate code").fill(code)
        page.keyboard.press("Enter")
        page.locator("#batch-list", has_text=code).wait_for()
    assert page.get_by_text("2 crates").is_visible()
    page.get_by_role("button", name="Mark distributed").click()
    page.get_by_text("2 crates updated").wait_for()
    assert states(live_app, depot["codes"]) == [
        CrateState.DISTRIBUTED,
        CrateState.DISTRIBUTED,
        CrateState.IN_STOCK,
    ]
    assert page.problems == []


def test_a_stocktake_marks_an_unscanned_crate_lost(
    phone: Any, live_server: str, live_app: Flask, depot: dict[str, Any]
) -> None:
    page = phone()
    sign_in(page, live_server, depot["email"])
    page.goto(f"{live_server}/inventory/sites/{depot['site_id']}/stock")
    page.get_by_role("link", name="Stocktake").click()
    page.get_by_role("button", name="Start a stocktake").click()
    for code in depot["codes"][:2]:
        page.get_by_label("Crate code").fill(code)
        page.get_by_role("button", name="Count this crate").click()
        page.locator("#stocktake-scans", has_text=code).wait_for()
    page.get_by_role("link", name="Review the differences").click()
    assert page.get_by_text("Not scanned: will be marked lost").is_visible()
    assert page.get_by_text(depot["codes"][2]).is_visible()
    page.get_by_role("button", name="Confirm the stocktake").click()
    page.get_by_text("1 marked lost").wait_for()
    assert states(live_app, depot["codes"]) == [
        CrateState.IN_STOCK,
        CrateState.IN_STOCK,
        CrateState.LOST,
    ]
    with live_app.app_context():
        assert ledger.find_drift(db.session) == []
        db.session.remove()
    assert page.problems == []


def test_the_need_list_reaches_the_public_page(
    phone: Any, live_server: str, depot: dict[str, Any]
) -> None:
    page = phone()
    sign_in(page, live_server, depot["email"])
    page.goto(f"{live_server}/inventory/sites/{depot['site_id']}/needs/edit")
    page.get_by_label("Item").select_option(label=depot["soap"])
    page.get_by_label("Target quantity").fill("45")
    page.get_by_label("Priority").select_option(label="Urgent")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Need list saved").wait_for()

    visitor = phone()
    visitor.goto(f"{live_server}/inventory/sites")
    visitor.get_by_role("link", name=depot["site"]).click()
    assert visitor.get_by_text("15 still needed").is_visible()
    assert visitor.get_by_text("Mar 17h-20h").is_visible()
    open_menu(visitor).get_by_role("button", name="FR").click()
    visitor.get_by_text("15 encore nécessaires").or_(visitor.get_by_text("Urgent")).first.wait_for()
    assert visitor.locator("html").get_attribute("lang") == "fr"
    assert page.problems == [] and visitor.problems == []
