"""The people API's blueprint, shared by the volunteer and hosting endpoints."""

from flask_smorest import Blueprint

blp = Blueprint("people_api", __name__, url_prefix="/api/v1", description="People")
