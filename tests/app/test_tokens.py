from datetime import timedelta
from typing import Any

from sqlalchemy import select

from app.clock import utcnow
from app.models import ApiToken, Role
from tests.conftest import PASSWORD


def test_a_token_is_issued_stored_hashed_and_used(
    client: Any, make_user: Any, db_session: Any
) -> None:
    user = make_user(Role.COORDINATOR)
    response = client.post(
        "/api/v1/tokens", json={"email": user.email.upper(), "password": PASSWORD}
    )
    assert response.status_code == 201
    token = response.json["token"]
    stored = db_session.scalars(select(ApiToken.token_hash)).all()
    assert token not in stored and ApiToken.hash(token) in stored
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/stock?site_id=1", headers=headers).status_code in (200, 404)


def test_wrong_password_gets_401_and_no_token(client: Any, make_user: Any, db_session: Any) -> None:
    user = make_user()
    response = client.post("/api/v1/tokens", json={"email": user.email, "password": "nope"})
    assert response.status_code == 401
    assert response.json["message"] == "Wrong email or password."
    assert db_session.scalars(select(ApiToken)).all() == []


def test_missing_fields_get_422(client: Any) -> None:
    response = client.post("/api/v1/tokens", json={"email": "x@y.z"})
    assert response.status_code == 422
    assert "password" in response.json["errors"]["json"]


def test_a_revoked_token_stops_working(client: Any, make_user: Any, api_token: Any) -> None:
    headers = api_token(make_user(Role.ADMIN))
    assert client.post("/api/v1/crates", json={"count": 1}, headers=headers).status_code == 201
    assert client.delete("/api/v1/tokens/current", headers=headers).status_code == 204
    response = client.post("/api/v1/crates", json={"count": 1}, headers=headers)
    assert response.status_code == 401


def test_an_expired_token_stops_working(
    client: Any, make_user: Any, api_token: Any, db_session: Any
) -> None:
    headers = api_token(make_user(Role.ADMIN))
    for row in db_session.scalars(select(ApiToken)):
        row.expires_at = utcnow() - timedelta(seconds=1)
    db_session.flush()
    assert client.post("/api/v1/crates", json={"count": 1}, headers=headers).status_code == 401


def test_a_session_cookie_does_not_authenticate_the_api(login: Any, make_user: Any) -> None:
    browser = login(make_user(Role.ADMIN))
    assert browser.post("/api/v1/crates", json={"count": 1}).status_code == 401
