"""Donations: the impact catalogue and funds, donors, Stripe payments and webhooks, tax
receipts and the donor area."""

from flask import Flask


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
    app.jinja_env.filters["spending"] = describe_spending
