"""Fixtures: an app on SQLite (or PostgreSQL with TEST_DATABASE_URL) built by the
migrations, a session rolled back after each test, factories and signed-in clients, and
the demo seeded once into a database of its own for the tests that read it.

Factories commit (inside the test's outer transaction) so that what they make exists
the way earlier requests would have left it: a request that fails and rolls back
does not take the test's data with it."""

import itertools
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import pytest
from flask import Flask, g
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from app import create_app
from app.cli import DEMO_USERS
from app.extensions import db, limiter
from app.models import Role, User
from inventory import services
from inventory.models import Crate, Item, Site, SiteKind, SizeRange, Unit

PASSWORD = "correct horse battery staple"
WEBHOOK_SECRET = "whsec_test_0123456789abcdef"
counter = itertools.count(1)


def missing_service(reason: str, *, allow_module_level: bool = False) -> NoReturn:
    """Skip a test whose service (Redis, Chromium) this machine lacks; with
    RELAIS_TESTS_REQUIRE_SERVICES set, as .ci/run sets it after providing them, fail it."""
    if os.environ.get("RELAIS_TESTS_REQUIRE_SERVICES"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason, allow_module_level=allow_module_level)


def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'relais-test.sqlite3'}"


def database_beside(db_url: str, folder: Path, purpose: str) -> str:
    """A fresh database beside the suite's: a new SQLite file in `folder`, or a new
    PostgreSQL database on the same server, named after the suite's and its purpose (two
    suites running on one server must not drop each other's)."""
    url = make_url(db_url)
    if url.get_backend_name() != "postgresql":
        return f"sqlite:///{folder / f'{purpose}.sqlite3'}"
    name = f"{url.database}_{purpose}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def config_for_tests(url: str, instance: Path, **overrides: Any) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-123",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "BASE_URL": "https://relais.test",
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        # Tests read English unless they ask for French with Accept-Language.
        "BABEL_DEFAULT_LOCALE": "en",
        "INSTANCE_PATH": str(instance),
        **overrides,
    }


def reset_schema(app: Flask) -> None:
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        upgrade()


# Rows the migrations put in, that a truncated database must keep.
REFERENCE_TABLES = {"funds", "tax_rules"}


def truncate_all_but_reference_data(app: Flask) -> None:
    """After tests that commit for real (concurrency on PostgreSQL)."""
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            preparer = connection.dialect.identifier_preparer
            tables = ", ".join(
                preparer.format_table(table)
                for table in db.metadata.sorted_tables
                if table.name not in REFERENCE_TABLES
            )
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(scope="session")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return database_url(tmp_path_factory)


def forget_previous_request() -> None:
    """Requests in a test share the test's app context, and so its `g`: drop what the
    previous request cached there (signed-in user, API token, locale) as a server would."""
    g.__dict__.clear()


def app_for_tests(url: str, instance: Path) -> Flask:
    app = create_app(config_for_tests(url, instance))
    app.before_request_funcs.setdefault(None, []).insert(0, forget_previous_request)
    reset_schema(app)
    return app


@pytest.fixture(scope="session")
def app(db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Flask:
    return app_for_tests(db_url, tmp_path_factory.mktemp("instance"))


@pytest.fixture(autouse=True)
def rate_limits_off_again() -> Iterator[None]:
    """Flask-Limiter keeps `enabled` and its counters on the one shared extension object,
    so a test that builds an app with rate limits on must not leave them on for others."""
    yield
    if limiter.enabled and limiter.initialized:
        limiter.reset()
        limiter.enabled = False


@pytest.fixture
def on_postgres(app: Flask) -> bool:
    with app.app_context():
        return db.engine.dialect.name == "postgresql"


@contextmanager
def rolled_back_session(app: Flask) -> Iterator[scoped_session[Session]]:
    """Everything written through the session, commits included, is rolled back at the
    end: the session joins an outer transaction and its commits only release savepoints."""
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original = db.session
        # A plain SQLAlchemy session: Flask-SQLAlchemy's own would pick the engine
        # (a new connection) over the connection it is bound to.
        session = scoped_session(
            sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
        )
        db.session = session
        try:
            yield session
        finally:
            session.remove()
            db.session = original
            outer.rollback()
            connection.close()


@pytest.fixture
def db_session(app: Flask) -> Iterator[scoped_session[Session]]:
    """Everything a test writes, commits included, is rolled back afterwards."""
    with rolled_back_session(app) as session:
        yield session


@pytest.fixture
def client(app: Flask, db_session: Any) -> FlaskClient:
    return app.test_client()


# --- factories ------------------------------------------------------------------------


@pytest.fixture
def make_site(db_session: Any) -> Callable[..., Site]:
    def make(**overrides: Any) -> Site:
        number = next(counter)
        site = Site(
            **{
                "name": f"Site {number}",
                "kind": SiteKind.COLLECTION_POINT,
                "address": f"{number} rue de la Paix",
                "postcode": "62100",
                "city": "Calais",
                "opening_hours": "Sam 10h-16h",
                **overrides,
            }
        )
        db_session.add(site)
        db_session.commit()
        return site

    return make


@pytest.fixture
def make_item(db_session: Any) -> Callable[..., Item]:
    def make(**overrides: Any) -> Item:
        number = next(counter)
        item = Item(
            **{
                "category": "hygiene",
                "name_fr": f"Brosse à dents {number}",
                "name_en": f"Toothbrush {number}",
                "unit": Unit.PIECE,
                **overrides,
            }
        )
        db_session.add(item)
        db_session.commit()
        return item

    return make


@pytest.fixture
def make_trousers(make_item: Callable[..., Item]) -> Callable[..., Item]:
    def make(**overrides: Any) -> Item:
        number = next(counter)
        return make_item(
            **{
                "category": "clothing",
                "name_fr": f"Pantalon {number}",
                "name_en": f"Trousers {number}",
                "size_range": SizeRange.LETTERS,
                "gendered": True,
                **overrides,
            }
        )

    return make


@pytest.fixture
def make_user(db_session: Any) -> Callable[..., User]:
    def make(
        role: Role = Role.VOLUNTEER, sites: list[Site] | None = None, **overrides: Any
    ) -> User:
        user = User(
            email=overrides.pop("email", f"user{next(counter)}@relais.test"),
            role=role,
            display_name=overrides.pop("display_name", f"{role.value.title()} Test"),
            **overrides,
        )
        user.set_password(PASSWORD)
        user.sites = list(sites or [])
        db_session.add(user)
        db_session.commit()
        return user

    return make


@pytest.fixture
def admin(make_user: Callable[..., User]) -> User:
    return make_user(Role.ADMIN)


@pytest.fixture
def make_crate(
    db_session: Any, admin: User, make_site: Callable[..., Site], make_item: Callable[..., Item]
) -> Callable[..., Crate]:
    """An empty crate, or a packed one when `site` (and optionally `lines`) are given."""

    def make(
        site: Site | None = None, lines: list[services.LineInput] | None = None, **pack: Any
    ) -> Crate:
        (crate,) = services.create_crates(db_session, actor=admin, count=1)
        if site is not None:
            lines = lines or [services.LineInput(item_id=make_item().id, quantity=10)]
            services.pack_crate(
                db_session, actor=admin, crate=crate, site_id=site.id, lines=lines, **pack
            )
        db_session.commit()
        return crate

    return make


def sign_in(client: FlaskClient, user: User) -> FlaskClient:
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 303, response.get_data(as_text=True)
    return client


@pytest.fixture
def login(app: Flask, db_session: Any) -> Callable[[User], FlaskClient]:
    """A new client signed in as the given user."""
    return lambda user: sign_in(app.test_client(), user)


@pytest.fixture
def api_token(client: FlaskClient) -> Callable[[User], dict[str, str]]:
    """Authorization headers with a fresh API token for the given user."""

    def headers(user: User) -> dict[str, str]:
        response = client.post("/api/v1/tokens", json={"email": user.email, "password": PASSWORD})
        assert response.status_code == 201, response.get_data(as_text=True)
        return {"Authorization": f"Bearer {response.json['token']}"}

    return headers


# --- the demo, seeded once --------------------------------------------------------------


@dataclass
class Demo:
    """An app on a database of its own where `flask demo-data` ran once, and what that
    first run printed."""

    app: Flask
    output: str


@pytest.fixture(scope="session")
def demo(db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """Seeding the demo takes seconds: the tests that read it share one run. They see it
    through `demo_session`, so what they write (a second run of the seeder included) is
    rolled back and the next test finds the demo as seeded."""
    folder = tmp_path_factory.mktemp("demo")
    app = app_for_tests(database_beside(db_url, folder, "shared_demo"), folder)
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    yield Demo(app, result.output)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def demo_session(demo: Demo) -> Iterator[scoped_session[Session]]:
    with rolled_back_session(demo.app) as session:
        yield session


def run_demo_again(demo: Demo) -> str:
    """Run `flask demo-data` on the seeded demo (inside the test's `demo_session`)."""
    result = demo.app.test_cli_runner().invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def demo_login(demo: Demo, demo_session: Any) -> Callable[[Role], FlaskClient]:
    """A new client on the demo, signed in as the demo's user of the given role (whose
    password becomes PASSWORD for the test)."""

    def sign_in_to_demo(role: Role) -> FlaskClient:
        emails = [email for email, demo_role, _name in DEMO_USERS if demo_role == role]
        user = demo_session.scalar(select(User).where(User.email.in_(emails)))
        assert user is not None and user.role == role, f"the demo has no {role.value}"
        user.set_password(PASSWORD)
        demo_session.commit()
        return sign_in(demo.app.test_client(), user)

    return sign_in_to_demo
