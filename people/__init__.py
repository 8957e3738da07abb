"""People: volunteers (sign-up, shifts, beds) and citizen hosting (hosts, nights,
placements). Imports logistics (teams, distributions, van runs) and donations (bed
payments through donations/payments.py); neither imports it. The people hosted are
counted, never named."""

from flask import Flask


def init_app(app: Flask) -> None:
    from app.api import register_api_blueprint
    from people import api, views
    from people.volunteering import init_volunteers

    app.register_blueprint(views.bp)
    register_api_blueprint(app, api.blp)
    init_volunteers(app)
    init_hosting(app)


def init_hosting(app: Flask) -> None:
    """Citizen hosting: its section of the reports, its demo data, and the stays ending
    soon on the home page."""
    from app.cli import register_demo_seeder
    from logistics.report_sections import register_report_section
    from people import demo_hosting, hosting_reports
    from people.views.hosting import stays_ending_soon

    # Offers to host and calendar saves, per address: a person, not a script.
    app.config.setdefault("HOSTING_OFFER_RATE_LIMIT", "5 per minute;30 per hour")
    register_report_section(hosting_reports.SECTION)
    register_demo_seeder(app, demo_hosting.seed)
    app.jinja_env.globals["stays_ending_soon"] = stays_ending_soon
