"""The JSON API's shared pieces and its token endpoints (/api/v1/tokens)."""

from flask import Flask, current_app, g
from flask_babel import gettext as _
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from app.auth import authenticate, sign_in_rate_limited
from app.clock import utcnow
from app.errors import DomainError
from app.extensions import api, csrf, db
from app.models import ApiToken
from app.permissions import SIGNED_IN, public, requires

blp = Blueprint("api_tokens", __name__, url_prefix="/api/v1/tokens", description="API tokens")


class Unauthorised(DomainError):
    status = 401
    code = "unauthorised"


def register_api_blueprint(app: Flask, blueprint: Blueprint) -> None:
    """API blueprints authenticate with bearer tokens, never cookies, so CSRF does not apply."""
    api.register_blueprint(blueprint)
    csrf.exempt(blueprint)


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
