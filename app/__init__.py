"""Relais: the application factory."""

import os
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import Engine, event
from werkzeug.middleware.proxy_fix import ProxyFix

from app.config import Defaults, database_url_from_environment, instance_secret_key

ROOT = Path(__file__).resolve().parent.parent


class ConfigurationError(RuntimeError):
    pass


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=instance_path(test_config),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    load_configuration(app, test_config)
    check_production_configuration(app)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    trust_proxies(app)

    init_extensions(app)
    register_core(app)

    from inventory import init_app as init_inventory

    init_inventory(app)

    from donations import init_app as init_donations

    init_donations(app)

    from logistics import init_app as init_logistics

    init_logistics(app)

    from people import init_app as init_people

    init_people(app)
    return app


def instance_path(test_config: dict[str, Any] | None) -> str | None:
    """Where the SQLite database, demo passwords and outbox live; `instance/` by default."""
    return (test_config or {}).get("INSTANCE_PATH") or os.environ.get("RELAIS_INSTANCE_PATH")


def load_configuration(app: Flask, test_config: dict[str, Any] | None) -> None:
    app.config.from_object(Defaults)
    app.config["SQLALCHEMY_DATABASE_URI"] = (
        f"sqlite:///{Path(app.instance_path) / 'relais.sqlite3'}"
    )
    app.config.from_pyfile("config.py", silent=True)
    database_url = database_url_from_environment()
    if database_url:
        app.config["SQLALCHEMY_DATABASE_URI"] = database_url
    app.config.from_prefixed_env("RELAIS")
    if test_config:
        app.config.update(test_config)
    app.config["BASE_URL"] = app.config["BASE_URL"].rstrip("/")
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = instance_secret_key(Path(app.instance_path))
    if app.config["PRODUCTION"]:
        app.config.update(
            SESSION_COOKIE_SECURE=True,
            REMEMBER_COOKIE_SECURE=True,
            PREFERRED_URL_SCHEME="https",
        )


def check_production_configuration(app: Flask) -> None:
    if not app.config["PRODUCTION"]:
        return
    if len(app.config["SECRET_KEY"]) < 32:
        raise ConfigurationError(
            "RELAIS_SECRET_KEY must be a random value of at least 32 characters; leave it "
            "unset and Relais makes one in the instance folder."
        )
    if app.config["RATELIMIT_STORAGE_URI"].startswith("memory://"):
        raise ConfigurationError(
            "Production needs RELAIS_RATELIMIT_STORAGE_URI (redis://host:6379): with the "
            "counters in each worker's memory, rate limits do not hold."
        )
    if not app.config["STRIPE_SECRET_KEY"] or not app.config["STRIPE_WEBHOOK_SECRET"]:
        raise ConfigurationError(
            "Production needs RELAIS_STRIPE_SECRET_KEY and RELAIS_STRIPE_WEBHOOK_SECRET: "
            "the demo payment gateway is only for trying Relais."
        )


def trust_proxies(app: Flask) -> None:
    """Behind PROXY_COUNT reverse proxies, the client's address and scheme are the ones
    those proxies add to X-Forwarded-For and X-Forwarded-Proto."""
    count = app.config["PROXY_COUNT"]
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise ConfigurationError("RELAIS_PROXY_COUNT must be a whole number, 0 or more.")
    if count:
        # Werkzeug's documented way to wrap the app, which mypy refuses as assigning to a
        # method.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=count, x_proto=count
        )


def init_extensions(app: Flask) -> None:
    from app.extensions import api, babel, csrf, db, htmx, limiter, login_manager, mailman, migrate
    from app.i18n import select_locale, select_timezone

    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
    migrate.init_app(
        app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True
    )
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        default_translation_directories=str(ROOT / "app" / "translations"),
    )
    htmx.init_app(app)
    limiter.init_app(app)
    mailman.init_app(app)
    app.config.setdefault("API_SPEC_OPTIONS", api_spec_options())
    api.init_app(app)


def configure_engine(engine: Engine) -> None:
    """SQLite: foreign keys on, and every transaction takes the write lock when it begins
    (BEGIN IMMEDIATE), since SQLite ignores SELECT ... FOR UPDATE. pysqlite's own
    transaction handling is switched off so SAVEPOINTs work (SQLAlchemy's recipe)."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        dbapi_connection.execute("PRAGMA foreign_keys = ON")
        dbapi_connection.execute("PRAGMA busy_timeout = 10000")

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def api_spec_options() -> dict[str, Any]:
    return {
        "info": {
            "description": "Crates, stock and need lists of Relais. Authenticate with "
            "POST /api/v1/tokens, then send `Authorization: Bearer <token>`."
        },
        "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearerAuth": []}],
    }


def register_core(app: Flask) -> None:
    from app import api, auth, cli, views
    from app.errors import register_error_handlers
    from app.extensions import api as rest_api
    from app.extensions import csrf
    from app.inputs import init_inputs
    from app.money import euros
    from app.offline import init_offline
    from app.security import init_security
    from app.static_files import init_static_files

    init_inputs(app)
    auth.init_auth(app)
    app.register_blueprint(views.bp)
    init_offline(app)
    rest_api.register_blueprint(api.blp)
    csrf.exempt(api.blp)
    register_error_handlers(app)
    init_security(app)
    init_static_files(app)
    cli.init_cli(app)
    app.jinja_env.globals.update(template_globals())
    app.jinja_env.filters["euros"] = euros


def template_globals() -> dict[str, Any]:
    from app.i18n import current_locale, labelled, week_of
    from app.permissions import current_actor, role_may

    def can(permission: str) -> bool:
        actor = current_actor()
        return actor is not None and role_may(actor.role, permission)

    return {
        "can": can,
        "current_locale": current_locale,
        "labelled": labelled,
        "week_of": week_of,
    }
