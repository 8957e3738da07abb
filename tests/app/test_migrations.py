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


OLD_GIFT = [
    "INSERT INTO receipts (id, number, year, sequence, kind, donor_name, donor_address,"
    " amount_cents, gift_date, payment_method, articles, issued_at, cancel_reason)"
    " VALUES (1, '2026-000001', 2026, 1, 'single', 'Jeanne', '1 rue', 5000, '2026-12-01',"
    " 'card', '200', '2026-12-01 10:00:00', '')",
    "INSERT INTO donations (id, public_id, fund_id, frequency, amount_cents, refunded_cents,"
    " status, gateway, payment_method, wants_receipt, show_name, consent_contact, locale,"
    " contact_email, contact_name, contact_address_line1, contact_address_line2,"
    " contact_postcode, contact_city, contact_country, receipt_id, created_at,"
    " failure_reason) SELECT 1, 'abc', id, 'once', 5000, 0, 'paid', 'stripe', 'card', 1, 0,"
    " 0, 'fr', 'j@example.org', 'Jeanne', '1 rue', '', '62100', 'Calais', 'FR', 1,"
    " '2026-12-01 10:00:00', '' FROM funds WHERE code = 'general'",
    "INSERT INTO receipt_donations (receipt_id, donation_id) VALUES (1, 1)",
]


def test_upgrading_a_database_whose_gifts_have_receipts(tmp_path: Path) -> None:
    """Batch migrations copy a table; SQLite would refuse to drop the old one while rows
    point at it, so the migrations run with its foreign keys off and check them after."""
    app = create_app(config_for_tests(f"sqlite:///{tmp_path / 'gifts.sqlite3'}", tmp_path))
    with app.app_context():
        upgrade(revision="d836c0f1236b")
        with db.engine.begin() as connection:
            for statement in OLD_GIFT:
                connection.execute(text(statement))
        upgrade()
        with db.engine.connect() as connection:
            linked = connection.execute(
                text("SELECT donation_id FROM receipt_donations WHERE receipt_id = 1")
            ).scalar_one()
            assert linked == 1
            assert connection.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
        downgrade(revision="d836c0f1236b")
        db.engine.dispose()
