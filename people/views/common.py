"""The people blueprint, shared by the volunteer and hosting pages."""

from flask import Blueprint

bp = Blueprint("people", __name__, url_prefix="/people")
