"""A distributed or scrapped crate's label used again: a new life for the crate, with its
history kept and its stock untouched."""

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from app.errors import Conflict
from app.models import Role
from inventory import ledger, queries, services
from inventory.models import CrateState, StockMovement


@pytest.fixture
def site(make_site: Any) -> Any:
    return make_site(name="Point de collecte Lille")


@pytest.fixture
def volunteer(make_user: Any, site: Any) -> Any:
    return make_user(Role.VOLUNTEER, sites=[site])


def movements(db_session: Any) -> int:
    return db_session.scalar(select(func.count()).select_from(StockMovement))


@pytest.mark.parametrize("end", ["distribute", "scrap"])
def test_a_finished_crate_starts_a_new_life_with_its_history_kept(
    db_session: Any, admin: Any, make_crate: Any, make_item: Any, site: Any, end: str
) -> None:
    crate = make_crate(site=site, note="Old note", weight_grams=4000)
    if end == "distribute":
        services.distribute_crate(db_session, actor=admin, crate=crate)
    else:
        services.scrap_crate(db_session, actor=admin, crate=crate)
    before = movements(db_session)
    services.reuse_crate(db_session, actor=admin, crate=crate)
    assert crate.state == CrateState.EMPTY
    assert (crate.lines, crate.site_id, crate.note, crate.weight_grams) == ([], None, "", None)
    assert movements(db_session) == before

    soap = make_item()
    services.pack_crate(
        db_session,
        actor=admin,
        crate=crate,
        site_id=site.id,
        lines=[services.LineInput(soap.id, 4)],
    )
    db_session.commit()
    actions = [event.action for event in queries.crate_timeline(db_session, crate.id)]
    assert actions[:3] == ["packed", "reused", "distributed" if end == "distribute" else "scrapped"]
    assert actions[-2:] == ["packed", "created"]
    assert ledger.balance_of(db_session, site.id, crate.lines[0].stock_item_id) == 4
    assert ledger.find_drift(db_session) == []


@pytest.mark.parametrize("packed", [False, True])
def test_a_crate_in_use_cannot_be_reused(
    db_session: Any, admin: Any, make_crate: Any, site: Any, packed: bool
) -> None:
    crate = make_crate(site=site if packed else None)
    with pytest.raises(Conflict):
        services.reuse_crate(db_session, actor=admin, crate=crate)


def test_the_crate_page_offers_to_pack_a_distributed_crate_again(
    login: Any, volunteer: Any, admin: Any, make_crate: Any, site: Any, db_session: Any
) -> None:
    crate = make_crate(site=site)
    services.distribute_crate(db_session, actor=admin, crate=crate)
    db_session.commit()
    browser = login(volunteer)
    scanned = browser.get(f"/inventory/scan?code={crate.code}")
    assert scanned.location.endswith(f"/inventory/crates/{crate.code}")
    page = browser.get(scanned.location).get_data(as_text=True)
    assert "Pack this crate again" in page
    event_id = uuid.uuid4().hex
    for _ in range(2):
        response = browser.post(
            f"/inventory/crates/{crate.code}/reuse", data={"event_id": event_id}
        )
        assert response.location.endswith(f"/inventory/crates/{crate.code}/pack")
    pack_page = browser.get(response.location).get_data(as_text=True)
    assert "is empty again: pack it" in pack_page
    db_session.refresh(crate)
    assert crate.state == CrateState.EMPTY
    timeline = [event.action for event in queries.crate_timeline(db_session, crate.id)]
    assert timeline.count("reused") == 1
    page = browser.get(f"/inventory/crates/{crate.code}").get_data(as_text=True)
    assert 'class="new-life"' in page and "a new life begins" in page


def test_the_page_refuses_to_reuse_a_crate_in_stock(
    login: Any, volunteer: Any, make_crate: Any, site: Any, db_session: Any
) -> None:
    crate = make_crate(site=site)
    response = login(volunteer).post(f"/inventory/crates/{crate.code}/reuse")
    assert response.status_code == 409
    db_session.refresh(crate)
    assert crate.state == CrateState.IN_STOCK


def test_the_api_reuses_through_its_own_route(
    client: Any, api_token: Any, admin: Any, make_crate: Any, site: Any, db_session: Any
) -> None:
    crate = make_crate(site=site)
    headers = api_token(admin)
    client.post(f"/api/v1/crates/{crate.code}/distribute", json={}, headers=headers)
    refused = client.post(
        f"/api/v1/crates/{crate.code}/pack",
        json={"site_id": site.id, "lines": [{"item_id": 1, "quantity": 1}]},
        headers=headers,
    )
    assert refused.status_code == 409
    body = {"event_id": uuid.uuid4().hex}
    first = client.post(f"/api/v1/crates/{crate.code}/reuse", json=body, headers=headers)
    again = client.post(f"/api/v1/crates/{crate.code}/reuse", json=body, headers=headers)
    assert first.status_code == again.status_code == 200
    assert first.json["state"] == "empty" and first.json["lines"] == []
    assert again.headers["Idempotent-Replayed"] == "true"
    document = client.get("/api/openapi.json").json
    assert "/api/v1/crates/{code}/reuse" in document["paths"]
