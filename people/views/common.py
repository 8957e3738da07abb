"""The people blueprint, and what the volunteer and hosting pages share."""

from flask import Blueprint, flash, request
from wtforms.fields.choices import SelectChoice

from app.errors import DomainError
from app.extensions import db
from app.inputs import database_int
from logistics import queries as logistics_queries

bp = Blueprint("people", __name__, url_prefix="/people")


def team_choices() -> list[SelectChoice]:
    return [
        SelectChoice(str(team.id), team.name) for team in logistics_queries.list_teams(db.session)
    ]


def page_number() -> int:
    return request.args.get("page", 1, type=database_int)


def show_error(error: DomainError) -> int:
    db.session.rollback()
    flash(error.message, "error")
    return int(error.status)
