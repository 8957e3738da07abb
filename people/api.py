"""JSON API for teams, shifts and hosting. Same services and permissions as the pages.
Importing the modules at the end registers their routes on `blp`."""

from flask_smorest import Blueprint

blp = Blueprint("people_api", __name__, url_prefix="/api/v1", description="People")

from people import api_hosting, api_volunteers  # noqa: E402

__all__ = ["api_hosting", "api_volunteers", "blp"]
