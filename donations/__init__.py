"""Donations: the impact catalogue and funds, donors, Stripe payments and webhooks, tax
receipts and the donor area."""

from decimal import Decimal

from flask import Flask
from flask_babel import format_currency


def euros(cents: int) -> str:
    """An amount in cents as a person reads it in their language: 50,20 € or €50.20."""
    return format_currency(Decimal(cents) / 100, "EUR")


def init_app(app: Flask) -> None:
    from app.api import register_api_blueprint
    from app.cli import register_demo_seeder
    from donations import api, cli, demo, views
    from donations.services.spending import describe_spending

    app.register_blueprint(views.bp)
    app.register_blueprint(views.donor_bp)
    register_api_blueprint(app, api.blp)
    app.cli.add_command(cli.receipts_cli)
    register_demo_seeder(app, demo.seed)
    app.jinja_env.filters["euros"] = euros
    app.jinja_env.filters["spending"] = describe_spending
