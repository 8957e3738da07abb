"""Signing in: sessions for pages (Flask-Login), bearer tokens for the API."""

from flask import Flask, g, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload, lazyload

from app.extensions import db, login_manager
from app.models import ApiToken, User, utcnow


def load_session_user(user_id: str) -> User | None:
    if not user_id.isdigit():
        return None
    # The user's sites load when first asked for (a volunteer's may_act_at), not on every
    # request: most pages, and admins and coordinators, never need them.
    user = db.session.get(User, int(user_id), options=[lazyload(User.sites)])
    return user if user is not None and user.active else None


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
    # One query for the token, its user and the user's sites: a volunteer's scan needs
    # the sites (may_act_at), and then finds the site it names already loaded.
    row = (
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.token_hash == ApiToken.hash(token))
            .options(joinedload(ApiToken.user).joinedload(User.sites))
        )
        .unique()
        .one_or_none()
    )
    if row is not None and row.is_usable(utcnow()):
        g.api_user = row.user
        g.api_token = row


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def normalise_email(email: str) -> str:
    return email.strip().lower()


def authenticate(email: str, password: str) -> User | None:
    user = find_user_by_email(email)
    if user is None or not user.active or not user.check_password(password):
        return None
    return user


def init_auth(app: Flask) -> None:
    login_manager.user_loader(load_session_user)
    login_manager.login_view = "app.login"
    login_manager.login_message = _l("Please sign in to continue.")
    # "basic", not "strong": a phone moving between wifi and mobile data changes address,
    # and "strong" would sign the volunteer out each time.
    login_manager.session_protection = "basic"
    app.before_request(load_api_user)
