"""The crate API: same rules as the pages, and replays with an event id count once."""

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from app.models import Role
from inventory.models import StockMovement


@pytest.fixture
def calais(make_site: Any) -> Any:
    return make_site(name="Entrepôt Calais", is_public=False)


@pytest.fixture
def coordinator_headers(make_user: Any, api_token: Any) -> dict[str, str]:
    return api_token(make_user(Role.COORDINATOR))


def new_codes(client: Any, headers: dict[str, str], count: int = 1) -> list[str]:
    response = client.post("/api/v1/crates", json={"count": count}, headers=headers)
    assert response.status_code == 201
    return response.json["codes"]


def test_create_pack_move_and_distribute(
    client: Any,
    coordinator_headers: dict[str, str],
    calais: Any,
    make_site: Any,
    make_trousers: Any,
) -> None:
    (code,) = new_codes(client, coordinator_headers)
    trousers = make_trousers()
    packed = client.post(
        f"/api/v1/crates/{code.lower()}/pack",
        json={
            "site_id": calais.id,
            "lines": [{"item_id": trousers.id, "quantity": 8, "gender": "men", "size": "L"}],
        },
        headers=coordinator_headers,
    )
    assert packed.status_code == 200, packed.json
    assert packed.json["state"] == "in_stock"
    assert packed.json["url"] == f"https://relais.test/c/{code}"
    assert packed.json["lines"][0]["quantity"] == 8
    lille = make_site(name="Lille")
    moved = client.post(
        f"/api/v1/crates/{code}/move", json={"site_id": lille.id}, headers=coordinator_headers
    )
    assert moved.json["site_id"] == lille.id
    stock = client.get(f"/api/v1/stock?site_id={lille.id}", headers=coordinator_headers).json
    assert [(row["item_id"], row["gender"], row["size"], row["quantity"]) for row in stock] == [
        (trousers.id, "men", "L", 8)
    ]
    assert (
        client.post(f"/api/v1/crates/{code}/distribute", json={}, headers=coordinator_headers).json[
            "state"
        ]
        == "distributed"
    )
    again = client.post(
        f"/api/v1/crates/{code}/move", json={"site_id": calais.id}, headers=coordinator_headers
    )
    assert again.status_code == 409
    assert "already distributed" in again.json["message"]


def test_the_same_event_id_counts_once_and_returns_the_first_answer(
    client: Any, coordinator_headers: dict[str, str], calais: Any, make_item: Any, db_session: Any
) -> None:
    (code,) = new_codes(client, coordinator_headers)
    event = {"event_id": str(uuid.uuid4())}
    body = {"site_id": calais.id, "lines": [{"item_id": make_item().id, "quantity": 4}], **event}
    first = client.post(f"/api/v1/crates/{code}/pack", json=body, headers=coordinator_headers)
    count = db_session.scalar(select(func.count()).select_from(StockMovement))
    second = client.post(f"/api/v1/crates/{code}/pack", json=body, headers=coordinator_headers)
    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json == first.json
    assert second.headers["Idempotent-Replayed"] == "true"
    assert db_session.scalar(select(func.count()).select_from(StockMovement)) == count
    reused = client.post(
        f"/api/v1/crates/{code}/distribute", json=event, headers=coordinator_headers
    )
    assert reused.status_code == 422 and "different action" in reused.json["message"]


def test_a_refused_action_replays_as_refused(
    client: Any, coordinator_headers: dict[str, str], calais: Any
) -> None:
    (code,) = new_codes(client, coordinator_headers)
    event = {"site_id": calais.id, "event_id": str(uuid.uuid4())}
    first = client.post(f"/api/v1/crates/{code}/move", json=event, headers=coordinator_headers)
    second = client.post(f"/api/v1/crates/{code}/move", json=event, headers=coordinator_headers)
    assert first.status_code == second.status_code == 409
    assert first.json == second.json


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/api/v1/crates/ZZZZ-ZZZZ", None, 422),
        ("/api/v1/crates/not-a-code/move", {"site_id": 1}, 422),
        ("/api/v1/crates", {"count": 0}, 422),
        ("/api/v1/crates", {"count": "many"}, 422),
        ("/api/v1/crates", {"count": 10_000}, 422),
    ],
)
def test_bad_requests_get_clear_4xx(
    client: Any, coordinator_headers: dict[str, str], path: str, body: Any, status: int
) -> None:
    response = (
        client.post(path, json=body, headers=coordinator_headers)
        if body is not None
        else client.get(path, headers=coordinator_headers)
    )
    assert response.status_code == status
    assert response.json["message"]


@pytest.mark.parametrize("quantity", [0, -1, 10_001, "3", 2.5])
def test_bad_quantities_are_refused_and_nothing_is_written(
    client: Any,
    coordinator_headers: dict[str, str],
    calais: Any,
    make_item: Any,
    db_session: Any,
    quantity: Any,
) -> None:
    (code,) = new_codes(client, coordinator_headers)
    response = client.post(
        f"/api/v1/crates/{code}/pack",
        json={"site_id": calais.id, "lines": [{"item_id": make_item().id, "quantity": quantity}]},
        headers=coordinator_headers,
    )
    assert response.status_code == 422
    assert (
        client.get(f"/api/v1/crates/{code}", headers=coordinator_headers).json["state"] == "empty"
    )
    assert db_session.scalar(select(func.count()).select_from(StockMovement)) == 0


def test_a_volunteer_cannot_act_at_a_site_they_are_not_assigned_to(
    client: Any,
    make_user: Any,
    make_site: Any,
    api_token: Any,
    make_item: Any,
    coordinator_headers: dict[str, str],
) -> None:
    mine, theirs = make_site(), make_site()
    headers = api_token(make_user(Role.VOLUNTEER, sites=[mine]))
    (code,) = new_codes(client, coordinator_headers)
    body = {"site_id": theirs.id, "lines": [{"item_id": make_item().id, "quantity": 1}]}
    response = client.post(f"/api/v1/crates/{code}/pack", json=body, headers=headers)
    assert response.status_code == 403
    assert "not assigned" in response.json["message"]
    assert client.get(f"/api/v1/crates/{code}", headers=headers).json["state"] == "empty"


def test_a_treasurer_cannot_move_crates(
    client: Any, make_user: Any, api_token: Any, coordinator_headers: dict[str, str], calais: Any
) -> None:
    (code,) = new_codes(client, coordinator_headers)
    headers = api_token(make_user(Role.TREASURER))
    assert (
        client.post(
            f"/api/v1/crates/{code}/move", json={"site_id": calais.id}, headers=headers
        ).status_code
        == 403
    )


def test_needs_and_sites_are_public(
    client: Any, make_site: Any, make_item: Any, admin: Any, db_session: Any
) -> None:
    from inventory import services

    site = make_site(name="Lyon", is_public=True)
    hidden = make_site(name="Back office", is_public=False)
    services.set_need(
        db_session,
        actor=admin,
        site_id=site.id,
        item_id=make_item(name_en="Soap", name_fr="Savon").id,
        target_quantity=50,
    )
    names = [row["name"] for row in client.get("/api/v1/sites").json]
    assert "Lyon" in names and "Back office" not in names
    needs = client.get(f"/api/v1/sites/{site.id}/needs", headers={"Accept-Language": "en"}).json
    assert [(need["name"], need["shortfall"]) for need in needs] == [("Soap", 50)]
    assert client.get(f"/api/v1/sites/{hidden.id}/needs").status_code == 404


def test_labels_pdf_for_existing_crates(client: Any, coordinator_headers: dict[str, str]) -> None:
    codes = new_codes(client, coordinator_headers, 3)
    response = client.get(
        f"/api/v1/labels.pdf?codes={','.join(codes)}", headers=coordinator_headers
    )
    assert response.status_code == 200
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF")


def test_the_openapi_document_describes_the_api(client: Any) -> None:
    spec = client.get("/api/openapi.json").json
    assert spec["openapi"].startswith("3.")
    for path in (
        "/api/v1/tokens",
        "/api/v1/crates",
        "/api/v1/crates/{code}/pack",
        "/api/v1/stock",
        "/api/v1/sites/{site_id}/needs",
    ):
        assert path in spec["paths"]


def test_a_volunteer_cannot_move_a_crate_from_a_site_they_do_not_work_at(
    client: Any, make_user: Any, make_site: Any, make_crate: Any, api_token: Any, db_session: Any
) -> None:
    mine, paris = make_site(), make_site(name="Entrepôt Paris")
    headers = api_token(make_user(Role.VOLUNTEER, sites=[mine]))
    crate = make_crate(site=paris)
    body = {"site_id": mine.id, "event_id": uuid.uuid4().hex}
    response = client.post(f"/api/v1/crates/{crate.code}/move", json=body, headers=headers)
    assert response.status_code == 403
    assert "in stock at Entrepôt Paris, where you are not assigned" in response.json["message"]
    after = client.get(f"/api/v1/crates/{crate.code}", headers=headers).json
    assert (after["state"], after["site_id"]) == ("in_stock", paris.id)
    assert (
        db_session.scalar(
            select(func.count()).select_from(StockMovement).where(StockMovement.site_id == mine.id)
        )
        == 0
    )
