from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from app import ConfigurationError, create_app
from app.models import Role
from tests.conftest import PASSWORD, config_for_tests


def test_every_page_carries_security_headers(client: Any) -> None:
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert (
        "script-src 'self'" in csp
        and "unsafe-inline" not in csp
        and "frame-ancestors 'none'" in csp
    )
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_pages_have_no_inline_scripts(client: Any) -> None:
    body = client.get("/login").get_data(as_text=True)
    for chunk in body.split("<script")[1:]:
        assert chunk.lstrip().startswith("src="), chunk[:80]


def test_production_refuses_the_default_secret_key(tmp_path: Path, db_url: str) -> None:
    with pytest.raises(ConfigurationError, match="RELAIS_SECRET_KEY"):
        create_app(
            {
                **config_for_tests(db_url, tmp_path),
                "PRODUCTION": True,
                "SECRET_KEY": "dev-only-secret-change-me",
            }
        )


STRIPE_SETTINGS = {"STRIPE_SECRET_KEY": "sk_live_x", "STRIPE_WEBHOOK_SECRET": "whsec_x"}


def test_production_refuses_the_demo_payment_gateway(tmp_path: Path, db_url: str) -> None:
    with pytest.raises(ConfigurationError, match="RELAIS_STRIPE_SECRET_KEY"):
        create_app({**config_for_tests(db_url, tmp_path), "PRODUCTION": True})


def test_production_cookies_are_secure(tmp_path: Path, db_url: str) -> None:
    app = create_app({**config_for_tests(db_url, tmp_path), "PRODUCTION": True, **STRIPE_SETTINGS})
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_environment_variables_configure_the_app(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RELAIS_BASE_URL", "https://relais.example.org/")
    monkeypatch.setenv("DATABASE_URL", "postgres://someone@db.example.org/relais")
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["BASE_URL"] == "https://relais.example.org"
    assert (
        app.config["SQLALCHEMY_DATABASE_URI"]
        == "postgresql+psycopg://someone@db.example.org/relais"
    )


def test_with_nothing_configured_it_runs_on_sqlite_in_the_instance_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'relais.sqlite3'}"


@pytest.fixture
def strict_app(db_url: str, tmp_path: Path) -> Flask:
    """CSRF and rate limits on, as in production."""
    return create_app(
        config_for_tests(
            db_url,
            tmp_path,
            WTF_CSRF_ENABLED=True,
            RATELIMIT_ENABLED=True,
            LOGIN_RATE_LIMIT="3 per minute",
        )
    )


def test_forms_without_a_csrf_token_are_refused(
    strict_app: Flask, db_session: Any, make_user: Any
) -> None:
    from tests.conftest import forget_previous_request

    strict_app.before_request_funcs.setdefault(None, []).insert(0, forget_previous_request)
    email = make_user(Role.ADMIN).email
    client = strict_app.test_client()
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 400
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 303


def test_login_is_rate_limited(strict_app: Flask, db_session: Any) -> None:
    strict_app.config["WTF_CSRF_ENABLED"] = False
    client = strict_app.test_client()
    statuses = [
        client.post("/login", data={"email": "x@relais.test", "password": "wrong"}).status_code
        for _ in range(4)
    ]
    assert statuses == [422, 422, 422, 429]
    assert "Too many attempts" in client.post(
        "/login", data={"email": "x", "password": "y"}
    ).get_data(as_text=True)


def test_wrong_password_is_refused_without_saying_which_part(client: Any, make_user: Any) -> None:
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": "nope"})
    assert response.status_code == 422
    assert "Wrong email or password" in response.get_data(as_text=True)
    assert client.get("/inventory/scan").status_code == 302


def test_login_never_redirects_to_another_site(client: Any, make_user: Any) -> None:
    user = make_user()
    for target in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        response = client.post(
            "/login", data={"email": user.email, "password": PASSWORD, "next": target}
        )
        assert response.location == "/", target
        client.post("/logout")


def test_passwords_are_hashed_with_scrypt(make_user: Any) -> None:
    user = make_user()
    assert user.password_hash.startswith("scrypt:") and PASSWORD not in user.password_hash


def test_language_follows_the_browser_then_the_users_choice(client: Any) -> None:
    assert '<html lang="en">' in client.get(
        "/login", headers={"Accept-Language": "en-GB,en;q=0.8"}
    ).get_data(as_text=True)
    assert '<html lang="fr">' in client.get(
        "/login", headers={"Accept-Language": "fr-FR"}
    ).get_data(as_text=True)
    client.post("/language", data={"lang": "en", "next": "/login"})
    assert '<html lang="en">' in client.get(
        "/login", headers={"Accept-Language": "fr-FR"}
    ).get_data(as_text=True)
