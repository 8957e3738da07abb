import stat
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.security import check_password_hash

from app import ConfigurationError, create_app
from app.config import Defaults, instance_secret_key
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


# What the README's production example sets, apart from the secret key.
PRODUCTION_SETTINGS = {
    "PRODUCTION": True,
    "STRIPE_SECRET_KEY": "sk_live_x",
    "STRIPE_WEBHOOK_SECRET": "whsec_x",
    "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
}


def test_production_refuses_a_short_secret_key(tmp_path: Path, db_url: str) -> None:
    with pytest.raises(ConfigurationError, match="RELAIS_SECRET_KEY"):
        create_app(
            {**config_for_tests(db_url, tmp_path), **PRODUCTION_SETTINGS, "SECRET_KEY": "short"}
        )


def test_production_refuses_the_demo_payment_gateway(tmp_path: Path, db_url: str) -> None:
    settings = {**PRODUCTION_SETTINGS, "STRIPE_SECRET_KEY": ""}
    with pytest.raises(ConfigurationError, match="RELAIS_STRIPE_SECRET_KEY"):
        create_app({**config_for_tests(db_url, tmp_path), **settings})


def test_production_refuses_rate_limit_counters_in_memory(tmp_path: Path, db_url: str) -> None:
    settings = {**PRODUCTION_SETTINGS, "RATELIMIT_STORAGE_URI": "memory://"}
    with pytest.raises(ConfigurationError, match="RELAIS_RATELIMIT_STORAGE_URI"):
        create_app({**config_for_tests(db_url, tmp_path), **settings})


def test_production_cookies_are_secure(tmp_path: Path, db_url: str) -> None:
    app = create_app({**config_for_tests(db_url, tmp_path), **PRODUCTION_SETTINGS})
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_without_a_secret_key_one_is_made_once_in_the_instance_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RELAIS_SECRET_KEY", raising=False)
    first = create_app({"INSTANCE_PATH": str(tmp_path)}).config["SECRET_KEY"]
    key_file = tmp_path / "secret_key"
    assert key_file.read_text() == first and len(first) >= 32
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert create_app({"INSTANCE_PATH": str(tmp_path)}).config["SECRET_KEY"] == first
    assert create_app({"INSTANCE_PATH": str(tmp_path / "elsewhere")}).config["SECRET_KEY"] != first
    production = create_app({"INSTANCE_PATH": str(tmp_path), **PRODUCTION_SETTINGS})
    assert production.config["SECRET_KEY"] == first


def test_workers_starting_together_agree_on_the_key(tmp_path: Path) -> None:
    workers = 8
    start = threading.Barrier(workers)

    def start_worker(_number: int) -> str:
        start.wait()
        return instance_secret_key(tmp_path)

    with ThreadPoolExecutor(workers) as pool:
        keys = set(pool.map(start_worker, range(workers)))
    assert len(keys) == 1
    assert [path.name for path in tmp_path.iterdir()] == ["secret_key"]


def test_a_secret_key_set_in_the_environment_is_used_as_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RELAIS_SECRET_KEY", "k" * 40)
    assert create_app({"INSTANCE_PATH": str(tmp_path)}).config["SECRET_KEY"] == "k" * 40
    assert not (tmp_path / "secret_key").exists()


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


def test_passwords_are_hashed_with_scrypt(
    app: Any, make_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Outside the tests, which choose a cheap method to make their users quickly."""
    monkeypatch.setitem(app.config, "PASSWORD_HASH_METHOD", Defaults.PASSWORD_HASH_METHOD)
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


def test_an_unknown_email_costs_the_same_password_check(
    client: Any, make_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked: list[str] = []

    def spy(password_hash: str, password: str) -> bool:
        checked.append(password_hash.partition(":")[0])
        return check_password_hash(password_hash, password)

    monkeypatch.setattr("app.auth.check_password_hash", spy)
    known = client.post("/login", data={"email": make_user().email, "password": "nope"})
    unknown = client.post("/login", data={"email": "nobody@relais.test", "password": "nope"})
    method = client.application.config["PASSWORD_HASH_METHOD"]
    assert checked == [method.partition(":")[0]] * 2
    for answer in (known, unknown):
        assert answer.status_code == 422
        assert "Wrong email or password" in answer.get_data(as_text=True)
