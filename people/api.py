"""JSON API for teams, shifts and hosting. Same services and permissions as the pages."""

from flask_smorest import Blueprint

blp = Blueprint("people_api", __name__, url_prefix="/api/v1", description="People")

# --- volunteers: teams and shifts (their routes register on blp) ---
from people import api_volunteers  # noqa: E402, F401
