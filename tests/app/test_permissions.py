"""Every route for every role, against the one table of permissions (app.permissions).

Each view declares what it needs (`@requires("perm")` or `@public`); the first test checks
that none forgot, the second signs in as each role (and as nobody) and calls every route
with every method it accepts, expecting exactly what PERMISSIONS grants."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from app.clock import local_today
from app.models import Role, User
from app.permissions import PERMISSIONS, PUBLIC, SIGNED_IN
from inventory import services
from inventory import stocktake as stocktakes
from inventory.models import Crate, Item, NeedLine, Site, StockItem, Stocktake
from logistics import services as logistics
from logistics.models import Distribution, FillUp, Team, Trip, Vehicle, WeekSlot
from tests.conftest import PASSWORD
from tests.logistics.factories import (
    add_slot,
    add_team,
    add_vehicle,
    distribution_input,
    start_trip,
    vehicle_input,
)

ANONYMOUS = "anonymous"
NO_SUCH_ID = 2**31 - 2

# Flask's static files and flask-smorest's own spec blueprint ("api-docs": openapi_json,
# plus the Swagger/ReDoc/RapiDoc pages when configured) are not Relais views.
UNDECLARED_ENDPOINTS = {"static"}
UNDECLARED_BLUEPRINTS = {"api-docs"}

# These end the session or token they are sent with, so each call gets its own.
ENDS_ITS_CREDENTIALS = {"app.logout", "api_tokens.revoke_current_token"}

# Routes that take a crate code and only make sense on an empty crate.
EMPTY_CRATE_ENDPOINTS = {"inventory.pack", "inventory_api.pack_crate"}


def not_a_relais_view(endpoint: str) -> bool:
    return endpoint in UNDECLARED_ENDPOINTS or endpoint.split(".")[0] in UNDECLARED_BLUEPRINTS


def relais_rules(app: Flask) -> list[Rule]:
    return [rule for rule in app.url_map.iter_rules() if not not_a_relais_view(rule.endpoint)]


def declared_permission(app: Flask, endpoint: str) -> str | None:
    return getattr(app.view_functions[endpoint], "permission", None)


def test_every_view_declares_a_known_permission(app: Flask) -> None:
    assert "api-docs.openapi_json" in app.view_functions, "flask-smorest's spec moved"
    problems = []
    for rule in relais_rules(app):
        permission = declared_permission(app, rule.endpoint)
        if permission is None:
            problems.append(f"{rule.endpoint} ({rule.rule}) declares no permission")
        elif permission != PUBLIC and permission not in PERMISSIONS:
            problems.append(f"{rule.endpoint} ({rule.rule}) declares unknown {permission!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("role", "permission", "allowed"),
    [
        (Role.ADMIN, "stock.adjust", True),
        (Role.COORDINATOR, "needs.manage", True),
        (Role.COORDINATOR, "stock.adjust", True),
        (Role.COORDINATOR, "crates.act", True),
        (Role.VOLUNTEER, "crates.scan", True),
        (Role.VOLUNTEER, "crates.act", True),
        (Role.VOLUNTEER, "labels.print", True),
        (Role.VOLUNTEER, "stock.adjust", False),
        (Role.VOLUNTEER, "needs.manage", False),
        (Role.TREASURER, "stock.view", True),
        (Role.TREASURER, "crates.scan", False),
        (Role.TREASURER, "crates.act", False),
        (Role.TREASURER, "labels.print", False),
        (Role.TREASURER, "stock.loose", False),
        (Role.TREASURER, "donations.view", True),
        (Role.TREASURER, "receipts.issue", True),
        (Role.COORDINATOR, "donations.view", False),
        (Role.VOLUNTEER, "donations.view", False),
        (Role.COORDINATOR, "vehicles.manage", True),
        (Role.VOLUNTEER, "vehicles.view", True),
        (Role.VOLUNTEER, "fuel.record", True),
        (Role.VOLUNTEER, "trips.drive", True),
        (Role.VOLUNTEER, "vehicles.manage", False),
        (Role.TREASURER, "vehicles.view", True),
        (Role.TREASURER, "fuel.record", False),
        (Role.TREASURER, "trips.drive", False),
        (Role.TREASURER, "vehicles.manage", False),
        (Role.HOSTING_COORDINATOR, "hosting.run", True),
        (Role.COORDINATOR, "hosting.run", True),
        (Role.VOLUNTEER, "hosting.run", False),
        (Role.TREASURER, "hosting.run", False),
        (Role.HOSTING_COORDINATOR, "trips.drive", True),
        (Role.HOSTING_COORDINATOR, "reports.view", True),
        (Role.HOSTING_COORDINATOR, "crates.scan", False),
        (Role.HOSTING_COORDINATOR, "stock.view", False),
        (Role.HOSTING_COORDINATOR, "donations.view", False),
    ],
)
def test_the_table_says_what_the_readme_says(role: Role, permission: str, allowed: bool) -> None:
    assert (role in PERMISSIONS[permission]) is allowed


def test_admins_may_do_everything_and_every_role_may_sign_out() -> None:
    assert all(Role.ADMIN in roles for roles in PERMISSIONS.values())
    assert PERMISSIONS[SIGNED_IN] == frozenset(Role)


# --- walking every route --------------------------------------------------------------


@dataclass
class Rows:
    """What the URL parameters point at: a site the volunteer is assigned to, a packed
    crate there (which makes a stock item), an empty crate, a line of the site's need
    list, an open stocktake, a vehicle based there with a fill-up and a trip under
    way, and a team leaving from there with a week slot and a distribution today."""

    site: Site
    packed: Crate
    # Kept apart from the crate's lines, which a reuse of the crate empties.
    stock_item: StockItem
    empty: Crate
    need: NeedLine
    stocktake: Stocktake
    vehicle: Vehicle
    fill_up: FillUp
    trip: Trip
    team: Team
    slot: WeekSlot
    distribution: Distribution

    def url_values(self, rule: Rule) -> dict[str, Any]:
        crate = self.empty if rule.endpoint in EMPTY_CRATE_ENDPOINTS else self.packed
        known = {
            "code": crate.code,
            "site_id": self.site.id,
            "stock_item_id": self.stock_item.id,
            "item_id": self.stock_item.item_id,
            "need_id": self.need.id,
            "stocktake_id": self.stocktake.id,
            "vehicle_id": self.vehicle.id,
            "fill_up_id": self.fill_up.id,
            "trip_id": self.trip.id,
            "team_id": self.team.id,
            "slot_id": self.slot.id,
            "distribution_id": self.distribution.id,
            "day": self.distribution.day.isoformat(),
            # Donation pages answer 404 for these: the permission check came first.
            "public_id": "no-such-donation",
            "number": "2026-000000",
            "year": date.today().year,
            # The donor area refuses a link it did not make (404), signed in or not.
            "token": "no-such-link",
            # People pages answer 404 for these: the permission check came first.
            "volunteer_id": 2**31 - 1,
            "shift_id": 2**31 - 1,
            # Hosting: the distribution's night, and a group and a host there are none of.
            "night": self.distribution.day.isoformat(),
            "group_id": NO_SUCH_ID,
            "host_id": NO_SUCH_ID,
        }
        missing = rule.arguments - known.keys()
        assert not missing, f"{rule.endpoint}: add a value for {sorted(missing)} to Rows"
        return {name: known[name] for name in rule.arguments}


@dataclass
class World:
    """A user per role, an item to pack, and fresh rows (on a new site) for each role,
    so that every role starts from the same state."""

    users: dict[Role, User]
    item: Item
    make_rows: Callable[[], Rows]


@pytest.fixture
def world(
    db_session: Any,
    admin: User,
    make_user: Callable[..., User],
    make_site: Callable[..., Site],
    make_item: Callable[..., Item],
    make_crate: Callable[..., Crate],
) -> World:
    users = {
        Role.ADMIN: admin,
        Role.COORDINATOR: make_user(Role.COORDINATOR),
        Role.VOLUNTEER: make_user(Role.VOLUNTEER),
        Role.TREASURER: make_user(Role.TREASURER),
        Role.HOSTING_COORDINATOR: make_user(Role.HOSTING_COORDINATOR),
    }
    assert set(users) == set(Role), "a new role: give it a user here"

    def make_rows() -> Rows:
        site = make_site()
        users[Role.VOLUNTEER].sites.append(site)
        users[Role.HOSTING_COORDINATOR].sites.append(site)
        need = services.set_need(
            db_session, actor=admin, site_id=site.id, item_id=make_item().id, target_quantity=20
        )
        vehicle = add_vehicle(
            db_session,
            admin,
            site.id,
            name=f"Van {site.id}",
            plate=f"VA-{site.id}",
            odometer_km=1000,
        )
        team = add_team(db_session, f"Team {site.id}", site.id)
        packed = make_crate(site=site)
        rows = Rows(
            site=site,
            packed=packed,
            stock_item=packed.lines[0].stock_item,
            empty=make_crate(),
            need=need,
            stocktake=stocktakes.start_stocktake(db_session, actor=admin, site_id=site.id),
            vehicle=vehicle,
            fill_up=logistics.record_fill_up(
                db_session,
                actor=admin,
                vehicle_id=vehicle.id,
                data=logistics.FillUpInput(
                    filled_on=date(2025, 1, 2),
                    odometer_km=1100,
                    litres=Decimal(40),
                    cost_cents=6800,
                    fund_code="fuel",
                ),
            ),
            trip=start_trip(db_session, admin, vehicle, 1200),
            team=team,
            slot=add_slot(db_session, team, site.id, weekday=0),
            distribution=logistics.plan_distribution(
                db_session,
                actor=admin,
                team_id=team.id,
                day=local_today(),
                data=distribution_input(site.id, vehicle_id=vehicle.id),
            ),
        )
        db_session.commit()
        return rows

    return World(users, make_item(), make_rows)


# API calls carry valid arguments, so that allowed roles get past validation into the
# view itself (no 5xx there either). Empty arguments: the last test of this file.
API_ARGUMENTS: dict[str, Callable[[World, Rows, User], dict[str, Any]]] = {
    "api_tokens.create_token": lambda w, rows, user: {
        "json": {"email": user.email, "password": PASSWORD}
    },
    "inventory_api.create_crates": lambda w, rows, user: {"json": {"count": 1}},
    "inventory_api.pack_crate": lambda w, rows, user: {
        "json": {"site_id": rows.site.id, "lines": [{"item_id": w.item.id, "quantity": 1}]}
    },
    "inventory_api.move_crate": lambda w, rows, user: {"json": {"site_id": rows.site.id}},
    "inventory_api.dispatch_crate": lambda w, rows, user: {"json": {"site_id": rows.site.id}},
    "inventory_api.stock": lambda w, rows, user: {"query_string": {"site_id": rows.site.id}},
    "inventory_api.labels": lambda w, rows, user: {"query_string": {"codes": rows.packed.code}},
    "logistics_api.create_vehicle": lambda w, rows, user: {
        "json": {
            **vars(
                vehicle_input(rows.site.id, name=f"New {rows.site.id}", plate=f"NV-{rows.site.id}")
            ),
            "kind": "van",
            "fuel_type": "diesel",
            "status": "available",
            "insurance_due_on": "2030-01-01",
        }
    },
    "logistics_api.record_fuel": lambda w, rows, user: {
        "json": {
            "date": "2025-01-03",
            "odometer_km": 1150,
            "litres": 20.5,
            "cost_cents": 3485,
            "full_tank": False,
            "missed_previous": False,
        }
    },
    "logistics_api.check_out": lambda w, rows, user: {
        "json": {"purpose": "transfer", "odometer_km": 1300}
    },
    "logistics_api.check_in": lambda w, rows, user: {"json": {"odometer_km": 1300}},
    "people_api.hosting_hosts": lambda w, rows, user: {
        "query_string": {"team_id": rows.team.id, "night": rows.distribution.day.isoformat()}
    },
    "people_api.hosting_night": lambda w, rows, user: {"query_string": {"team_id": rows.team.id}},
    "people_api.record_hosting_group": lambda w, rows, user: {
        "json": {
            "night": rows.distribution.day.isoformat(),
            "team_id": rows.team.id,
            "adults": 1,
            "minors": 0,
            "children_under_10": 0,
            "family": False,
        }
    },
    "people_api.place_hosting_group": lambda w, rows, user: {"json": {"host_id": NO_SUCH_ID}},
}


def is_api(rule: Rule) -> bool:
    return rule.rule.startswith("/api/")


def request_arguments(
    world: World, rows: Rows, rule: Rule, method: str, user: User
) -> dict[str, Any]:
    if is_api(rule):
        if rule.endpoint in API_ARGUMENTS:
            return API_ARGUMENTS[rule.endpoint](world, rows, user)
        return {"json": {}} if method in ("POST", "PUT", "PATCH") else {}
    return {"data": {}} if method == "POST" else {}


def methods_of(rule: Rule) -> list[str]:
    return sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})


def path_of(rows: Rows, rule: Rule) -> str:
    built = rule.build(rows.url_values(rule), append_unknown=False)
    assert built is not None, f"cannot build {rule.rule}"
    return built[1]


def sent_to_sign_in(response: TestResponse) -> bool:
    """What @requires answers a page for nobody: a redirect to /login?next=…
    (signing out also lands on /login, but without `next`)."""
    if response.status_code not in (302, 303):
        return False
    location = urlsplit(response.headers.get("Location", ""))
    return location.path == "/login" and "next" in parse_qs(location.query)


def expected(permission: str, role: Role | None) -> bool:
    if permission == PUBLIC:
        return True
    return role is not None and role in PERMISSIONS[permission]


def verdict(response: TestResponse, rule: Rule, role: Role | None, allowed: bool) -> str | None:
    """None when the answer is what the table says, else what went wrong."""
    status = response.status_code
    if status >= 500:
        return f"server error {status}"
    if allowed:
        if status in (401, 403) or sent_to_sign_in(response):
            return f"should be allowed, got {status} {response.headers.get('Location', '')}"
        return None
    if role is not None:
        return None if status == 403 else f"should be 403, got {status}"
    if is_api(rule):
        return None if status == 401 else f"should be 401, got {status}"
    return None if sent_to_sign_in(response) else f"should go to /login, got {status}"


class Callers:
    """Signs in once per role: a browser (session cookie) for pages, a bearer token for
    the API, which does not accept cookies. Nobody gets a new, empty browser."""

    def __init__(
        self,
        app: Flask,
        login: Callable[[User], FlaskClient],
        api_token: Callable[[User], dict[str, str]],
    ) -> None:
        self.app, self.login, self.api_token = app, login, api_token
        self.browsers: dict[Role, FlaskClient] = {}
        self.tokens: dict[Role, dict[str, str]] = {}

    def call(
        self, user: User | None, rule: Rule, method: str, path: str, **arguments: Any
    ) -> TestResponse:
        fresh = rule.endpoint in ENDS_ITS_CREDENTIALS
        client, headers = self.app.test_client(), {}
        if user is not None and is_api(rule):
            headers = self.token(user, fresh)
        elif user is not None:
            client = self.browser(user, fresh)
        return client.open(path, method=method, headers=headers, **arguments)

    def token(self, user: User, fresh: bool) -> dict[str, str]:
        if fresh:
            return self.api_token(user)
        if user.role not in self.tokens:
            self.tokens[user.role] = self.api_token(user)
        return self.tokens[user.role]

    def browser(self, user: User, fresh: bool) -> FlaskClient:
        if fresh:
            # Signing out ends every session of the user: the next page signs in anew.
            self.browsers.pop(user.role, None)
            return self.login(user)
        if user.role not in self.browsers:
            self.browsers[user.role] = self.login(user)
        return self.browsers[user.role]


def test_every_route_allows_and_denies_every_role_as_the_table_says(
    app: Flask,
    world: World,
    login: Callable[[User], FlaskClient],
    api_token: Callable[[User], dict[str, str]],
) -> None:
    """Allowed: anything but 401, 403 or the sign-in redirect (a 404, 409 or 422 on the
    dummy data means the permission check passed). Denied: 403 when signed in; for
    nobody, 401 under /api/ and a redirect to /login for pages. Never a 5xx.

    Each role gets fresh crates and a fresh need line, but its own requests change them as
    they go (distributing the crate before scrapping it): a 409 counts as allowed too."""
    callers = Callers(app, login, api_token)
    mismatches = []
    calls = 0
    for role in [*Role, None]:
        who = role.value if role else ANONYMOUS
        user = world.users[role] if role else None
        rows = world.make_rows()
        for rule in relais_rules(app):
            permission = declared_permission(app, rule.endpoint)
            assert permission is not None, f"{rule.endpoint} declares no permission"
            path = path_of(rows, rule)
            for method in methods_of(rule):
                # Nobody signs in to get a token with a volunteer's email and password.
                credentials = user or world.users[Role.VOLUNTEER]
                arguments = request_arguments(world, rows, rule, method, credentials)
                response = callers.call(user, rule, method, path, **arguments)
                calls += 1
                problem = verdict(response, rule, role, expected(permission, role))
                if problem:
                    mismatches.append(
                        f"{method} {path} ({rule.endpoint}, {permission}) as {who}: {problem}"
                    )
    assert calls > 200, calls
    assert not mismatches, f"{len(mismatches)} of {calls} calls:\n" + "\n".join(mismatches)


def test_the_api_refuses_before_validating_arguments(
    app: Flask, world: World, api_token: Callable[[User], dict[str, str]]
) -> None:
    """Nobody, and a treasurer where the table denies them, sending no arguments at all:
    the permission check comes first (@requires above flask-smorest's @blp.arguments),
    so no one learns the request schema from a 422 without being allowed in."""
    rows = world.make_rows()
    callers = {
        ANONYMOUS: ({}, None, 401),
        "treasurer": (api_token(world.users[Role.TREASURER]), Role.TREASURER, 403),
    }
    mismatches = []
    for rule in relais_rules(app):
        permission = declared_permission(app, rule.endpoint)
        if not is_api(rule) or permission is None:
            continue
        path = path_of(rows, rule)
        for method in methods_of(rule):
            body = {} if method == "GET" else {"json": {}}
            for who, (headers, role, denial) in callers.items():
                if expected(permission, role):
                    continue
                response = app.test_client().open(path, method=method, headers=headers, **body)
                if response.status_code != denial:
                    mismatches.append(
                        f"{method} {path} ({permission}) with no arguments as {who}: "
                        f"{response.status_code} instead of {denial}"
                    )
    assert not mismatches, "\n".join(mismatches)


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.ADMIN, True),
        (Role.TREASURER, True),
        (Role.COORDINATOR, False),
        (Role.VOLUNTEER, False),
    ],
)
def test_only_treasurers_say_which_funds_pay_for_fuel(role: Role, allowed: bool) -> None:
    assert (role in PERMISSIONS["funds.manage"]) is allowed
