"""Sizes, units and item names as a French reader reads them: "2 ans", "24 paquets",
and a French item name inside a French message."""

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.models import Role, User
from inventory import services
from inventory.models import Crate, Item, Site, SizeRange, Unit, quantity_with_unit, size_label

FRENCH = {"Accept-Language": "fr"}
NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("size", "french", "english"),
    [
        ("0-3m", f"0-3{NBSP}mois", "0-3 months"),
        ("18-24m", f"18-24{NBSP}mois", "18-24 months"),
        ("2y", f"2{NBSP}ans", "2 years"),
        ("XL", "XL", "XL"),
        ("42", "42", "42"),
    ],
)
def test_sizes_read_in_the_readers_language(
    app: Flask, size: str, french: str, english: str
) -> None:
    with app.test_request_context(headers=FRENCH):
        assert size_label(size) == french
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert size_label(size) == english


@pytest.mark.parametrize(
    ("quantity", "unit", "french", "english"),
    [
        (1, Unit.PACK, f"1{NBSP}paquet", "1 pack"),
        (24, Unit.PACK, f"24{NBSP}paquets", "24 packs"),
        (2, Unit.PAIR, f"2{NBSP}paires", "2 pairs"),
        (1250, Unit.PIECE, f"1\u202f250{NBSP}pièces", "1,250 pieces"),
        (3, Unit.LITRE, f"3{NBSP}litres", "3 litres"),
    ],
)
def test_units_take_the_plural_the_quantity_wants(
    app: Flask, quantity: int, unit: Unit, french: str, english: str
) -> None:
    with app.test_request_context(headers=FRENCH):
        assert quantity_with_unit(quantity, unit) == french
    with app.test_request_context(headers={"Accept-Language": "en-GB"}):
        assert quantity_with_unit(quantity, unit) == english


def test_the_stock_page_gives_quantities_with_their_unit_in_french(
    login: Callable[[User], FlaskClient],
    make_user: Callable[..., User],
    make_site: Callable[..., Site],
    make_item: Callable[..., Item],
    admin: User,
    db_session: Any,
) -> None:
    site = make_site()
    for name, unit, quantity in (("Couches", Unit.PACK, 24), ("Chaussettes", Unit.PAIR, 1)):
        item = make_item(category="hygiene", name_fr=name, name_en=name, unit=unit)
        line = services.LineInput(item_id=item.id, quantity=quantity)
        services.receive_loose(db_session, actor=admin, site_id=site.id, line=line)
    db_session.commit()
    browser = login(make_user(Role.COORDINATOR))
    page = browser.get(f"/inventory/sites/{site.id}/stock", headers=FRENCH).get_data(True)
    assert f"24{NBSP}paquets" in page and f"1{NBSP}paire<" in page


def test_a_refused_size_names_the_item_in_french(
    login: Callable[[User], FlaskClient],
    make_user: Callable[..., User],
    make_site: Callable[..., Site],
    make_item: Callable[..., Item],
    make_crate: Callable[..., Crate],
) -> None:
    site = make_site()
    jumper = make_item(
        category="clothing",
        name_fr="Pull enfant",
        name_en="Children's jumper",
        size_range=SizeRange.CHILD_AGE,
    )
    crate = make_crate()
    browser = login(make_user(Role.VOLUNTEER, sites=[site]))
    form = {
        "site_id": str(site.id),
        "row": "r1",
        "item_id-r1": str(jumper.id),
        "quantity-r1": "4",
        "event_id": uuid.uuid4().hex,
    }
    page = browser.post(f"/inventory/crates/{crate.code}/pack", data=form, headers=FRENCH)
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert f"Pull enfant{NBSP}: choisissez une taille." in html
    assert "Children" not in html
    assert f"2{NBSP}ans" in html, "the sizes to choose from read in French"
