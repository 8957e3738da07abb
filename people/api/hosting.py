"""JSON API of citizen hosting: the hosts available on a night, recording a group,
placing it, and a night's figures. Same services and permissions as the pages. Counts
only, never a host's address; any field not listed here answers 422."""

from datetime import date
from typing import Any

from flask import g
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

COUNT: dict[str, Any] = {
    "required": True,
    "strict": True,
    "validate": validate.Range(min=0, max=MAX_GROUP_PEOPLE),
}


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


class HostsQuerySchema(StrictSchema):
    team_id = fields.Integer(required=True, validate=DATABASE_ID)
    night = fields.Date(required=True)


class HostSchema(Schema):
    """A host available on a night (queries.HostAvailable), never their address."""

    id = fields.Integer(attribute="host.id")
    town = fields.String(attribute="host.town")
    beds_free = fields.Integer()
    takes_families = fields.Boolean(attribute="host.takes_families")
    takes_children_under_10 = fields.Boolean(attribute="host.takes_children_under_10")
    takes_minors_alone = fields.Boolean(attribute="host.takes_minors_alone")


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
    state = fields.Function(
        lambda group: "placed" if group.placed else "not_placed",
        metadata={"type": "string", "description": "placed or not_placed"},
    )
    on_van = fields.Function(lambda group: group.run_id is not None, metadata={"type": "boolean"})


class NightSchema(Schema):
    night = fields.Date()
    team_id = fields.Integer()
    closed = fields.Boolean()
    people = fields.Nested(PeopleSchema)
    placed = fields.Function(lambda night: len(night.placed), metadata={"type": "integer"})
    not_placed = fields.Function(lambda night: len(night.not_placed), metadata={"type": "integer"})
    hosts_available = fields.Integer()
    beds_free = fields.Integer()
    groups = fields.List(fields.Nested(GroupSchema))


@blp.route("/hosting/hosts", methods=["GET"])
@requires("hosting.run")
@blp.arguments(HostsQuerySchema, location="query")
@blp.response(200, HostSchema(many=True))
def hosting_hosts(query: dict[str, Any]) -> list[queries.HostAvailable]:
    """The team's hosts with a signed agreement available that night; never an address."""
    team = get_team(db.session, query["team_id"])
    return queries.available_hosts(db.session, team.id, query["night"])


@blp.route("/hosting/groups", methods=["POST"])
@requires("hosting.run")
@blp.arguments(GroupInSchema)
@blp.response(201, CreatedSchema)
def record_hosting_group(data: dict[str, Any]) -> HostingGroup:
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
    return group


@blp.route("/hosting/groups/<int:group_id>/place", methods=["POST"])
@requires("hosting.run")
@blp.arguments(PlaceSchema)
@blp.response(200, GroupSchema)
def place_hosting_group(data: dict[str, Any], group_id: int) -> HostingGroup:
    """Place the group with a host: 409 with the reason when the host is not available
    that night, has too few beds left, or does not take that kind of group."""
    group = placements.place_group(
        db.session, actor=g.api_user, group_id=group_id, host_id=data["host_id"]
    )
    db.session.commit()
    return group


@blp.route("/hosting/nights/<night>", methods=["GET"])
@requires("hosting.run")
@blp.arguments(NightQuerySchema, location="query")
@blp.response(200, NightSchema)
def hosting_night(query: dict[str, Any], night: str) -> queries.Night:
    """A team's night: people asking, groups placed and not, hosts and beds free."""
    try:
        day = date.fromisoformat(night)
    except ValueError:
        raise InvalidInput(
            _("“%(value)s” is not a date.", value=night[:20]), field="night"
        ) from None
    team = get_team(db.session, query["team_id"])
    return queries.night_of(db.session, team.id, day)
