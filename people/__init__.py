"""People: volunteers (sign-up, shifts, beds) and citizen hosting (hosts, nights,
placements). Imports logistics (teams, distributions, van runs) and donations (bed
payments through donations/payments.py); neither imports it. The people hosted are
counted, never named."""

from flask import Flask


def init_app(app: Flask) -> None:
    from app.api import register_api_blueprint
    from people import api, views

    app.register_blueprint(views.bp)
    register_api_blueprint(app, api.blp)
    # --- volunteers, shifts and beds ---
    from people.volunteering import init_volunteers

    init_volunteers(app)
