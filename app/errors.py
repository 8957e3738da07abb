"""Domain errors and how they reach a person: JSON for the API, a page or an htmx
fragment otherwise. A domain error always rolls the transaction back first."""

from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from app.extensions import db, htmx


class DomainError(Exception):
    """A rule of the domain refused the request; `message` is for a person. `row` names
    the entry of a list the field belongs to, as (list, entry's key): ("lines", "r2")
    for the size of a crate's line."""

    status = HTTPStatus.UNPROCESSABLE_ENTITY
    code = "invalid"

    def __init__(
        self, message: str, *, field: str | None = None, row: tuple[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.row = row

    @property
    def each(self) -> tuple["DomainError", ...]:
        """The refusals this one reports: itself, or several (see Refusals)."""
        return (self,)

    def json_errors(self) -> dict[str, Any]:
        """Where the refusal is, shaped as flask-smorest shapes validation errors: a
        field's messages, under its list and entry for an entry of a list."""
        if not self.field:
            return {}
        if self.row is None:
            return {self.field: [self.message]}
        listed, key = self.row
        return {listed: {key: {self.field: [self.message]}}}


class Refusals(DomainError):
    """Several refusals of one request, each on its own field, reported at once (every
    refused line of a crate). Their statuses when they share one, else 422."""

    def __init__(self, refusals: Sequence[DomainError]) -> None:
        super().__init__(" ".join(refusal.message for refusal in refusals))
        self.refusals = tuple(refusals)
        if len({refusal.status for refusal in refusals}) == 1:
            self.status, self.code = refusals[0].status, refusals[0].code

    @property
    def each(self) -> tuple[DomainError, ...]:
        return self.refusals

    def json_errors(self) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for refusal in self.refusals:
            merge_errors(merged, refusal.json_errors())
        return merged


def merge_errors(into: dict[str, Any], errors: dict[str, Any]) -> None:
    for name, found in errors.items():
        if isinstance(found, dict):
            merge_errors(into.setdefault(name, {}), found)
        else:
            into[name] = [*into.get(name, []), *found]


def refuse_together(refusals: Sequence[DomainError]) -> None:
    """Raise every refusal at once: nothing to raise for none, one as itself."""
    if len(refusals) == 1:
        raise refusals[0]
    if refusals:
        raise Refusals(refusals)


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
    status: int, code: str, message: str, errors: dict[str, Any] | None = None
) -> dict[str, object]:
    """The JSON body of an API error, shaped like flask-smorest's own errors; `errors`
    says where (DomainError.json_errors)."""
    body: dict[str, object] = {"code": status, "status": code, "message": message}
    if errors:
        body["errors"] = {"json": errors}
    return body


def domain_error_payload(error: DomainError) -> dict[str, object]:
    return error_payload(int(error.status), error.code, error.message, error.json_errors())


def error_response(
    status: int, code: str, message: str, errors: dict[str, Any] | None = None
) -> Response:
    if wants_json():
        response = jsonify(error_payload(status, code, message, errors))
        response.status_code = status
        return response
    template = "app/_error.html" if htmx else "app/error.html"
    return Response(render_template(template, status=status, message=message), status=status)


def handle_domain_error(error: DomainError) -> Response:
    db.session.rollback()
    return error_response(int(error.status), error.code, error.message, error.json_errors())


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
