"""JSON API of citizen hosting: the hosts available on a night, recording a group,
placing it, and a night's figures. Same services and permissions as the pages. Counts
only, never a host's address; any field not listed here answers 422."""

from datetime import date
from typing import Any

from flask import g
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from marshmallow import RAISE, Schema, fields, validate

from app.api import DATABASE_ID
from app.errors import InvalidInput
from app.extensions import db
from app.permissions import requires
from logistics.services import get_team
from people import queries
from people.api.common import blp
from people.models import HostingGroup
from people.models.hosting import MAX_NOTE_LENGTH
from people.services import placements
from people.services.placements import MAX_GROUP_PEOPLE, Counts

COUNT = {"required": True, "strict": True, "validate": validate.Range(min=0, max=MAX_GROUP_PEOPLE)}


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


class HostsQuerySchema(StrictSchema):
    team_id = fields.Integer(required=True, validate=DATABASE_ID)
    night = fields.Date(required=True)


class HostSchema(Schema):
    id = fields.Integer()
    town = fields.String()
    beds_free = fields.Integer()
    takes_families = fields.Boolean()
    takes_children_under_10 = fields.Boolean()
    takes_minors_alone = fields.Boolean()


class GroupInSchema(StrictSchema):
    night = fields.Date(required=True)
    team_id = fields.Integer(required=True, strict=True, validate=DATABASE_ID)
    adults = fields.Integer(**COUNT)
    minors = fields.Integer(**COUNT)
    children_under_10 = fields.Integer(**COUNT)
    family = fields.Boolean(required=True)
    note = fields.String(
        load_default="",
        validate=validate.Length(max=MAX_NOTE_LENGTH),
        metadata={"description": "Short, and never a name"},
    )


class CreatedSchema(Schema):
    id = fields.Integer()


class PlaceSchema(StrictSchema):
    host_id = fields.Integer(required=True, strict=True, validate=DATABASE_ID)


class NightQuerySchema(StrictSchema):
    team_id = fields.Integer(required=True, validate=DATABASE_ID)


class PeopleSchema(Schema):
    adults = fields.Integer()
    minors = fields.Integer()
    children_under_10 = fields.Integer()


class GroupSchema(Schema):
    id = fields.Integer()
    adults = fields.Integer()
    minors = fields.Integer()
    children_under_10 = fields.Integer()
    family = fields.Boolean()
    host_id = fields.Integer(allow_none=True)
    state = fields.String(metadata={"description": "placed or not_placed"})
    on_van = fields.Boolean()


class NightSchema(Schema):
    night = fields.Date()
    team_id = fields.Integer()
    closed = fields.Boolean()
    people = fields.Nested(PeopleSchema)
    placed = fields.Integer()
    not_placed = fields.Integer()
    hosts_available = fields.Integer()
    beds_free = fields.Integer()
    groups = fields.List(fields.Nested(GroupSchema))


def group_out(group: HostingGroup) -> dict[str, Any]:
    return {
        "id": group.id,
        "adults": group.adults,
        "minors": group.minors,
        "children_under_10": group.children_under_10,
        "family": group.family,
        "host_id": group.host_id,
        "state": "placed" if group.placed else "not_placed",
        "on_van": group.run_id is not None,
    }


@blp.route("/hosting/hosts", methods=["GET"])
@requires("hosting.run")
@blp.arguments(HostsQuerySchema, location="query")
@blp.response(200, HostSchema(many=True))
def hosting_hosts(query: dict[str, Any]) -> list[dict[str, Any]]:
    """The team's hosts with a signed agreement available that night; never an address."""
    team = get_team(db.session, query["team_id"])
    return [
        {
            "id": row.host.id,
            "town": row.host.town,
            "beds_free": row.beds_free,
            "takes_families": row.host.takes_families,
            "takes_children_under_10": row.host.takes_children_under_10,
            "takes_minors_alone": row.host.takes_minors_alone,
        }
        for row in queries.available_hosts(db.session, team.id, query["night"])
    ]


@blp.route("/hosting/groups", methods=["POST"])
@requires("hosting.run")
@blp.arguments(GroupInSchema)
@blp.response(201, CreatedSchema)
def record_hosting_group(data: dict[str, Any]) -> ResponseReturnValue:
    """A group asking for a roof: counts only. 422 for any other field, or a count
    below 0 or above 30."""
    group = placements.record_group(
        db.session,
        actor=g.api_user,
        team_id=data["team_id"],
        night=data["night"],
        counts=Counts(
            data["adults"], data["minors"], data["children_under_10"], data["family"], data["note"]
        ),
    )
    db.session.commit()
    return {"id": group.id}, 201


@blp.route("/hosting/groups/<int:group_id>/place", methods=["POST"])
@requires("hosting.run")
@blp.arguments(PlaceSchema)
@blp.response(200, GroupSchema)
def place_hosting_group(data: dict[str, Any], group_id: int) -> dict[str, Any]:
    """Place the group with a host: 409 with the reason when the host is not available
    that night, has too few beds left, or does not take that kind of group."""
    group = placements.place_group(
        db.session, actor=g.api_user, group_id=group_id, host_id=data["host_id"]
    )
    db.session.commit()
    return group_out(group)


@blp.route("/hosting/nights/<night>", methods=["GET"])
@requires("hosting.run")
@blp.arguments(NightQuerySchema, location="query")
@blp.response(200, NightSchema)
def hosting_night(query: dict[str, Any], night: str) -> dict[str, Any]:
    """A team's night: people asking, groups placed and not, hosts and beds free."""
    try:
        day = date.fromisoformat(night)
    except ValueError:
        raise InvalidInput(
            _("“%(value)s” is not a date.", value=night[:20]), field="night"
        ) from None
    team = get_team(db.session, query["team_id"])
    found = queries.night_of(db.session, team.id, day)
    people = found.people
    return {
        "night": day,
        "team_id": team.id,
        "closed": found.closed,
        "people": {
            "adults": people.adults,
            "minors": people.minors,
            "children_under_10": people.children_under_10,
        },
        "placed": len(found.placed),
        "not_placed": len(found.not_placed),
        "hosts_available": found.hosts_available,
        "beds_free": found.beds_free,
        "groups": [group_out(group) for group in found.groups],
    }
