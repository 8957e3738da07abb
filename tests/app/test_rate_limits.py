"""Rate limits as a deployment sees them: the client's address read through the trusted
proxies, sign-in limited per account and per address, the donation page per address."""

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import ConfigurationError, create_app
from app.models import User
from tests.conftest import PASSWORD, config_for_tests, forget_previous_request


def limited_app(db_url: str, instance: Path, **overrides: Any) -> Flask:
    app = create_app(
        config_for_tests(
            db_url,
            instance,
            RATELIMIT_ENABLED=True,
            LOGIN_RATE_LIMIT="3 per minute",
            LOGIN_ADDRESS_RATE_LIMIT="5 per minute",
            **overrides,
        )
    )
    app.before_request_funcs.setdefault(None, []).insert(0, forget_previous_request)
    return app


@pytest.fixture
def limited(db_url: str, tmp_path: Path, db_session: Any) -> Flask:
    return limited_app(db_url, tmp_path, PROXY_COUNT=1)


def sign_in_from(client: FlaskClient, address: str, email: str, password: str = "wrong") -> int:
    return client.post(
        "/login",
        data={"email": email, "password": password},
        headers={"X-Forwarded-For": address},
    ).status_code


def token_from(client: FlaskClient, address: str, email: str) -> int:
    return client.post(
        "/api/v1/tokens",
        json={"email": email, "password": "wrong"},
        headers={"X-Forwarded-For": address},
    ).status_code


def test_an_account_is_limited_whatever_the_address(limited: Flask) -> None:
    client = limited.test_client()
    tries = [sign_in_from(client, f"203.0.113.{n}", "Camille@Relais.test") for n in range(4)]
    assert tries == [422, 422, 422, 429]
    answer = client.post("/login", data={"email": " camille@relais.test", "password": "x"})
    assert answer.status_code == 429 and "Too many attempts" in answer.get_data(as_text=True)
    assert sign_in_from(client, "203.0.113.9", "someone-else@relais.test") == 422


def test_an_address_is_limited_whatever_the_account(limited: Flask) -> None:
    client = limited.test_client()
    tries = [sign_in_from(client, "198.51.100.1", f"user{n}@relais.test") for n in range(6)]
    assert tries == [422] * 5 + [429]
    assert sign_in_from(client, "198.51.100.2", "user0@relais.test") == 422


def test_the_page_and_the_api_share_the_count(limited: Flask) -> None:
    client = limited.test_client()
    assert sign_in_from(client, "203.0.113.1", "camille@relais.test") == 422
    assert token_from(client, "203.0.113.2", "camille@relais.test") == 401
    assert token_from(client, "203.0.113.3", "camille@relais.test") == 401
    assert token_from(client, "203.0.113.4", "camille@relais.test") == 429


def test_the_right_password_still_signs_in_below_the_limit(limited: Flask, make_user: Any) -> None:
    user: User = make_user()
    client = limited.test_client()
    assert sign_in_from(client, "203.0.113.1", user.email) == 422
    assert sign_in_from(client, "203.0.113.1", user.email, PASSWORD) == 303


def test_without_a_trusted_proxy_the_forwarded_address_is_ignored(
    db_url: str, tmp_path: Path, db_session: Any
) -> None:
    client = limited_app(db_url, tmp_path).test_client()
    tries = [sign_in_from(client, f"203.0.113.{n}", f"user{n}@relais.test") for n in range(6)]
    assert tries == [422] * 5 + [429]


@pytest.mark.parametrize("count", [-1, "two", True])
def test_a_proxy_count_that_is_not_a_whole_number_is_refused(
    db_url: str, tmp_path: Path, count: object
) -> None:
    with pytest.raises(ConfigurationError, match="RELAIS_PROXY_COUNT"):
        create_app(config_for_tests(db_url, tmp_path, PROXY_COUNT=count))


def give_from(client: FlaskClient, address: str) -> int:
    return client.post(
        "/donations/", data={"amount": "abc"}, headers={"X-Forwarded-For": address}
    ).status_code


def test_a_campaigns_donors_behind_one_address_may_all_give(limited: Flask) -> None:
    client = limited.test_client()
    assert {give_from(client, "192.0.2.1") for _ in range(40)} == {422}
    limited.config["DONATION_RATE_LIMIT"] = "3 per minute"
    assert [give_from(client, "192.0.2.2") for _ in range(4)] == [422, 422, 422, 429]
    assert give_from(client, "192.0.2.3") == 422
