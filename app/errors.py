"""Domain errors and how they reach a person: JSON for the API, a page or an htmx
fragment otherwise. A domain error always rolls the transaction back first."""

from http import HTTPStatus

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from app.extensions import db, htmx


class DomainError(Exception):
    """A rule of the domain refused the request; `message` is for a person."""

    status = HTTPStatus.UNPROCESSABLE_ENTITY
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(DomainError):
    pass


class Conflict(DomainError):
    status = HTTPStatus.CONFLICT
    code = "conflict"


class NotFound(DomainError):
    status = HTTPStatus.NOT_FOUND
    code = "not_found"


class Forbidden(DomainError):
    status = HTTPStatus.FORBIDDEN
    code = "forbidden"


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_payload(
    status: int, code: str, message: str, field: str | None = None
) -> dict[str, object]:
    """The JSON body of an API error, shaped like flask-smorest's own errors."""
    body: dict[str, object] = {"code": status, "status": code, "message": message}
    if field:
        body["errors"] = {"json": {field: [message]}}
    return body


def domain_error_payload(error: DomainError) -> dict[str, object]:
    return error_payload(int(error.status), error.code, error.message, error.field)


def error_response(status: int, code: str, message: str, field: str | None = None) -> Response:
    if wants_json():
        response = jsonify(error_payload(status, code, message, field))
        response.status_code = status
        return response
    template = "app/_error.html" if htmx else "app/error.html"
    return Response(render_template(template, status=status, message=message), status=status)


def handle_domain_error(error: DomainError) -> Response:
    db.session.rollback()
    return error_response(int(error.status), error.code, error.message, error.field)


def handle_http_error(error: HTTPException) -> Response:
    db.session.rollback()
    status = error.code or 500
    # flask-smorest/webargs validation errors carry their details in `data`.
    data = getattr(error, "data", None)
    if wants_json() and data:
        messages = data.get("messages", {})
        response = jsonify(
            {
                "code": status,
                "status": HTTPStatus(status).phrase,
                "message": _("The request is not valid."),
                "errors": messages,
            }
        )
        response.status_code = status
        return response
    return error_response(status, HTTPStatus(status).phrase, describe_http_status(status))


def describe_http_status(status: int) -> str:
    messages = {
        400: _("The request could not be understood."),
        401: _("Please sign in to continue."),
        403: _("You are not allowed to do this."),
        404: _("This page does not exist."),
        405: _("This action is not allowed here."),
        409: _("This conflicts with a change made meanwhile."),
        413: _("The upload is too large."),
        415: _("This kind of content is not accepted."),
        422: _("The request is not valid."),
        429: _("Too many attempts. Please wait a minute and try again."),
    }
    return messages.get(status, _("Something went wrong on our side. Please try again."))


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(HTTPException, handle_http_error)
