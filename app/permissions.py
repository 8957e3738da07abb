"""Who may do what: the one table of permissions, and the decorators that enforce it.

Every view declares a permission (or PUBLIC); tests walk every route for every role
against this table."""

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, current_app, g, redirect, request, url_for
from flask_login import current_user

from app.models import Role, User

PUBLIC = "public"
SIGNED_IN = "signed_in"

ADMIN, COORDINATOR, VOLUNTEER, TREASURER, HOSTING_COORDINATOR = (
    Role.ADMIN,
    Role.COORDINATOR,
    Role.VOLUNTEER,
    Role.TREASURER,
    Role.HOSTING_COORDINATOR,
)

PERMISSIONS: dict[str, frozenset[Role]] = {
    SIGNED_IN: frozenset(Role),
    "crates.scan": frozenset({ADMIN, COORDINATOR, VOLUNTEER}),
    "crates.create": frozenset({ADMIN, COORDINATOR, VOLUNTEER}),
    "crates.act": frozenset({ADMIN, COORDINATOR, VOLUNTEER}),
    "labels.print": frozenset({ADMIN, COORDINATOR, VOLUNTEER}),
    "stock.view": frozenset({ADMIN, COORDINATOR, VOLUNTEER, TREASURER}),
    "stock.loose": frozenset({ADMIN, COORDINATOR, VOLUNTEER}),
    "stock.adjust": frozenset({ADMIN, COORDINATOR}),
    "stocktake.run": frozenset({ADMIN, COORDINATOR}),
    "needs.manage": frozenset({ADMIN, COORDINATOR}),
    "sites.manage": frozenset({ADMIN, COORDINATOR}),
    "catalogue.manage": frozenset({ADMIN, COORDINATOR}),
    "donations.view": frozenset({ADMIN, TREASURER}),
    "receipts.issue": frozenset({ADMIN, TREASURER}),
    "funds.manage": frozenset({ADMIN, TREASURER}),
    "vehicles.view": frozenset({ADMIN, COORDINATOR, VOLUNTEER, TREASURER, HOSTING_COORDINATOR}),
    "vehicles.manage": frozenset({ADMIN, COORDINATOR}),
    "fuel.record": frozenset({ADMIN, COORDINATOR, VOLUNTEER}),
    "trips.drive": frozenset({ADMIN, COORDINATOR, VOLUNTEER, HOSTING_COORDINATOR}),
    "distributions.view": frozenset({ADMIN, COORDINATOR, VOLUNTEER}),
    "distributions.plan": frozenset({ADMIN, COORDINATOR}),
    "distributions.run": frozenset({ADMIN, COORDINATOR, VOLUNTEER}),
    "volunteers.review": frozenset({ADMIN, COORDINATOR}),
    "volunteers.self": frozenset({ADMIN, COORDINATOR, VOLUNTEER}),
    "shifts.take": frozenset({ADMIN, COORDINATOR, VOLUNTEER}),
    "shifts.plan": frozenset({ADMIN, COORDINATOR}),
    "beds.book": frozenset({ADMIN, COORDINATOR, VOLUNTEER}),
    "beds.manage": frozenset({ADMIN, COORDINATOR}),
    "reports.view": frozenset({ADMIN, COORDINATOR, TREASURER, HOSTING_COORDINATOR}),
    # Citizen hosting: hosts, each night's board, longer placements. Hosts' addresses
    # are shown to hosting coordinators only (people.services.hosting.sees_addresses).
    "hosting.run": frozenset({ADMIN, COORDINATOR, HOSTING_COORDINATOR}),
}

View = TypeVar("View", bound=Callable[..., Any])


def role_may(role: Role, permission: str) -> bool:
    return role in PERMISSIONS[permission]


def may_open(user: User, endpoint: str) -> bool:
    """Whether the user may open the page of this endpoint: the permission its view
    declares, read from the view itself so that no list repeats it."""
    permission = getattr(current_app.view_functions[endpoint], "permission", None)
    if permission == PUBLIC:
        return True
    return permission in PERMISSIONS and role_may(user.role, permission)


def current_actor() -> User | None:
    """The user behind this request: the API token's owner under /api, else the session's."""
    if request.path.startswith("/api/"):
        return g.get("api_user")
    return current_user if current_user.is_authenticated else None


def public(view: View) -> View:
    view.permission = PUBLIC  # type: ignore[attr-defined]
    return view


def requires(permission: str) -> Callable[[View], View]:
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")

    def decorator(view: View) -> View:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            actor = current_actor()
            if actor is None:
                if request.path.startswith("/api/"):
                    abort(401)
                return redirect(url_for("app.login", next=request.full_path))
            if not role_may(actor.role, permission):
                abort(403)
            return view(*args, **kwargs)

        guarded.permission = permission  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]

    return decorator
