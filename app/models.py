"""Accounts: users and their roles, and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TypeVar

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import (
    DateTime,
    Enum,
    ForeignKey,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.clock import utcnow
from app.extensions import Model, Session
from app.labels import LabelledEnum

T = TypeVar("T")
InsertConstruct = Callable[..., postgresql.Insert | sqlite.Insert]
UPSERT_INSERTS: tuple[tuple[str, InsertConstruct], ...] = (
    ("postgresql", postgresql.insert),
    ("sqlite", sqlite.insert),
)


def built_per_database(build: Callable[[InsertConstruct], T]) -> dict[str, T]:
    """A statement built once for each database Relais runs on, from the INSERT construct
    that knows ON CONFLICT there; its values are bound when it runs. On a busy path,
    building a statement and working out its cache key cost more than running it."""
    return {name: build(insert) for name, insert in UPSERT_INSERTS}


def for_database(session: Session, statements: dict[str, T]) -> T:
    """The one of `statements` (built_per_database) for the session's database."""
    return statements[session.get_bind().dialect.name]


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every database (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def str_enum(enum_class: type[StrEnum]) -> Enum:
    """Store a StrEnum by its value in a plain string column, checked by SQLAlchemy."""
    return Enum(
        enum_class,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda members: [member.value for member in members],
    )


class Role(LabelledEnum):
    ADMIN = "admin", _l("Administrator")
    COORDINATOR = "coordinator", _l("Coordinator")
    VOLUNTEER = "volunteer", _l("Volunteer")
    TREASURER = "treasurer", _l("Treasurer")
    HOSTING_COORDINATOR = "hosting_coordinator", _l("Hosting coordinator")


class User(UserMixin, Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(str_enum(Role))
    locale: Mapped[str | None] = mapped_column(String(5))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Part of every session and remember cookie (get_id): raising it ends them all.
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        """What Flask-Login keeps in the session and the remember cookie: the id and the
        session version, so a cookie from before end_sessions() signs in no one."""
        return f"{self.id}:{self.session_version}"

    def end_sessions(self) -> None:
        """Signs the user out everywhere: every cookie made so far stops working."""
        self.session_version = (self.session_version or 0) + 1

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(
            password, method=current_app.config["PASSWORD_HASH_METHOD"]
        )
        self.end_sessions()

    def change_role(self, role: Role) -> None:
        if role != self.role:
            self.role = role
            self.end_sessions()

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def name(self) -> str:
        return self.display_name or self.email

    @property
    def works_everywhere(self) -> bool:
        """Admins and coordinators act everywhere; volunteers only where assigned."""
        return self.role in (Role.ADMIN, Role.COORDINATOR)


class ApiToken(Model):
    """A bearer token for the JSON API. Only its SHA-256 is stored: the token itself is
    high-entropy, so a fast hash is enough and lookups stay indexed."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def issue(cls, user: User, *, days: int) -> tuple[ApiToken, str]:
        token = "rl_" + secrets.token_urlsafe(32)
        row = cls(
            user=user,
            token_hash=cls.hash(token),
            expires_at=utcnow() + timedelta(days=days),
        )
        return row, token

    def is_usable(self, now: datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now and self.user.active


class ClientEvent(Model):
    """An action a client named with its own event id, and the answer it got, so a
    replayed request (a phone coming back online, a double click) changes nothing."""

    __tablename__ = "client_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(String(64))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(default=0)
    response: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("actor_id", "event_id", name="client_event"),)
