"""One-tap traps on the crate page: distributing and scrapping ask first, a send has no
default destination, and a sent crate is not checked straight back in."""

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from app.models import Role
from inventory.models import CrateState, StockMovement


@pytest.fixture
def lille(make_site: Any) -> Any:
    return make_site(name="Point de collecte Lille")


@pytest.fixture
def calais(make_site: Any) -> Any:
    return make_site(name="Entrepôt Calais")


@pytest.fixture
def volunteer(make_user: Any, lille: Any, calais: Any) -> Any:
    return make_user(Role.VOLUNTEER, sites=[lille, calais])


@pytest.fixture
def browser(login: Any, volunteer: Any) -> Any:
    return login(volunteer)


def movements(db_session: Any) -> int:
    return db_session.scalar(select(func.count()).select_from(StockMovement))


def page_of(browser: Any, crate: Any) -> str:
    return browser.get(f"/inventory/crates/{crate.code}").get_data(as_text=True)


@pytest.mark.parametrize(
    ("action", "question"),
    [("distribute", "Was everything in crate"), ("scrap", "Throw crate")],
)
@pytest.mark.parametrize("htmx", [True, False])
def test_distribute_and_scrap_ask_before_they_act(
    browser: Any,
    make_crate: Any,
    lille: Any,
    db_session: Any,
    action: str,
    question: str,
    htmx: bool,
) -> None:
    crate = make_crate(site=lille)
    before = movements(db_session)
    headers = {"HX-Request": "true"} if htmx else {}
    response = browser.post(
        f"/inventory/crates/{crate.code}/{action}",
        data={"event_id": uuid.uuid4().hex},
        headers=headers,
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert question in page and "<details class" in page and " open>" in page
    assert ("<html" in page) is not htmx
    db_session.refresh(crate)
    assert crate.state == CrateState.IN_STOCK and movements(db_session) == before

    response = browser.post(
        f"/inventory/crates/{crate.code}/{action}",
        data={"event_id": uuid.uuid4().hex, "confirmed": "yes"},
    )
    assert response.status_code == 303
    db_session.refresh(crate)
    assert crate.state in (CrateState.DISTRIBUTED, CrateState.SCRAPPED)
    assert movements(db_session) == before + 1


def test_the_crate_page_asks_before_distributing_or_scrapping(
    browser: Any, make_crate: Any, lille: Any
) -> None:
    page = page_of(browser, make_crate(site=lille))
    assert "Yes, mark distributed" in page and "Yes, scrap it" in page
    assert page.count('name="confirmed" value="yes"') == 2
    assert " open>" not in page


def test_send_to_has_no_default_destination(
    browser: Any, make_crate: Any, lille: Any, db_session: Any
) -> None:
    crate = make_crate(site=lille)
    page = page_of(browser, crate)
    assert '<option value="" selected>Choose a site</option>' in page
    before = movements(db_session)
    response = browser.post(
        f"/inventory/crates/{crate.code}/dispatch",
        data={"event_id": uuid.uuid4().hex, "site_id": ""},
    )
    assert response.status_code == 422
    assert "Choose the site to send the crate to" in response.get_data(as_text=True)
    db_session.refresh(crate)
    assert crate.state == CrateState.IN_STOCK and movements(db_session) == before


def test_a_sent_crate_is_not_checked_back_in_where_it_left(
    browser: Any, make_crate: Any, lille: Any, calais: Any
) -> None:
    crate = make_crate(site=lille)
    browser.post("/inventory/scan/site", data={"site_id": lille.id})
    response = browser.post(
        f"/inventory/crates/{crate.code}/dispatch",
        data={"event_id": uuid.uuid4().hex, "site_id": calais.id},
        headers={"HX-Request": "true"},
    )
    panel = response.get_data(as_text=True)
    assert "on its way to Entrepôt Calais" in panel
    assert "Check in at" not in panel
    assert "checked in at Entrepôt Calais when it arrives" in panel
    assert "Check in at" not in page_of(browser, crate)

    browser.post("/inventory/scan/site", data={"site_id": calais.id})
    assert "Check in at Entrepôt Calais" in page_of(browser, crate)
