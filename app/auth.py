"""Signing in: sessions for pages (Flask-Login), bearer tokens for the API."""

import secrets
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any, TypeVar, cast

from flask import Flask, current_app, g, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.interfaces import LoaderOption
from werkzeug.security import check_password_hash, generate_password_hash

from app.clock import utcnow
from app.extensions import db, limiter, login_manager
from app.forms import LoginForm
from app.models import ApiToken, User

View = TypeVar("View", bound=Callable[..., Any])
API_USER_QUERY_KEY = "relais.api_user_query"


def token_owner_query() -> Select[ApiToken]:
    """The token whose hash is the parameter `token_hash`, with its user. Built once per
    app, as every API request runs it."""
    return (
        select(ApiToken)
        .where(ApiToken.token_hash == bindparam("token_hash"))
        .options(joinedload(ApiToken.user))
    )


def load_with_api_user(app: Flask, option: LoaderOption) -> None:
    """Load more of the token's user in the same query as the token: what a package's
    permission checks read on every API request (inventory: a volunteer's sites)."""
    app.extensions[API_USER_QUERY_KEY] = app.extensions[API_USER_QUERY_KEY].options(option)


def load_session_user(session_id: str) -> User | None:
    """The user of a session or remember cookie (User.get_id), while its version holds."""
    user_id, _, version = session_id.partition(":")
    if not user_id.isdecimal() or not version.isdecimal():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def load_api_user() -> None:
    """Before each /api request: the token's owner becomes g.api_user."""
    if not request.path.startswith("/api/"):
        return
    token = bearer_token()
    if token is None:
        return
    # One query for the token, its user and what the packages read of the user.
    query = current_app.extensions[API_USER_QUERY_KEY]
    row = db.session.scalars(query, {"token_hash": ApiToken.hash(token)}).unique().one_or_none()
    if row is not None and row.is_usable(utcnow()):
        g.api_user = row.user
        g.api_token = row


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def normalise_email(email: str) -> str:
    return email.strip().lower()


@cache
def unknown_account_hash(method: str) -> str:
    """The hash of a password nobody knows, made like users' hashes: an unknown email is
    checked against it, so it costs as much time as a known one."""
    return generate_password_hash(secrets.token_urlsafe(32), method=method)


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password. The password is checked whether or
    not the account exists, so the time of the answer does not say which."""
    user = find_user_by_email(email)
    method = current_app.config["PASSWORD_HASH_METHOD"]
    known_hash = user.password_hash if user is not None else unknown_account_hash(method)
    matches = check_password_hash(known_hash, password)
    if user is None or not user.active or not matches:
        return None
    return user


# --- how often one may try ------------------------------------------------------------


def login_rate_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def login_address_rate_limit() -> str:
    return current_app.config["LOGIN_ADDRESS_RATE_LIMIT"]


def typed_account() -> str:
    """The account a sign-in names: the email of the page's form or of the API's JSON."""
    if request.is_json:
        data = request.get_json(silent=True)
        email = data.get("email") if isinstance(data, Mapping) else None
    else:
        email = LoginForm().email.data
    return "sign-in:" + (normalise_email(email)[:254] if isinstance(email, str) else "")


# Shared by the sign-in page and the API's token endpoint: trying both counts once.
per_account = limiter.shared_limit(
    login_rate_limit, scope="sign-in-account", key_func=typed_account, methods=["POST"]
)
per_address = limiter.shared_limit(
    login_address_rate_limit, scope="sign-in-address", methods=["POST"]
)


def sign_in_rate_limited(view: View) -> View:
    """Limits the tries at a password, per account typed and per client address."""
    # Flask-Limiter's decorators return the view itself, wrapped, but typed loosely.
    return cast("View", per_address(per_account(view)))


def init_auth(app: Flask) -> None:
    app.extensions[API_USER_QUERY_KEY] = token_owner_query()
    login_manager.user_loader(load_session_user)
    login_manager.login_view = "app.login"
    login_manager.login_message = _l("Please sign in to continue.")
    # "basic", not "strong": a phone moving between wifi and mobile data changes address,
    # and "strong" would sign the volunteer out each time.
    login_manager.session_protection = "basic"
    app.before_request(load_api_user)
