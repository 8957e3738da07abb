"""JSON API for teams, shifts and hosting. Same services and permissions as the pages."""

from flask_smorest import Blueprint

blp = Blueprint("people_api", __name__, url_prefix="/api/v1", description="People")

# Citizen hosting: importing the module registers its routes on blp.
from people import api_hosting as api_hosting  # noqa: E402
