"""The migrations build exactly the schema the models describe, and upgrade a database
that already holds data."""

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from app import create_app
from app.extensions import db
from tests.conftest import config_for_tests


def test_migrated_schema_matches_the_models(app: Flask) -> None:
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def test_upgrading_a_database_with_data(tmp_path: Path) -> None:
    app = create_app(config_for_tests(f"sqlite:///{tmp_path / 'old.sqlite3'}", tmp_path))
    with app.app_context():
        upgrade(revision="68d0e29f4142")
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO sites (name, kind, address, postcode, city, opening_hours,"
                    " contact, is_public, active) VALUES ('Lille', 'collection_point', '', '',"
                    " 'Lille', '', '', 1, 1)"
                )
            )
        upgrade()
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT name FROM sites")).scalar_one() == "Lille"
            assert connection.execute(text("SELECT count(*) FROM stocktakes")).scalar_one() == 0
        downgrade(revision="68d0e29f4142")
        db.engine.dispose()
