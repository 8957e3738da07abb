"""A crate's place inside its site: set when it is packed or checked in, moved within
the site with an entry in its history (stock does not move), cleared when it leaves."""

from typing import Any

import pytest
from sqlalchemy import func, select

from app.errors import Conflict, InvalidInput
from app.models import Role
from inventory import services
from inventory.models import CrateEvent, StockMovement


def movements(db_session: Any) -> int:
    return db_session.scalar(select(func.count()).select_from(StockMovement))


def last_event(db_session: Any, crate: Any) -> CrateEvent:
    return db_session.scalars(
        select(CrateEvent).where(CrateEvent.crate_id == crate.id).order_by(CrateEvent.id.desc())
    ).first()


def test_a_place_is_set_at_packing_and_at_check_in(
    db_session: Any, admin: Any, make_site: Any, make_crate: Any
) -> None:
    site, other = make_site(), make_site()
    crate = make_crate(site=site, place="  Shelf   B3 ")
    assert crate.place == "Shelf B3"
    services.dispatch_crate(db_session, actor=admin, crate=crate, destination_site_id=other.id)
    assert crate.place is None
    services.check_in_crate(
        db_session, actor=admin, crate=crate, site_id=other.id, place="Container 2"
    )
    assert (crate.site_id, crate.place) == (other.id, "Container 2")
    assert '"place": "Container 2"' in last_event(db_session, crate).detail
    services.check_in_crate(db_session, actor=admin, crate=crate, site_id=site.id)
    assert crate.place is None  # checked in elsewhere without saying where


def test_moving_within_the_site_records_an_event_and_moves_no_stock(
    db_session: Any, admin: Any, make_site: Any, make_crate: Any
) -> None:
    site = make_site()
    crate = make_crate(site=site, place="Shelf B3")
    before = movements(db_session)
    services.move_crate_within_site(db_session, actor=admin, crate=crate, place="Container 2")
    assert (crate.site_id, crate.place) == (site.id, "Container 2")
    assert movements(db_session) == before
    event = last_event(db_session, crate)
    assert (event.action, event.site_id) == ("placed", site.id)
    assert '"came_from": "Shelf B3"' in event.detail
    services.move_crate_within_site(db_session, actor=admin, crate=crate, place=" ")
    assert crate.place is None
    with pytest.raises(Conflict, match="already there"):
        services.move_crate_within_site(db_session, actor=admin, crate=crate, place="")


@pytest.mark.parametrize(
    ("place", "message"),
    [("x" * 61, "too long"), ("Shelf\x00B3", "NUL")],
)
def test_a_bad_place_is_refused_and_nothing_changes(
    db_session: Any, admin: Any, make_site: Any, make_crate: Any, place: str, message: str
) -> None:
    site, other = make_site(), make_site()
    crate = make_crate(site=site, place="Shelf B3")
    with pytest.raises(InvalidInput, match=message) as refused:
        services.move_crate_within_site(db_session, actor=admin, crate=crate, place=place)
    assert refused.value.field == "place"
    with pytest.raises(InvalidInput, match=message):
        services.check_in_crate(db_session, actor=admin, crate=crate, site_id=other.id, place=place)
    with pytest.raises(InvalidInput, match=message):
        services.pack_crate(
            db_session,
            actor=admin,
            crate=make_crate(),
            site_id=site.id,
            lines=[services.LineInput(crate.lines[0].stock_item.item_id, 1)],
            place=place,
        )
    db_session.rollback()
    assert (crate.site_id, crate.place) == (site.id, "Shelf B3")
    assert services.MAX_PLACE_LENGTH == 60
    services.move_crate_within_site(db_session, actor=admin, crate=crate, place="y" * 60)
    assert crate.place == "y" * 60


@pytest.mark.parametrize("leave", ["dispatch", "distribute", "scrap", "lose"])
def test_leaving_the_site_clears_the_place(
    db_session: Any, admin: Any, make_site: Any, make_crate: Any, leave: str
) -> None:
    site, other = make_site(), make_site()
    crate = make_crate(site=site, place="Shelf B3")
    if leave == "dispatch":
        services.dispatch_crate(db_session, actor=admin, crate=crate, destination_site_id=other.id)
    elif leave == "distribute":
        services.distribute_crate(db_session, actor=admin, crate=crate)
    elif leave == "scrap":
        services.scrap_crate(db_session, actor=admin, crate=crate)
    else:
        services.mark_crates_lost(db_session, actor=admin, crates=[crate])
    assert crate.place is None


def test_a_crate_that_is_not_in_stock_has_no_place_to_move_to(
    db_session: Any, admin: Any, make_site: Any, make_crate: Any
) -> None:
    with pytest.raises(Conflict, match="empty"):
        services.move_crate_within_site(db_session, actor=admin, crate=make_crate(), place="B3")


def test_a_volunteer_moves_crates_only_at_their_sites(
    login: Any, make_user: Any, make_site: Any, make_crate: Any
) -> None:
    site, other = make_site(), make_site()
    crate = make_crate(site=site)
    stranger = login(make_user(Role.VOLUNTEER, sites=[other]))
    page = stranger.get(f"/inventory/crates/{crate.code}").get_data(as_text=True)
    assert "Move within this site" not in page and "Déplacer" not in page
    refused = stranger.post(f"/inventory/crates/{crate.code}/place", data={"place": "B3"})
    assert refused.status_code == 403


def test_the_crate_page_moves_the_crate_and_shows_its_place(
    login: Any, make_user: Any, make_site: Any, make_crate: Any
) -> None:
    site = make_site()
    crate = make_crate(site=site, place="Shelf B3")
    browser = login(make_user(Role.VOLUNTEER, sites=[site]))
    english = {"Accept-Language": "en"}
    page = browser.get(f"/inventory/crates/{crate.code}", headers=english).get_data(True)
    assert "Place: Shelf B3" in page and "Move within this site" in page
    moved = browser.post(
        f"/inventory/crates/{crate.code}/place",
        data={"place": "Container 2", "event_id": "move-1-of-crate"},
        headers={**english, "HX-Request": "true"},
    )
    panel = moved.get_data(as_text=True)
    assert moved.status_code == 200 and "<html" not in panel
    assert f"Crate {crate.display_code} is now at Container 2." in panel
    assert "Place: Container 2" in panel and "Moved within the site" in panel
    too_long = browser.post(
        f"/inventory/crates/{crate.code}/place", data={"place": "x" * 61}, headers=english
    )
    assert too_long.status_code == 422 and "too long" in too_long.get_data(as_text=True)


def test_check_in_and_pack_forms_take_a_place(
    db_session: Any,
    login: Any,
    make_user: Any,
    make_site: Any,
    make_item: Any,
    make_crate: Any,
    admin: Any,
) -> None:
    site, other = make_site(), make_site()
    browser = login(make_user(Role.VOLUNTEER, sites=[site]))
    empty = make_crate()
    packed = browser.post(
        f"/inventory/crates/{empty.code}/pack",
        data={
            "site_id": site.id,
            "row": "a",
            "item_id-a": make_item().id,
            "quantity-a": "4",
            "place": "Shelf A1",
        },
    )
    assert packed.status_code == 303
    db_session.refresh(empty)
    assert empty.place == "Shelf A1"
    arriving = make_crate(site=other)
    services.dispatch_crate(db_session, actor=admin, crate=arriving, destination_site_id=site.id)
    db_session.commit()
    page = browser.get(f"/inventory/crates/{arriving.code}").get_data(as_text=True)
    assert 'name="place"' in page
    checked_in = browser.post(
        f"/inventory/crates/{arriving.code}/check-in",
        data={"site_id": site.id, "place": " Container 2 "},
    )
    assert checked_in.status_code == 303
    db_session.refresh(arriving)
    assert (arriving.site_id, arriving.place) == (site.id, "Container 2")


def test_the_api_checks_a_crate_in_at_a_place(
    db_session: Any, client: Any, api_token: Any, make_site: Any, make_crate: Any, admin: Any
) -> None:
    site, other = make_site(), make_site()
    crate = make_crate(site=site)
    headers = api_token(admin)
    moved = client.post(
        f"/api/v1/crates/{crate.code}/move",
        json={"site_id": other.id, "place": "Shelf C4"},
        headers=headers,
    )
    assert moved.status_code == 200, moved.get_data(as_text=True)
    assert moved.json["place"] == "Shelf C4" and moved.json["site_id"] == other.id
    too_long = client.post(
        f"/api/v1/crates/{crate.code}/move",
        json={"site_id": site.id, "place": "x" * 61},
        headers=headers,
    )
    assert too_long.status_code == 422
    assert client.get(f"/api/v1/crates/{crate.code}", headers=headers).json["place"] == "Shelf C4"
