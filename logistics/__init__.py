"""Logistics: vehicles, their fuel log (paid, perhaps, from a donations fund) and their
trips. Imports inventory (sites) and donations (funds); neither imports it."""

from flask import Flask

DEFAULTS = {
    # Insurance, inspection and service show as due soon this many days or km ahead.
    "VEHICLE_REMINDER_DAYS": 30,
    "VEHICLE_REMINDER_KM": 1000,
    # Under MAX_CONTENT_LENGTH (2 MB), so a too large photo gets a message by its field.
    "FUEL_RECEIPT_MAX_BYTES": 1_500_000,
    # Where receipt photos are kept; instance/uploads/fuel-receipts when empty.
    "FUEL_RECEIPTS_FOLDER": "",
}


def init_app(app: Flask) -> None:
    from app.api import register_api_blueprint
    from app.cli import register_demo_seeder
    from inventory.whereabouts import register_holder_lookup
    from logistics import api, demo, views, whereabouts

    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    app.register_blueprint(views.bp)
    register_api_blueprint(app, api.blp)
    register_demo_seeder(app, demo.seed)
    register_holder_lookup(whereabouts.crate_on_a_van)
    app.jinja_env.globals.update(views.template_helpers())
