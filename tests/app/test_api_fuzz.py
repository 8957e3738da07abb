"""A property-based fuzzer (schemathesis) over the API's OpenAPI document: whatever an
admin sends to any operation, valid or not, the answer is never a 5xx.

How it is wired, and why:

- The app is conftest's session fixture, so the schema cannot be loaded at import time
  for `schema.parametrize()`, and `schemathesis.pytest.from_fixture` (which loads it from
  a fixture) breaks on this pytest ("'Function' object has no attribute '_nodeid'":
  schemathesis 4.32 renames pytest's node ids, which pytest 9.2 stores elsewhere).
  So the test loads the schema from the app itself and runs one Hypothesis search per
  operation, drawing from schemathesis' strategies for valid and for invalid requests;
  a failing operation does not stop the others, and the failure names each one.
- All operations and examples share the test's one `db_session`: one outer transaction,
  rolled back at the end. The generated POSTs really write (and commit, which only
  releases a savepoint), and nothing survives the test.
- `seed` puts real rows there, and per example Hypothesis decides whether the generated
  crate code, site id and item ids are swapped for real ones, so that some requests reach
  past "not found" into packing, moving and printing.
- Every request carries a new admin token, made directly rather than through the login
  endpoint (no password hashing per example): DELETE /api/v1/tokens/current revokes the
  token it is sent with, and must not lock the fuzzer out. The Authorization header is
  fixed in the strategy, or schemathesis' invalid requests would mostly just drop it.
- Under TESTING, Flask raises a view's exception instead of answering 500; the test
  counts that as a 500 too, and names the request.
- Kept short with max_examples and no deadline; the health checks are off (the fixtures
  are shared by all examples, on purpose), and nothing is saved to Hypothesis' database.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from app.models import ApiToken, User
from inventory.models import Crate, Item, Site
from inventory.services import LineInput, set_need
from tests.logistics.factories import add_vehicle, start_trip

# Derandomized: the same examples on every run, so a red CI is a regression to look at,
# not a roll of the dice. Widen the search by hand with max_examples when hunting.
SETTINGS = settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)

# Integer columns hold 32 bits on PostgreSQL and 64 on SQLite.
DATABASE_INTEGERS = range(-(2**31), 2**31)


@dataclass
class Seed:
    admin: User
    site_ids: list[int]
    item_ids: list[int]
    codes: list[str]
    vehicle_ids: list[int]
    trip_ids: list[int]


@pytest.fixture
def seed(
    db_session: Any,
    admin: User,
    make_site: Callable[..., Site],
    make_item: Callable[..., Item],
    make_trousers: Callable[..., Item],
    make_crate: Callable[..., Crate],
) -> Seed:
    """Two sites, a plain item and a gendered, sized one, empty and packed crates, a need,
    and a van out on a trip."""
    calais, lille = make_site(), make_site(is_public=False)
    toothbrush, trousers = make_item(), make_trousers()
    crates = [
        make_crate(),
        make_crate(),
        make_crate(site=calais, lines=[LineInput(toothbrush.id, 12)]),
        make_crate(site=calais, lines=[LineInput(trousers.id, 5, "men", "M")]),
        make_crate(site=lille),
    ]
    set_need(db_session, actor=admin, site_id=calais.id, item_id=toothbrush.id, target_quantity=50)
    van = add_vehicle(db_session, admin, calais.id, name="Fuzzed van", plate="FZ-001-ZZ")
    trip = start_trip(db_session, admin, van, 10)
    db_session.commit()
    return Seed(
        admin=admin,
        site_ids=[calais.id, lille.id],
        item_ids=[toothbrush.id, trousers.id],
        codes=[crate.code for crate in crates],
        vehicle_ids=[van.id],
        trip_ids=[trip.id],
    )


def aim_at_real_rows(case: Any, data: st.DataObject, seed: Seed) -> None:
    """Swap generated ids and codes for seeded ones, where the drawn booleans say so."""

    def real(value: Any, choices: list[Any]) -> Any:
        return data.draw(st.sampled_from(choices)) if data.draw(st.booleans()) else value

    path = case.path_parameters if isinstance(case.path_parameters, dict) else {}
    if "code" in path:
        path["code"] = real(path["code"], seed.codes)
    if "site_id" in path:
        path["site_id"] = real(path["site_id"], seed.site_ids)
    if "vehicle_id" in path:
        path["vehicle_id"] = real(path["vehicle_id"], seed.vehicle_ids)
    if "trip_id" in path:
        path["trip_id"] = real(path["trip_id"], seed.trip_ids)
    query = case.query if isinstance(case.query, dict) else {}
    if "site_id" in query:
        query["site_id"] = real(query["site_id"], seed.site_ids)
    if "codes" in query:
        query["codes"] = real(query["codes"], [",".join(seed.codes), seed.codes[2]])
    body = case.body if isinstance(case.body, dict) else {}
    if "site_id" in body:
        body["site_id"] = real(body["site_id"], seed.site_ids)
    if "home_site_id" in body:
        body["home_site_id"] = real(body["home_site_id"], seed.site_ids)
    lines = body.get("lines")
    for line in lines if isinstance(lines, list) else []:
        if isinstance(line, dict) and "item_id" in line:
            line["item_id"] = real(line["item_id"], seed.item_ids)


def hits_the_known_id_overflow(case: Any) -> bool:
    """The bug test_ids_beyond_the_database_integers_are_not_found shows: an id in the
    URL too large for the database crashes the request. Delete this once it is fixed."""
    values = (case.path_parameters or {}).values()
    return any(isinstance(value, int) and value not in DATABASE_INTEGERS for value in values)


def admin_headers(db_session: Any, admin: User) -> dict[str, str]:
    row, token = ApiToken.issue(admin, days=1)
    db_session.add(row)
    db_session.commit()
    return {"Authorization": f"Bearer {token}"}


def fuzz(operation: Any, db_session: Any, seed: Seed) -> Callable[[], None]:
    requests = st.one_of(
        [
            operation.as_strategy(generation_mode=mode, headers={"Authorization": "Bearer -"})
            for mode in schemathesis.GenerationMode
        ]
    )

    @SETTINGS
    @given(case=requests, data=st.data())
    def run(case: Any, data: st.DataObject) -> None:
        assume(not hits_the_known_id_overflow(case))
        aim_at_real_rows(case, data, seed)
        headers = admin_headers(db_session, seed.admin)
        request = case.as_curl_command(headers=headers)
        try:
            response = case.call(headers=headers)
        except Exception as error:
            db_session.rollback()  # PostgreSQL refuses everything after a failed statement
            raise AssertionError(f"500 (raised {error!r}) for {request}") from error
        assert response.status_code < 500, f"{response.status_code} for {request}"

    return run


def test_no_api_operation_answers_a_server_error(app: Flask, db_session: Any, seed: Seed) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 13, [operation.label for operation in operations]
    failures = {}
    for operation in operations:
        try:
            fuzz(operation, db_session, seed)()
        except AssertionError as error:
            failures[operation.label] = error
    assert not failures, "\n\n".join(f"{label}: {error}" for label, error in failures.items())


Request = tuple[FlaskClient, str, str, dict[str, Any]]


def server_errors(db_session: Any, requests: list[Request]) -> list[str]:
    """Each request that crashes (raises, under TESTING) or answers 5xx."""
    crashes = []
    for client, method, path, arguments in requests:
        try:
            status = client.open(path, method=method, **arguments).status_code
        except Exception as error:
            db_session.rollback()  # PostgreSQL refuses everything after a failed statement
            crashes.append(f"{method} {path} {arguments}: {type(error).__name__} {error}"[:300])
            continue
        if status >= 500:
            crashes.append(f"{method} {path} {arguments}: {status}")
    return crashes


def test_ids_beyond_the_database_integers_are_not_found(
    app: Flask,
    db_session: Any,
    seed: Seed,
    login: Callable[[User], FlaskClient],
    api_token: Callable[[User], dict[str, str]],
) -> None:
    browser, headers = login(seed.admin), api_token(seed.admin)
    site, huge = seed.site_ids[0], 2**63
    crashes = server_errors(
        db_session,
        [
            (app.test_client(), "GET", f"/api/v1/sites/{huge}/needs", {"headers": headers}),
            (browser, "GET", f"/inventory/sites/{huge}/needs", {}),
            (browser, "GET", f"/inventory/sites/{huge}/stock", {}),
            (browser, "GET", f"/inventory/sites/{site}/stock/{huge}", {}),
            (browser, "POST", f"/inventory/sites/{site}/needs/{huge}/delete", {}),
            (browser, "POST", "/inventory/scan/site", {"data": {"site_id": str(huge)}}),
            (browser, "GET", "/inventory/pack-line", {"query_string": {"item_id": str(huge)}}),
        ],
    )
    assert not crashes, "\n".join(crashes)


def test_strings_with_a_nul_character_are_refused_not_crashed(
    app: Flask,
    db_session: Any,
    seed: Seed,
    login: Callable[[User], FlaskClient],
    api_token: Callable[[User], dict[str, str]],
) -> None:
    browser, headers = login(seed.admin), api_token(seed.admin)
    site, code, nul = seed.site_ids[0], seed.codes[2], "a\x00b"
    crashes = server_errors(
        db_session,
        [
            (
                app.test_client(),
                "POST",
                "/api/v1/tokens",
                {"json": {"email": f"{nul}@relais.test", "password": "x"}},
            ),
            (
                app.test_client(),
                "POST",
                f"/api/v1/crates/{code}/distribute",
                {"json": {"event_id": f"event-{nul}"}, "headers": headers},
            ),
            (app.test_client(), "POST", "/login", {"data": {"email": nul, "password": "x"}}),
            (browser, "GET", f"/inventory/sites/{site}/stock", {"query_string": {"q": nul}}),
            (
                browser,
                "POST",
                f"/inventory/sites/{site}/needs/edit",
                {"data": {"item_id": seed.item_ids[0], "target_quantity": 5, "note": nul}},
            ),
        ],
    )
    assert not crashes, "\n".join(crashes)
