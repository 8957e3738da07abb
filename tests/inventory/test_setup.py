"""Coordinators set up sites and the catalogue; nothing is ever deleted."""

from typing import Any

import pytest
from sqlalchemy import select

from app.models import Role
from inventory.models import Item, Site, SizeRange
from inventory.services import LineInput


@pytest.fixture
def coordinator(login: Any, make_user: Any) -> Any:
    return login(make_user(Role.COORDINATOR))


SITE = {
    "name": "Point de collecte Rennes",
    "kind": "collection_point",
    "city": "Rennes",
    "address": "1 rue Le Bastard",
    "postcode": "35000",
    "opening_hours": "Sam 10h-12h",
    "is_public": "y",
    "active": "y",
}


def test_a_new_site_appears_on_the_public_pages(
    coordinator: Any, client: Any, db_session: Any
) -> None:
    assert coordinator.get("/inventory/sites/new").status_code == 200
    response = coordinator.post("/inventory/sites/new", data=SITE)
    assert response.status_code == 303
    site = db_session.scalar(select(Site).where(Site.name == SITE["name"]))
    assert site.is_public and site.city == "Rennes"
    assert "Point de collecte Rennes" in client.get("/inventory/sites").get_data(as_text=True)
    assert "Point de collecte Rennes" in coordinator.get("/inventory/sites/manage").get_data(
        as_text=True
    )


def test_editing_a_site_and_making_it_inactive(
    coordinator: Any, make_site: Any, db_session: Any, client: Any
) -> None:
    site = make_site(name="Lyon", is_public=True)
    page = coordinator.get(f"/inventory/sites/{site.id}/edit").get_data(as_text=True)
    assert 'value="Lyon"' in page
    response = coordinator.post(
        f"/inventory/sites/{site.id}/edit", data={**SITE, "name": "Lyon Perrache", "active": ""}
    )
    assert response.status_code == 303
    db_session.refresh(site)
    assert site.name == "Lyon Perrache" and not site.active
    assert "Lyon Perrache" not in client.get("/inventory/sites").get_data(as_text=True)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"city": ""}, "This field is required"),
        ({"latitude": "48.1"}, "both coordinates"),
        ({"latitude": "148.1", "longitude": "2"}, "not on Earth"),
        ({"latitude": "north"}, "Not a valid float"),
        ({"kind": "castle"}, "Not a valid choice"),
    ],
)
def test_bad_sites_are_refused(
    coordinator: Any, db_session: Any, changes: dict[str, str], message: str
) -> None:
    response = coordinator.post("/inventory/sites/new", data={**SITE, **changes})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db_session.scalar(select(Site).where(Site.name == SITE["name"])) is None


def test_two_sites_cannot_share_a_name(coordinator: Any, make_site: Any) -> None:
    make_site(name=SITE["name"])
    response = coordinator.post("/inventory/sites/new", data=SITE)
    assert response.status_code == 409 and "already called" in response.get_data(as_text=True)


ITEM = {
    "category": "clothing",
    "name_fr": "Doudoune",
    "name_en": "Puffer jacket",
    "unit": "piece",
    "size_range": "letters",
    "gendered": "y",
    "active": "y",
}


def test_a_new_item_can_be_packed_at_once(coordinator: Any, db_session: Any) -> None:
    assert coordinator.get("/inventory/catalogue/new").status_code == 200
    assert coordinator.post("/inventory/catalogue/new", data=ITEM).status_code == 303
    item = db_session.scalar(select(Item).where(Item.name_en == "Puffer jacket"))
    assert item.size_range == SizeRange.LETTERS and item.gendered
    assert "Puffer jacket" in coordinator.get("/inventory/items/search?q=doud").get_data(
        as_text=True
    )
    assert "Puffer jacket" in coordinator.get("/inventory/catalogue").get_data(as_text=True)


def test_sizes_cannot_change_once_stock_is_counted_by_size(
    coordinator: Any, make_trousers: Any, make_crate: Any, make_site: Any
) -> None:
    trousers = make_trousers()
    make_crate(site=make_site(), lines=[LineInput(trousers.id, 3, "men", "M")])
    response = coordinator.post(
        f"/inventory/catalogue/{trousers.id}/edit",
        data={**ITEM, "name_en": trousers.name_en, "size_range": ""},
    )
    assert response.status_code == 409 and "cannot change" in response.get_data(as_text=True)
    renamed = coordinator.post(
        f"/inventory/catalogue/{trousers.id}/edit", data={**ITEM, "name_en": "Chinos"}
    )
    assert renamed.status_code == 303


def test_an_inactive_item_is_no_longer_offered(coordinator: Any, make_item: Any) -> None:
    soap = make_item(name_en="Olive soap", name_fr="Savon d'olive", category="hygiene")
    data = {
        "category": "hygiene",
        "name_fr": soap.name_fr,
        "name_en": soap.name_en,
        "unit": "piece",
        "size_range": "",
    }
    assert coordinator.post(f"/inventory/catalogue/{soap.id}/edit", data=data).status_code == 303
    assert "Olive soap" not in coordinator.get("/inventory/items/search?q=olive").get_data(
        as_text=True
    )


def test_volunteers_cannot_set_up_sites_or_items(login: Any, make_user: Any) -> None:
    volunteer = login(make_user(Role.VOLUNTEER))
    assert volunteer.get("/inventory/sites/manage").status_code == 403
    assert volunteer.post("/inventory/catalogue/new", data=ITEM).status_code == 403
