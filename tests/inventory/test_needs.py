"""Need lists: shortfall = target - (on hand at the site + in transit to it)."""

from typing import Any

import pytest

from app.errors import InvalidInput
from inventory import queries, services
from inventory.models import Gender, Priority
from inventory.services import LineInput


def need(db_session: Any, admin: Any, site: Any, item: Any, target: int, **extra: Any) -> Any:
    """The admin sets the site's need for the item (gender, size, priority, note in extra)."""
    return services.set_need(
        db_session, actor=admin, site_id=site.id, item_id=item.id, target_quantity=target, **extra
    )


def test_shortfall_counts_stock_on_hand_and_on_its_way(
    db_session: Any, admin: Any, make_site: Any, make_trousers: Any, make_crate: Any
) -> None:
    lille, calais = make_site(), make_site()
    trousers = make_trousers()
    need(
        db_session,
        admin,
        calais,
        trousers,
        50,
        gender=Gender.MEN,
        size="M",
        priority=Priority.URGENT,
    )
    need(db_session, admin, calais, trousers, 30)
    make_crate(
        site=calais,
        lines=[LineInput(trousers.id, 10, "men", "M"), LineInput(trousers.id, 4, "women", "S")],
    )
    travelling = make_crate(site=lille, lines=[LineInput(trousers.id, 15, "men", "M")])
    services.dispatch_crate(
        db_session, actor=admin, crate=travelling, destination_site_id=calais.id
    )
    make_crate(site=lille, lines=[LineInput(trousers.id, 99, "men", "M")])
    needs = queries.list_needs(db_session, calais.id)
    assert [(n.line.size, n.on_hand, n.in_transit, n.shortfall) for n in needs] == [
        ("M", 10, 15, 25),
        ("", 14, 15, 1),
    ]


def test_a_covered_need_has_no_shortfall_and_urgent_comes_first(
    db_session: Any, admin: Any, make_site: Any, make_item: Any, make_crate: Any
) -> None:
    site, soap, socks = make_site(), make_item(), make_item()
    need(db_session, admin, site, soap, 5)
    need(db_session, admin, site, socks, 5, priority=Priority.URGENT)
    make_crate(site=site, lines=[LineInput(soap.id, 8)])
    needs = queries.list_needs(db_session, site.id)
    assert [(n.line.item_id, n.shortfall) for n in needs] == [(socks.id, 5), (soap.id, 0)]


def test_setting_a_need_again_changes_the_line(
    db_session: Any, admin: Any, make_site: Any, make_item: Any
) -> None:
    site, soap = make_site(), make_item()
    first = need(db_session, admin, site, soap, 5)
    second = need(db_session, admin, site, soap, 9)
    assert first.id == second.id and second.target_quantity == 9


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"target_quantity": 0}, "between 1"),
        ({"gender": "men"}, "gender"),
        ({"size": "XL"}, "size"),
    ],
)
def test_bad_needs_are_refused(
    db_session: Any, admin: Any, make_site: Any, make_item: Any, extra: dict[str, Any], message: str
) -> None:
    fields = {"target_quantity": 5, **extra}
    with pytest.raises(InvalidInput, match=message):
        services.set_need(
            db_session, actor=admin, site_id=make_site().id, item_id=make_item().id, **fields
        )


def test_public_pages_list_collection_points_and_their_needs(
    client: Any, db_session: Any, admin: Any, make_site: Any, make_item: Any
) -> None:
    site = make_site(name="Point de collecte Tours", opening_hours="Mar 17h-20h")
    make_site(name="Entrepôt secret", is_public=False)
    soap = make_item(name_fr="Savon", name_en="Soap")
    need(db_session, admin, site, soap, 40, priority=Priority.URGENT, note="Neuf")
    db_session.commit()
    listing = client.get("/inventory/sites").get_data(as_text=True)
    assert (
        "Point de collecte Tours" in listing
        and "Mar 17h-20h" in listing
        and "Entrepôt secret" not in listing
    )
    page = client.get(
        f"/inventory/sites/{site.id}/needs", headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    assert "Soap" in page and "40 still needed" in page
    french = client.get(
        f"/inventory/sites/{site.id}/needs", headers={"Accept-Language": "fr"}
    ).get_data(as_text=True)
    assert "Savon" in french
    csv_text = client.get(
        f"/inventory/sites/{site.id}/needs.csv", headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    assert csv_text.splitlines()[1].startswith("Urgent,Soap,any,any,40,0,0,40,Neuf")


def test_coordinators_edit_the_need_list(
    login: Any, make_user: Any, make_site: Any, make_item: Any
) -> None:
    from app.models import Role

    site, soap = make_site(), make_item(name_en="Soap")
    browser = login(make_user(Role.COORDINATOR))
    response = browser.post(
        f"/inventory/sites/{site.id}/needs/edit",
        data={"item_id": soap.id, "target_quantity": "25", "priority": "high"},
    )
    assert response.status_code == 303
    page = browser.get(
        f"/inventory/sites/{site.id}/needs/edit", headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    assert "Soap" in page and "25" in page
    bad = browser.post(
        f"/inventory/sites/{site.id}/needs/edit", data={"item_id": soap.id, "target_quantity": "-2"}
    )
    assert bad.status_code == 422 and "between 1" in bad.get_data(as_text=True)
