"""A volunteer on a phone looks for a site's crates of one item and finds where they
are inside the site."""

from typing import Any

import pytest
from flask import Flask

from app.extensions import db
from app.models import Role, User
from inventory import services
from inventory.models import Item, Site, SiteKind, SizeRange
from tests.conftest import PASSWORD
from tests.e2e.conftest import PHONE, follow_menu, numbers, sign_in


@pytest.fixture
def warehouse(live_app: Flask) -> dict[str, Any]:
    """A warehouse with a crate of jeans on shelf B3 and a crate of soap in container 2."""
    number = next(numbers)
    with live_app.app_context():
        site = Site(name=f"Entrepôt liste {number}", kind=SiteKind.WAREHOUSE, city="Calais")
        jeans = Item(
            category="clothing",
            name_fr=f"Jean {number}",
            name_en=f"Jeans {number}",
            size_range=SizeRange.LETTERS,
            gendered=True,
        )
        soap = Item(category="hygiene", name_fr=f"Savon {number}", name_en=f"Soap {number}")
        volunteer = User(email=f"finder{number}@relais.test", role=Role.VOLUNTEER)
        volunteer.set_password(PASSWORD)
        volunteer.sites = [site]
        db.session.add_all([site, jeans, soap, volunteer])
        db.session.flush()
        jeans_crate, soap_crate = services.create_crates(db.session, actor=volunteer, count=2)
        for crate, line, place in (
            (jeans_crate, services.LineInput(jeans.id, 12, "men", "M"), "Shelf B3"),
            (soap_crate, services.LineInput(soap.id, 30), "Container 2"),
        ):
            services.pack_crate(
                db.session, actor=volunteer, crate=crate, site_id=site.id, lines=[line], place=place
            )
        names = {
            "email": volunteer.email,
            "site": site.name,
            "jeans": jeans.name_en,
            "jeans_crate": jeans_crate.display_code,
            "soap_crate": soap_crate.display_code,
        }
        db.session.commit()
        db.session.remove()
    return names


def test_a_volunteer_finds_the_crates_of_an_item_and_their_place(
    phone: Any, live_server: str, warehouse: dict[str, Any]
) -> None:
    page = phone()
    sign_in(page, live_server, warehouse["email"])
    follow_menu(page, "Stock")
    page.get_by_role("link", name=warehouse["site"]).click()
    page.get_by_role("link", name="Crates", exact=True).click()
    table = page.locator("#crates-table")
    assert table.get_by_text(warehouse["soap_crate"]).is_visible()

    with page.expect_response(lambda response: "/crates?" in response.url):
        page.get_by_label("Item", exact=True).select_option(label=warehouse["jeans"])
    row = table.locator("tbody tr").filter(has_text=warehouse["jeans_crate"])
    row.wait_for()
    assert table.locator("tbody tr").count() == 1
    assert not table.get_by_text(warehouse["soap_crate"]).is_visible()
    place = row.locator("td.place")
    assert place.inner_text() == "Shelf B3"
    # At phone width each crate is a card of labelled lines, not a table wider than the screen.
    assert not table.locator("thead").is_visible()
    box = row.bounding_box()
    assert box is not None and box["x"] >= 0 and box["width"] <= PHONE["viewport"]["width"]
    assert place.bounding_box()["y"] > row.get_by_role("link").bounding_box()["y"]

    row.get_by_role("link", name=warehouse["jeans_crate"]).click()
    page.wait_for_url("**/inventory/crates/*")
    assert page.get_by_text("Place: Shelf B3").is_visible()
    assert page.problems == []
