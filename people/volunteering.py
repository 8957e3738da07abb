"""Wiring of the volunteers half at start-up: settings, the public sign-up blueprint,
the day board's crews (logistics.staffing), bed payments (donations.webhooks), the CLI
and the demo data. Called from people.init_app."""

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from app.extensions import db

DEFAULTS = {
    # A volunteer's phone number is kept this many days after they leave.
    "VOLUNTEER_PHONE_KEEP_DAYS": 30,
    # A sign-in link sent to a volunteer works once, within this many days.
    "VOLUNTEER_LINK_DAYS": 7,
    "VOLUNTEER_SIGN_UP_RATE_LIMIT": "10 per hour",
}

volunteers_cli = AppGroup("volunteers", help="Volunteers: their data.")


@volunteers_cli.command("prune-phones")
def prune_phones_command() -> None:
    """Drop the phone numbers of volunteers who left more than VOLUNTEER_PHONE_KEEP_DAYS ago."""
    from app.clock import local_today
    from people.services.volunteers import prune_phones

    count = prune_phones(
        db.session,
        today=local_today(),
        keep_days=current_app.config["VOLUNTEER_PHONE_KEEP_DAYS"],
    )
    db.session.commit()
    click.echo(f"{count} phone numbers dropped.")


def init_volunteers(app: Flask) -> None:
    from app.cli import register_demo_seeder
    from donations.webhooks import register_purchase
    from logistics.staffing import register_crew_lookup
    from people import demo_volunteers
    from people.services.beds import PURCHASE_KIND, mark_paid_online
    from people.services.crews import distribution_crews
    from people.views.volunteers import public_bp

    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    app.register_blueprint(public_bp)
    app.cli.add_command(volunteers_cli)
    register_crew_lookup(distribution_crews)
    register_purchase(PURCHASE_KIND, mark_paid_online)
    register_demo_seeder(app, demo_volunteers.seed)
