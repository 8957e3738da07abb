"""JSON API for teams, shifts and hosting. Same services and permissions as the pages."""

from flask_smorest import Blueprint

blp = Blueprint("people_api", __name__, url_prefix="/api/v1", description="People")
