"""A site's crates as a person looks for them: filtered, searched, soonest expiry first,
a page at a time cut in SQL, and exported as CSV."""

import csv
import io
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import event

from app.extensions import db
from app.models import Role
from inventory import services
from inventory.crate_list import CrateFilter, contents_summary, site_crates_page
from inventory.models import CrateState
from inventory.services import LineInput

TODAY = date(2026, 12, 6)


@pytest.fixture
def warehouse(
    db_session: Any,
    admin: Any,
    make_site: Any,
    make_item: Any,
    make_trousers: Any,
    make_crate: Any,
) -> dict[str, Any]:
    """Jeans for men in M (two crates) and L, soap, and a crate of soap at another site."""
    site, elsewhere = make_site(name="Entrepôt Calais"), make_site(name="Lille")
    jeans = make_trousers(name_en="Jeans", name_fr="Jean")
    soap = make_item(name_en="Soap", name_fr="Savon")
    crates = {
        "jeans_m_late": make_crate(
            site=site,
            lines=[LineInput(jeans.id, 12, "men", "M")],
            expiry_date=TODAY + timedelta(days=30),
        ),
        "jeans_m_never": make_crate(site=site, lines=[LineInput(jeans.id, 8, "men", "M")]),
        "jeans_l_soon": make_crate(
            site=site,
            lines=[LineInput(jeans.id, 5, "men", "L"), LineInput(soap.id, 3)],
            expiry_date=TODAY + timedelta(days=2),
        ),
        "soap": make_crate(
            site=site, lines=[LineInput(soap.id, 30)], expiry_date=TODAY + timedelta(days=10)
        ),
        "soap_elsewhere": make_crate(site=elsewhere, lines=[LineInput(soap.id, 30)]),
        "soap_gone": make_crate(site=site, lines=[LineInput(soap.id, 6)]),
    }
    services.distribute_crate(db_session, actor=admin, crate=crates["soap_gone"])
    db_session.commit()
    return {"site": site, "jeans": jeans, "soap": soap, **crates}


def listed(db_session: Any, world: dict[str, Any], **wanted: Any) -> list[Any]:
    page = site_crates_page(db_session, world["site"].id, CrateFilter(**wanted), 1, 50)
    return [row.crate for row in page.rows]


def test_a_sites_crates_in_stock_are_listed_soonest_expiry_first(
    db_session: Any, warehouse: dict[str, Any]
) -> None:
    w = warehouse
    assert listed(db_session, w) == [
        w["jeans_l_soon"],
        w["soap"],
        w["jeans_m_late"],
        w["jeans_m_never"],
    ]


def test_filters_by_item_who_for_size_state_and_expiry(
    db_session: Any, warehouse: dict[str, Any]
) -> None:
    w = warehouse
    jeans_m = [w["jeans_m_late"], w["jeans_m_never"]]
    assert listed(db_session, w, item_id=w["jeans"].id, gender="men", size="M") == jeans_m
    assert listed(db_session, w, item_id=w["jeans"].id) == [w["jeans_l_soon"], *jeans_m]
    assert listed(db_session, w, size="L") == [w["jeans_l_soon"]]
    assert listed(db_session, w, gender="women") == []
    # Item, who-for and size hold for one line together: L jeans and soap are not "soap in L".
    assert listed(db_session, w, item_id=w["soap"].id, size="L") == []
    assert listed(db_session, w, state=CrateState.DISTRIBUTED) == [w["soap_gone"]]
    assert w["soap_gone"] in listed(db_session, w, state=None)
    assert w["soap_elsewhere"] not in listed(db_session, w, state=None)
    soon = listed(db_session, w, expires_by=TODAY + timedelta(days=10))
    assert soon == [w["jeans_l_soon"], w["soap"]]


def test_the_search_finds_a_code_or_an_item_name_in_either_language(
    db_session: Any, warehouse: dict[str, Any]
) -> None:
    w = warehouse
    crate = w["jeans_m_late"]
    assert listed(db_session, w, text=crate.display_code.lower()) == [crate]
    assert listed(db_session, w, text=crate.code[2:6]) == [crate]
    assert listed(db_session, w, text="savon") == [w["jeans_l_soon"], w["soap"]]
    assert listed(db_session, w, text="JEAN", item_id=w["jeans"].id, size="M")[0] == crate
    assert listed(db_session, w, text="100%_") == []


def test_pages_are_cut_in_sql(db_session: Any, warehouse: dict[str, Any]) -> None:
    statements: list[str] = []

    def remember(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", remember)
    try:
        first = site_crates_page(db_session, warehouse["site"].id, CrateFilter(), 1, 3)
        second = site_crates_page(db_session, warehouse["site"].id, CrateFilter(), 2, 3)
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    assert (first.total, first.pages, len(first.rows), len(second.rows)) == (4, 2, 3, 1)
    assert second.rows[0].crate == warehouse["jeans_m_never"]
    listing = [statement for statement in statements if "FROM crates" in statement]
    assert listing and all("LIMIT" in statement or "count(" in statement for statement in listing)


def test_each_row_has_its_contents_and_last_movement(
    db_session: Any, admin: Any, warehouse: dict[str, Any]
) -> None:
    crate = warehouse["jeans_l_soon"]
    services.move_crate_within_site(db_session, actor=admin, crate=crate, place="Shelf B3")
    db_session.commit()
    (row,) = site_crates_page(db_session, warehouse["site"].id, CrateFilter(size="L"), 1, 10).rows
    assert contents_summary(row.crate, "en") == "Jeans · Men · L × 5, Soap × 3"
    assert contents_summary(row.crate, "fr").startswith("Jean · ")
    assert row.crate.place == "Shelf B3" and row.last_action == "placed"
    assert row.last_moved_at is not None


def test_the_crates_page_filters_and_exports_the_same_list(
    login: Any, make_user: Any, warehouse: dict[str, Any]
) -> None:
    browser = login(make_user(Role.TREASURER))
    site = warehouse["site"]
    english = {"Accept-Language": "en"}
    url = f"/inventory/sites/{site.id}/crates"
    page = browser.get(url, headers=english).get_data(as_text=True)
    assert warehouse["jeans_m_late"].display_code in page
    assert "Jeans · Men · M × 12" in page and "Packed" in page
    # A treasurer sees the crates but does not handle them: codes without links.
    assert f'href="/inventory/crates/{warehouse["soap"].code}"' not in page
    query = f"?item={warehouse['jeans'].id}&size=M"
    fragment = browser.get(url + query, headers={**english, "HX-Request": "true"}).get_data(True)
    assert "<html" not in fragment and warehouse["soap"].display_code not in fragment
    assert warehouse["jeans_m_never"].display_code in fragment
    assert f"crates.csv?item={warehouse['jeans'].id}&amp;size=M" in fragment
    exported = browser.get(f"/inventory/sites/{site.id}/crates.csv{query}", headers=english)
    assert exported.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True))))
    assert rows[0] == ["Crate", "Contents", "State", "Place", "Expiry date", "Last movement"]
    assert [row[0] for row in rows[1:]] == [
        warehouse["jeans_m_late"].display_code,
        warehouse["jeans_m_never"].display_code,
    ]
    assert rows[1][1:5] == ["Jeans · Men · M × 12", "In stock", "", "2027-01-05"]
    assert "Packed" in rows[1][5]


def test_a_mistyped_expiry_date_is_refused_and_odd_filters_ignored(
    login: Any, make_user: Any, warehouse: dict[str, Any]
) -> None:
    browser = login(make_user(Role.VOLUNTEER))
    url = f"/inventory/sites/{warehouse['site'].id}/crates"
    refused = browser.get(url + "?expires_by=soon", headers={"Accept-Language": "en"})
    assert refused.status_code == 422 and "is not a date" in refused.get_data(as_text=True)
    ignored = browser.get(url + "?state=melted&gender=aliens&item=x&page=99999999999")
    assert ignored.status_code == 200
    assert warehouse["soap"].display_code in browser.get(url + "?state=melted").get_data(True)


def test_the_stock_pages_link_to_the_crates(
    login: Any, make_user: Any, warehouse: dict[str, Any]
) -> None:
    browser = login(make_user(Role.VOLUNTEER))
    crates = browser.get(f"/inventory/sites/{warehouse['site'].id}/crates").get_data(True)
    assert f'href="/inventory/crates/{warehouse["soap"].code}"' in crates
    link = f'href="/inventory/sites/{warehouse["site"].id}/crates"'
    assert link in browser.get(f"/inventory/sites/{warehouse['site'].id}/stock").get_data(True)
    assert link in browser.get("/inventory/stock").get_data(True)


def test_only_signed_in_staff_see_crates(client: Any, warehouse: dict[str, Any]) -> None:
    response = client.get(f"/inventory/sites/{warehouse['site'].id}/crates")
    assert response.status_code == 302
