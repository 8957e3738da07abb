"""The JSON API's shared pieces and its token endpoints (/api/v1/tokens)."""

from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from flask import Flask, Response, current_app, g, jsonify
from flask_babel import gettext as _
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from app.auth import authenticate, sign_in_rate_limited
from app.clock import utcnow
from app.errors import DomainError
from app.extensions import api, csrf, db
from app.idempotency import Answer, run_once
from app.inputs import MAX_DATABASE_INT
from app.models import ApiToken
from app.permissions import SIGNED_IN, public, requires

blp = Blueprint("api_tokens", __name__, url_prefix="/api/v1/tokens", description="API tokens")


class Unauthorised(DomainError):
    status = HTTPStatus.UNAUTHORIZED
    code = "unauthorised"


def register_api_blueprint(app: Flask, blueprint: Blueprint) -> None:
    """API blueprints authenticate with bearer tokens, never cookies, so CSRF does not apply."""
    api.register_blueprint(blueprint)
    csrf.exempt(blueprint)


# Any row id the database's integers hold.
DATABASE_ID = validate.Range(min=1, max=MAX_DATABASE_INT)

EVENT_ID = fields.String(
    validate=validate.Length(min=8, max=64),
    metadata={
        "description": "Chosen by the client; the same id sent again changes nothing "
        "and returns the first answer."
    },
)


def write_once(
    action: str,
    payload: dict[str, Any],
    *,
    status: int,
    schema: Schema,
    change: Callable[[], object],
) -> Response:
    """Apply one write once per event id (the payload's `event_id`), commit, and answer
    with what it made as `schema` writes it: the schema of the endpoint's
    @blp.response, built once at import (building one, with its nested schemas, costs
    more than the dump). The answer is kept as written, so a replay gets it back unchanged
    (with an Idempotent-Replayed header), and a refusal is replayed as a refusal."""
    event_id = payload.pop("event_id", None)
    answer = run_once(
        db.session,
        actor_id=g.api_user.id,
        event_id=event_id,
        action=action,
        payload=payload,
        work=lambda: Answer(status, schema.dump(change())),
    )
    db.session.commit()
    response = jsonify(answer.body)
    response.status_code = answer.status
    if answer.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


class TokenRequestSchema(Schema):
    email = fields.String(required=True, validate=validate.Length(min=3, max=254))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))


class TokenSchema(Schema):
    token = fields.String(required=True)
    expires_at = fields.DateTime(required=True)


@blp.route("", methods=["POST"])
@public
@blp.arguments(TokenRequestSchema)
@blp.response(201, TokenSchema)
@blp.doc(security=[])
@sign_in_rate_limited
def create_token(credentials: dict[str, str]) -> dict[str, object]:
    """Exchange an email and password for a bearer token."""
    user = authenticate(credentials["email"], credentials["password"])
    if user is None:
        raise Unauthorised(_("Wrong email or password."))
    row, token = ApiToken.issue(user, days=current_app.config["API_TOKEN_DAYS"])
    db.session.add(row)
    db.session.commit()
    return {"token": token, "expires_at": row.expires_at}


@blp.route("/current", methods=["DELETE"])
@requires(SIGNED_IN)
@blp.response(204)
def revoke_current_token() -> None:
    """Revoke the token this request was made with."""
    g.api_token.revoked_at = utcnow()
    db.session.commit()
