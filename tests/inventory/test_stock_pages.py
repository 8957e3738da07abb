import csv
import html
import io
import re
import uuid
from typing import Any

import pytest

from app.models import Role
from inventory import ledger, services
from inventory.models import SizeRange
from inventory.services import LineInput


@pytest.fixture
def stocked(
    db_session: Any, admin: Any, make_site: Any, make_item: Any, make_trousers: Any, make_crate: Any
) -> dict[str, Any]:
    site = make_site(name="Entrepôt Calais")
    soap = make_item(name_en="Soap", name_fr="Savon")
    trousers = make_trousers(name_en="Jeans", name_fr="Jean")
    make_crate(site=site, lines=[LineInput(soap.id, 30), LineInput(trousers.id, 5, "men", "L")])
    make_crate(site=site, lines=[LineInput(soap.id, 12)])
    return {"site": site, "soap": soap, "trousers": trousers}


def test_site_stock_page_filters_and_exports(
    login: Any, make_user: Any, stocked: dict[str, Any]
) -> None:
    browser = login(make_user(Role.TREASURER))
    site = stocked["site"]
    english = {"Accept-Language": "en"}
    page = browser.get(f"/inventory/sites/{site.id}/stock", headers=english).get_data(as_text=True)
    assert "Soap" in page and "42" in page and "Jeans · Men · L" in page
    filtered = browser.get(
        f"/inventory/sites/{site.id}/stock?category=clothing",
        headers={**english, "HX-Request": "true"},
    ).get_data(as_text=True)
    assert "Jeans" in filtered and "Soap" not in filtered and "<html" not in filtered
    assert "Soap" in browser.get(
        f"/inventory/sites/{site.id}/stock?q=sav", headers=english
    ).get_data(as_text=True)
    csv_rows = (
        browser.get(f"/inventory/sites/{site.id}/stock.csv", headers=english)
        .get_data(as_text=True)
        .splitlines()
    )
    assert csv_rows[0] == "Category,Item,Gender,Size,Unit,Quantity"
    assert "Hygiene,Soap,,,piece,42" in csv_rows


def test_stock_is_paginated(
    app: Any,
    login: Any,
    make_user: Any,
    stocked: dict[str, Any],
    make_item: Any,
    db_session: Any,
    admin: Any,
) -> None:
    site = stocked["site"]
    for _ in range(app.config["PAGE_SIZE"]):
        services.receive_loose(
            db_session, actor=admin, site_id=site.id, line=LineInput(make_item().id, 1)
        )
    db_session.commit()
    browser = login(make_user(Role.COORDINATOR))
    first = browser.get(f"/inventory/sites/{site.id}/stock").get_data(as_text=True)
    assert "Page 1 of 2" in first or "Page 1 sur 2" in first
    second = browser.get(f"/inventory/sites/{site.id}/stock?page=2").get_data(as_text=True)
    assert second.count("<tr>") < first.count("<tr>")
    beyond = browser.get(f"/inventory/sites/{site.id}/stock?page=3").get_data(as_text=True)
    assert "Nothing in stock matches." in beyond and "Page 3 of 2" in beyond


def items_listed(page: str) -> list[str]:
    """The stock table's items, top to bottom, as a person reads them."""
    return [html.unescape(label) for label in re.findall(r'/stock/\d+">([^<]+)</a>', page)]


def test_stock_is_listed_by_name_in_the_readers_language_and_by_size_in_its_range(
    login: Any,
    make_user: Any,
    make_site: Any,
    make_item: Any,
    make_trousers: Any,
    db_session: Any,
    admin: Any,
) -> None:
    site = make_site()

    def receive(item: Any, gender: str = "", size: str = "") -> None:
        line = LineInput(item.id, 3, gender, size)
        services.receive_loose(db_session, actor=admin, site_id=site.id, line=line)

    for name_fr, name_en in [
        ("Tente 2 places", "Two-person tent"),
        ("Écharpe", "Scarf"),
        ("Bâche", "Tarpaulin"),
        ("Couverture", "Blanket"),
        ("Batterie externe", "Power bank"),
    ]:
        receive(make_item(category="bedding", name_fr=name_fr, name_en=name_en))
    trousers = make_trousers(name_fr="Pantalon", name_en="Trousers")
    for size in ("XL", "S", "XXL", "M", "XS", "L"):
        receive(trousers, "men", size)
    jumper = make_item(
        category="clothing",
        name_fr="Pull enfant",
        name_en="Children's jumper",
        size_range=SizeRange.CHILD_AGE,
        gendered=True,
    )
    for size in ("10y", "2y", "18-24m", "6-12m"):
        receive(jumper, "boys", size)
    db_session.commit()
    browser = login(make_user(Role.COORDINATOR))
    url = f"/inventory/sites/{site.id}/stock"

    french = items_listed(browser.get(url, headers={"Accept-Language": "fr"}).get_data(True))
    english = items_listed(browser.get(url, headers={"Accept-Language": "en"}).get_data(True))

    # By category (bedding, then clothing), then by name as each language spells it, accents
    # aside ("Bâche" before "Batterie", "Écharpe" among the Es), then by size as it runs.
    trousers_fr = [f"Pantalon · Homme · {size}" for size in ("XS", "S", "M", "L", "XL", "XXL")]
    jumper_fr = [
        f"Pull enfant · Garçon · {size}"
        for size in ("6-12\u00a0mois", "18-24\u00a0mois", "2\u00a0ans", "10\u00a0ans")
    ]
    assert french == [
        "Bâche",
        "Batterie externe",
        "Couverture",
        "Écharpe",
        "Tente 2 places",
        *trousers_fr,
        *jumper_fr,
    ]
    assert english == [
        "Blanket",
        "Power bank",
        "Scarf",
        "Tarpaulin",
        "Two-person tent",
        *(
            f"Children's jumper · Boys · {size}"
            for size in ("6-12 months", "18-24 months", "2 years", "10 years")
        ),
        *(f"Trousers · Men · {size}" for size in ("XS", "S", "M", "L", "XL", "XXL")),
    ]
    exported = browser.get(f"{url}.csv", headers={"Accept-Language": "fr"}).get_data(True)
    rows = list(csv.reader(io.StringIO(exported)))[1:]
    assert [" · ".join(filter(None, row[1:4])) for row in rows] == french


def test_item_history_shows_a_running_balance(
    login: Any, make_user: Any, stocked: dict[str, Any], db_session: Any
) -> None:
    site = stocked["site"]
    stock_item = services.get_stock_item(db_session, stocked["soap"].id)
    browser = login(make_user(Role.COORDINATOR))
    page = browser.get(
        f"/inventory/sites/{site.id}/stock/{stock_item.id}", headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    rows = page.split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:]
    assert ["+12" in rows[0] and ">42<" in rows[0], "+30" in rows[1] and ">30<" in rows[1]] == [
        True,
        True,
    ]


def test_loose_stock_and_adjustments_from_the_pages(
    login: Any, make_user: Any, stocked: dict[str, Any], make_site: Any, db_session: Any
) -> None:
    site, soap = stocked["site"], stocked["soap"]
    other = make_site()
    volunteer = login(make_user(Role.VOLUNTEER, sites=[site]))
    assert volunteer.get(f"/inventory/sites/{site.id}/loose").status_code == 200
    received = volunteer.post(
        f"/inventory/sites/{site.id}/loose",
        data={"kind": "receive", "item_id": soap.id, "quantity": "8", "event_id": uuid.uuid4().hex},
    )
    assert received.status_code == 303
    moved = volunteer.post(
        f"/inventory/sites/{site.id}/loose",
        data={"kind": "move", "item_id": soap.id, "quantity": "10", "to_site_id": other.id},
    )
    assert moved.status_code == 303
    stock_item = services.get_stock_item(db_session, soap.id)
    assert (
        ledger.balance_of(db_session, site.id, stock_item.id),
        ledger.balance_of(db_session, other.id, stock_item.id),
    ) == (40, 10)
    too_many = volunteer.post(
        f"/inventory/sites/{site.id}/loose",
        data={"kind": "move", "item_id": soap.id, "quantity": "41", "to_site_id": other.id},
    )
    assert too_many.status_code == 409
    assert (
        volunteer.post(
            f"/inventory/sites/{site.id}/adjust",
            data={"stock_item_id": stock_item.id, "counted": "3", "note": "count"},
        ).status_code
        == 403
    )
    coordinator = login(make_user(Role.COORDINATOR))
    adjusted = coordinator.post(
        f"/inventory/sites/{site.id}/adjust",
        data={"stock_item_id": stock_item.id, "counted": "38", "note": "counted on Monday"},
    )
    assert adjusted.status_code == 303
    assert ledger.balance_of(db_session, site.id, stock_item.id) == 38
    assert ledger.find_drift(db_session) == []


def test_a_filter_no_form_offers_is_ignored(
    login: Any, make_user: Any, stocked: dict[str, Any]
) -> None:
    browser = login(make_user(Role.TREASURER))
    url = f"/inventory/sites/{stocked['site'].id}/stock?category=weapons&gender=robots"
    answer = browser.get(url, headers={"Accept-Language": "en"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "Soap" in page and "Jeans" in page
