"""Sessions end on the server: signing out, a new password or a new role make every
cookie the user had sign in no one, while API tokens stay until revoked."""

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from app.models import Role, User
from tests.conftest import PASSWORD

PAGE = "/inventory/scan"  # any page that needs a signed-in user


def signed_in(client: FlaskClient) -> bool:
    return client.get(PAGE).status_code == 200


def session_cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def users_command(app: Flask, *arguments: str, password: str | None = None) -> str:
    result = app.test_cli_runner().invoke(
        args=["users", *arguments], input=None if password is None else password + "\n"
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_a_cookie_saved_before_sign_out_is_refused_after(
    login: Callable[[User], FlaskClient], admin: User
) -> None:
    client = login(admin)
    saved = session_cookie(client)
    assert signed_in(client)
    assert client.post("/logout").headers["Location"] == "/login"
    client.set_cookie("session", saved)
    assert not signed_in(client)
    assert client.get(PAGE).headers["Location"].startswith("/login")


def test_signing_out_ends_the_users_other_sessions(
    login: Callable[[User], FlaskClient], admin: User, make_user: Any
) -> None:
    laptop, phone = login(admin), login(admin)
    someone_else = login(make_user(Role.COORDINATOR))
    laptop.post("/logout")
    assert not signed_in(phone)
    assert signed_in(someone_else)
    assert signed_in(login(admin))  # signing in again works


def test_a_new_password_ends_the_users_sessions(
    app: Flask, login: Callable[[User], FlaskClient], admin: User
) -> None:
    phone = login(admin)
    output = users_command(
        app, "set-password", admin.email.upper(), "--password-stdin", password="a brand new one"
    )
    assert "sessions are ended" in output
    assert not signed_in(phone)
    assert (
        phone.post("/login", data={"email": admin.email, "password": PASSWORD}).status_code == 422
    )
    answer = phone.post("/login", data={"email": admin.email, "password": "a brand new one"})
    assert answer.status_code == 303 and signed_in(phone)


def test_a_new_role_ends_the_users_sessions(
    app: Flask, login: Callable[[User], FlaskClient], make_user: Any
) -> None:
    user = make_user(Role.COORDINATOR)
    phone = login(user)
    users_command(app, "set-role", user.email, "--role", "coordinator")
    assert signed_in(phone)  # the same role: nothing changes
    users_command(app, "set-role", user.email, "--role", "volunteer")
    assert not signed_in(phone) and user.role == Role.VOLUNTEER


def test_signing_a_user_out_from_the_command_line(
    app: Flask, login: Callable[[User], FlaskClient], admin: User
) -> None:
    phone = login(admin)
    assert "Ended every session" in users_command(app, "sign-out", admin.email)
    assert not signed_in(phone)


def test_the_commands_refuse_an_unknown_user_and_a_short_password(
    app: Flask, db_session: Any, admin: User
) -> None:
    runner = app.test_cli_runner()
    for arguments in (["sign-out", "x@y.z"], ["set-role", "x@y.z", "--role", "admin"]):
        result = runner.invoke(args=["users", *arguments])
        assert result.exit_code != 0 and "No user has the email x@y.z" in result.output
    short = runner.invoke(
        args=["users", "set-password", admin.email, "--password-stdin"], input="short\n"
    )
    assert short.exit_code != 0 and "at least 10" in short.output
    assert admin.check_password(PASSWORD)


def test_api_tokens_outlive_a_sign_out(
    login: Callable[[User], FlaskClient],
    admin: User,
    api_token: Callable[[User], dict[str, str]],
    client: FlaskClient,
    make_crate: Any,
) -> None:
    crate = f"/api/v1/crates/{make_crate().code}"
    headers = api_token(admin)
    login(admin).post("/logout")
    assert client.get(crate, headers=headers).status_code == 200
    assert client.get(crate).status_code == 401
