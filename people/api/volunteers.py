"""JSON API for teams and shifts: the same services and permissions as the pages.
Taking and leaving accept an `event_id`: sent again, it changes nothing and returns the
first answer (a phone replaying its queue)."""

from collections.abc import Sequence
from datetime import date
from typing import Any

from flask import Response, g
from marshmallow import Schema, fields

from app.api import DATABASE_ID, EVENT_ID, write_once
from app.clock import local_today
from app.extensions import db
from app.permissions import requires
from logistics.models import Team
from logistics.queries import list_teams
from logistics.services import get_team
from people.api.common import blp
from people.models import Shift
from people.services import shifts


class TeamSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    departure_site_id = fields.Integer()


class ShiftQuerySchema(Schema):
    team_id = fields.Integer(required=True, validate=DATABASE_ID)
    week = fields.Date(
        load_default=None, metadata={"description": "Any day of the week; this week if absent"}
    )


class PersonSchema(Schema):
    """Who is on a shift: one of its places."""

    id = fields.Integer(attribute="user_id")
    name = fields.Function(lambda place: place.user.name)


class ShiftSchema(Schema):
    id = fields.Integer()
    team_id = fields.Integer()
    day = fields.Date()
    kind = fields.String()
    starts_at = fields.Function(
        lambda shift: shift.starts_at.strftime("%H:%M"), metadata={"description": "HH:MM"}
    )
    ends_at = fields.Function(
        lambda shift: shift.ends_at.strftime("%H:%M"), metadata={"description": "HH:MM"}
    )
    needed = fields.Integer()
    still_needed = fields.Integer()
    people = fields.Nested(PersonSchema, many=True, attribute="places")


SHIFT_SCHEMA = ShiftSchema()


class ShiftActionSchema(Schema):
    event_id = EVENT_ID


@blp.route("/teams", methods=["GET"])
@requires("shifts.take")
@blp.response(200, TeamSchema(many=True))
def teams() -> Sequence[Team]:
    """Every team, and the warehouse its vans load at."""
    return list_teams(db.session)


@blp.route("/shifts", methods=["GET"])
@requires("shifts.take")
@blp.arguments(ShiftQuerySchema, location="query")
@blp.response(200, ShiftSchema(many=True))
def list_week(query: dict[str, Any]) -> Sequence[Shift]:
    """A team's shifts of a week, Monday first, with who is on each."""
    team = get_team(db.session, query["team_id"])
    day: date = query["week"] or local_today()
    return shifts.list_shifts(db.session, team.id, shifts.week_start(day), 7)


@blp.route("/shifts/<int:shift_id>/take", methods=["POST"])
@requires("shifts.take")
@blp.arguments(ShiftActionSchema)
@blp.response(200, ShiftSchema)
def take(data: dict[str, Any], shift_id: int) -> Response:
    """Take a place on the shift: 409 when it is full, taken already, or when the token's
    user is on another shift at that time."""
    return write_once(
        f"take_shift:{shift_id}",
        data,
        status=200,
        schema=SHIFT_SCHEMA,
        change=lambda: shifts.take_shift(
            db.session, actor=g.api_user, shift_id=shift_id, today=local_today()
        ),
    )


@blp.route("/shifts/<int:shift_id>/leave", methods=["POST"])
@requires("shifts.take")
@blp.arguments(ShiftActionSchema)
@blp.response(200, ShiftSchema)
def leave(data: dict[str, Any], shift_id: int) -> Response:
    """Leave the shift: 409 when the token's user is not on it."""
    return write_once(
        f"leave_shift:{shift_id}",
        data,
        status=200,
        schema=SHIFT_SCHEMA,
        change=lambda: shifts.leave_shift(
            db.session, actor=g.api_user, shift_id=shift_id, today=local_today()
        ),
    )
