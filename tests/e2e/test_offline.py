"""A volunteer's phone without signal: the scan page and the crates seen before still
open, actions wait in the outbox and are applied once when the signal comes back, a
refused action says why, and a server error never passes silently. A phone keeps only
the pages its person may open, and a shared phone never shows one person's to the next."""

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Error as BrowserError
from sqlalchemy import func, select

from app.extensions import db
from app.models import Role, User
from inventory import ledger, services
from inventory.models import Crate, CrateState, Item, Site, SiteKind, StockMovement
from tests.conftest import PASSWORD
from tests.e2e.conftest import numbers, open_menu, packed_crates, sign_in, wait_until

WAITING = "[data-outbox-count]"


@pytest.fixture
def world(live_app: Flask) -> dict[str, Any]:
    """Two sites, a volunteer working at both, a crate of blankets in stock at Nord and
    a blank crate."""
    number = next(numbers)
    with live_app.app_context():
        nord = Site(name=f"Entrepôt Nord {number}", kind=SiteKind.WAREHOUSE, city="Calais")
        gare = Site(name=f"Gare {number}", kind=SiteKind.COLLECTION_POINT, city="Calais")
        blankets = Item(
            category="bedding",
            name_fr=f"Couverture {number}",
            name_en=f"Blanket {number}",
            gendered=False,
        )
        volunteer = User(email=f"offline{number}@relais.test", role=Role.VOLUNTEER)
        volunteer.set_password(PASSWORD)
        volunteer.sites = [nord, gare]
        db.session.add_all([nord, gare, blankets, volunteer])
        db.session.flush()
        (packed,) = packed_crates(db.session, volunteer, nord.id, blankets.id, 10)
        (blank,) = services.create_crates(db.session, actor=volunteer, count=1)
        names = {
            "email": volunteer.email,
            "nord": nord.name,
            "gare": gare.name,
            "gare_id": gare.id,
            "blankets": blankets.name_en,
            "packed": packed.code,
            "blank": blank.code,
            "blank_display": blank.display_code,
            "packed_display": packed.display_code,
        }
        db.session.commit()
        db.session.remove()
    return names


def crate_of(live_app: Flask, code: str) -> tuple[CrateState, str | None, int]:
    """The crate's state, site and how many stock movements it made."""
    with live_app.app_context():
        crate = db.session.query(Crate).filter_by(code=code).one()
        moves = db.session.scalar(
            select(func.count())
            .select_from(StockMovement)
            .where(StockMovement.crate_id == crate.id)
        )
        found = (crate.state, crate.site.name if crate.site else None, moves)
        db.session.remove()
        return found


def no_drift(live_app: Flask) -> bool:
    with live_app.app_context():
        drift = ledger.find_drift(db.session)
        db.session.remove()
        return drift == []


def phone_at_gare(
    phone: Any, live_server: str, world: dict[str, Any], *, service_worker: bool = True
) -> Any:
    """Signed in, working at Gare, with the service worker in control of the page (or,
    for a test that intercepts requests, blocked)."""
    page = phone(service_workers="allow" if service_worker else "block")
    sign_in(page, live_server, world["email"])
    page.goto(f"{live_server}/inventory/scan")
    with page.expect_navigation():
        page.get_by_label("I am at").select_option(label=world["gare"])
    if service_worker:
        wait_until(page, "() => navigator.serviceWorker.controller !== null")
    return page


def open_crate(page: Any, display: str) -> None:
    page.get_by_label("Crate code").fill(display)
    page.get_by_role("button", name="Open crate").click()


def open_packed_crate(page: Any, world: dict[str, Any]) -> None:
    """The packed crate's page, loaded to its check-in button, before the test cuts the
    network or intercepts requests."""
    open_crate(page, world["packed_display"])
    page.wait_for_url(f"**/inventory/crates/{world['packed']}")
    page.get_by_role("button", name=f"Check in at {world['gare']}").wait_for()


def check_in_without_signal(phone: Any, live_server: str, world: dict[str, Any]) -> Any:
    """A phone at Gare that checked the packed crate in offline: one action waits."""
    page = phone_at_gare(phone, live_server, world)
    open_packed_crate(page, world)
    page.context.set_offline(True)
    page.get_by_role("button", name=f"Check in at {world['gare']}").click()
    page.wait_for_selector(f'{WAITING}[data-outbox-count="1"]', state="attached")
    return page


def waiting(page: Any) -> str:
    return page.locator(WAITING).get_attribute("data-outbox-count")


def test_actions_taken_without_signal_are_applied_once_when_it_comes_back(
    phone: Any, live_server: str, live_app: Flask, world: dict[str, Any]
) -> None:
    page = phone_at_gare(phone, live_server, world)
    open_packed_crate(page, world)
    page.goto(f"{live_server}/inventory/scan")
    page.locator("[data-recent-crates]").get_by_role(
        "link", name=world["packed_display"]
    ).wait_for()

    page.context.set_offline(True)
    open_packed_crate(page, world)
    page.get_by_text("last seen on this phone").wait_for()
    assert page.get_by_text(world["blankets"]).is_visible()
    page.get_by_role("button", name=f"Check in at {world['gare']}").click()
    page.get_by_role("alert").get_by_text("waits in the outbox").wait_for()

    page.goto(f"{live_server}/inventory/scan")
    open_crate(page, world["blank_display"])
    page.wait_for_url(f"**/inventory/crates/{world['blank']}/pack")
    page.get_by_role("heading", name=f"Pack crate {world['blank_display']}").wait_for()
    assert page.title().startswith(f"Pack crate {world['blank_display']}")
    page.locator("fieldset.line select[name^=item_id]").select_option(label=world["blankets"])
    page.get_by_label("Quantity").fill("4")
    page.get_by_role("button", name="Pack and check in").click()
    page.wait_for_selector(f'{WAITING}[data-outbox-count="2"]', state="attached")
    assert page.locator(WAITING).inner_text() == "2 waiting"

    page.reload()
    page.wait_for_selector(f'{WAITING}[data-outbox-count="2"]', state="attached")
    assert crate_of(live_app, world["packed"])[:2] == (CrateState.IN_STOCK, world["nord"])
    assert crate_of(live_app, world["blank"])[0] == CrateState.EMPTY

    page.context.set_offline(False)
    page.wait_for_selector(f'{WAITING}[data-outbox-count="0"]', state="attached", timeout=20_000)
    assert page.locator(WAITING).is_hidden()
    checked_in = crate_of(live_app, world["packed"])
    assert checked_in[:2] == (CrateState.IN_STOCK, world["gare"])
    assert checked_in[2] == 3  # received at Nord, out of Nord, into Gare
    assert crate_of(live_app, world["blank"]) == (CrateState.IN_STOCK, world["gare"], 1)
    assert no_drift(live_app)
    assert page.problems == []


def test_an_action_on_a_crate_moved_meanwhile_is_refused_with_its_reason(
    phone: Any, live_server: str, live_app: Flask, world: dict[str, Any]
) -> None:
    page = phone_at_gare(phone, live_server, world)
    open_packed_crate(page, world)
    page.context.set_offline(True)
    page.get_by_text("Mark distributed", exact=True).click()
    page.get_by_role("button", name="Yes, mark distributed").click()
    page.get_by_role("alert").get_by_text("waits in the outbox").wait_for()

    with live_app.app_context():  # another volunteer sends the crate elsewhere
        crate = db.session.query(Crate).filter_by(code=world["packed"]).one()
        other = db.session.query(User).filter_by(email=world["email"]).one()
        services.dispatch_crate(
            db.session, actor=other, crate=crate, destination_site_id=world["gare_id"]
        )
        db.session.commit()
        db.session.remove()

    page.context.set_offline(False)
    page.goto(f"{live_server}/outbox")
    refused = page.locator(".outbox-entry.refused")
    refused.wait_for(timeout=20_000)
    assert "mark distributed" in refused.inner_text()
    assert "Refused: Crate " in refused.inner_text()
    assert "is on its way to another site" in refused.inner_text()
    assert waiting(page) == "1"
    assert crate_of(live_app, world["packed"])[0] == CrateState.IN_TRANSIT

    refused.get_by_role("button", name="Discard").click()
    page.get_by_text("Nothing waits to be sent.").wait_for()
    assert waiting(page) == "0"
    assert page.problems == []


def test_a_server_error_is_announced_and_the_action_waits(
    phone: Any, live_server: str, live_app: Flask, world: dict[str, Any]
) -> None:
    page = phone_at_gare(phone, live_server, world, service_worker=False)
    open_packed_crate(page, world)
    page.route("**/check-in", lambda route: route.fulfill(status=500, body="boom"))
    button = page.get_by_role("button", name=f"Check in at {world['gare']}")
    button.click()
    page.get_by_role("alert").get_by_text("waits in the outbox").wait_for()
    assert page.locator("[data-request-error]").is_visible()
    assert waiting(page) == "1"
    assert crate_of(live_app, world["packed"])[:2] == (CrateState.IN_STOCK, world["nord"])

    page.unroute("**/check-in")
    page.goto(f"{live_server}/inventory/scan")
    page.wait_for_selector(f'{WAITING}[data-outbox-count="0"]', state="attached", timeout=20_000)
    assert crate_of(live_app, world["packed"])[:2] == (CrateState.IN_STOCK, world["gare"])
    assert page.problems == []


def test_a_button_says_it_is_working_while_its_request_is_in_flight(
    phone: Any, live_server: str, world: dict[str, Any]
) -> None:
    page = phone_at_gare(phone, live_server, world, service_worker=False)
    open_packed_crate(page, world)
    held: list[Any] = []
    page.route("**/check-in", lambda route: held.append(route))
    page.get_by_role("button", name=f"Check in at {world['gare']}").click()
    busy = page.get_by_role("button", name="Sending…")
    busy.wait_for()
    assert busy.is_disabled()
    for _ in range(200):  # the route's handler runs while Playwright waits, maybe late
        if held:
            break
        page.wait_for_timeout(50)
    held[0].continue_()
    page.get_by_text(f"checked in at {world['gare']}").wait_for()
    assert page.problems == []


def test_the_same_action_sent_three_times_counts_once(
    phone: Any, live_server: str, live_app: Flask, world: dict[str, Any]
) -> None:
    page = check_in_without_signal(phone, live_server, world)
    page.evaluate(
        """async () => {
            const [entry] = await self.RelaisOutbox.list();
            for (const copy of [1, 2]) {
                const { id, ...fields } = entry;
                await self.RelaisOutbox.put(fields);
            }
        }"""
    )
    page.reload()
    page.wait_for_selector(f'{WAITING}[data-outbox-count="3"]', state="attached")
    page.context.set_offline(False)
    page.wait_for_selector(f'{WAITING}[data-outbox-count="0"]', state="attached", timeout=20_000)
    assert crate_of(live_app, world["packed"]) == (CrateState.IN_STOCK, world["gare"], 3)
    assert no_drift(live_app)


def test_a_form_answered_by_a_server_error_waits_in_the_outbox(
    phone: Any, live_server: str, live_app: Flask, world: dict[str, Any]
) -> None:
    page = phone_at_gare(phone, live_server, world)
    open_crate(page, world["blank_display"])
    page.wait_for_url(f"**/inventory/crates/{world['blank']}/pack")
    page.locator("fieldset.line select[name^=item_id]").select_option(label=world["blankets"])
    page.get_by_label("Quantity").fill("4")

    failures: list[str] = []

    def fail_once(route: Any) -> None:
        if route.request.method == "POST" and not failures:
            failures.append(route.request.url)
            route.fulfill(status=500, body="boom")
        else:
            route.fallback()

    page.context.route("**/pack", fail_once)
    page.get_by_role("button", name="Pack and check in").click()
    page.wait_for_url("**/outbox?queued=1")
    page.get_by_role("alert").get_by_text("waits in the outbox").wait_for()
    page.wait_for_selector(f'{WAITING}[data-outbox-count="0"]', state="attached", timeout=20_000)
    assert crate_of(live_app, world["blank"]) == (CrateState.IN_STOCK, world["gare"], 1)
    assert page.problems == []


def test_an_action_waits_for_the_person_who_took_it(
    phone: Any, live_server: str, live_app: Flask, world: dict[str, Any]
) -> None:
    page = check_in_without_signal(phone, live_server, world)
    page.evaluate(  # as if someone else had taken it, then signed out
        """async () => {
            const [entry] = await self.RelaisOutbox.list();
            await self.RelaisOutbox.put({ ...entry, user: "someone else" });
        }"""
    )
    page.context.set_offline(False)
    page.goto(f"{live_server}/outbox")
    page.get_by_text("Waiting for the person who took it to sign in").wait_for()
    assert waiting(page) == "1"
    assert crate_of(live_app, world["packed"])[:2] == (CrateState.IN_STOCK, world["nord"])


SHELL = ["/inventory/pack", "/inventory/scan", "/outbox"]
# The pages the service worker keeps for the person signed in, wherever it keeps them.
KEPT_PAGES = """async () => {
    const pages = [];
    for (const name of await caches.keys()) {
        for (const request of await (await caches.open(name)).keys()) {
            pages.push(new URL(request.url).pathname);
        }
    }
    return pages.filter((path) => !path.startsWith("/static/")).sort();
}"""


@pytest.fixture
def hosting_coordinator(live_app: Flask) -> str:
    email = f"hosting{next(numbers)}@relais.test"
    with live_app.app_context():
        person = User(email=email, role=Role.HOSTING_COORDINATOR)
        person.set_password(PASSWORD)
        db.session.add(person)
        db.session.commit()
        db.session.remove()
    return email


@pytest.fixture
def served(live_app: Flask) -> Iterator[list[str]]:
    """The paths the server is asked for, by pages and by the service worker alike."""
    paths: list[str] = []
    answer = live_app.wsgi_app

    def recording(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        paths.append(environ["PATH_INFO"])
        return answer(environ, start_response)

    live_app.wsgi_app = recording  # type: ignore[method-assign]
    yield paths
    live_app.wsgi_app = answer  # type: ignore[method-assign]


def errors_of(page: Any) -> list[str]:
    """What the phone logs as an error: its pages' console, its service worker's, and
    every answer over 400 that either of them got."""
    errors: list[str] = []

    def note(message: Any) -> None:
        if message.type == "error":
            errors.append(message.text)

    def answered(response: Any) -> None:
        if response.status >= 400:
            errors.append(f"{response.status} {response.url}")

    page.context.on("console", note)
    page.context.on("serviceworker", lambda worker: worker.on("console", note))
    page.context.on("response", answered)
    return errors


def wait_until_kept(page: Any, expected: list[str]) -> None:
    for _ in range(100):
        if page.evaluate(KEPT_PAGES) == expected:
            return
        page.wait_for_timeout(100)
    assert page.evaluate(KEPT_PAGES) == expected


def sign_in_on(page: Any, live_server: str, email: str) -> None:
    sign_in(page, live_server, email)
    wait_until(page, "() => navigator.serviceWorker.controller !== null")


def sign_out(page: Any) -> None:
    open_menu(page).get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")


def test_a_hosting_coordinators_phone_never_asks_for_the_scanning_pages(
    phone: Any, live_server: str, hosting_coordinator: str, served: list[str]
) -> None:
    page = phone()
    errors = errors_of(page)
    sign_in_on(page, live_server, hosting_coordinator)
    page.goto(f"{live_server}/outbox")
    wait_until_kept(page, ["/outbox"])
    assert not [path for path in served if path in ("/inventory/scan", "/inventory/pack")]
    assert errors == []
    assert page.problems == []


def test_a_shared_phone_keeps_the_pages_of_the_person_signed_in_only(
    phone: Any, live_server: str, world: dict[str, Any], hosting_coordinator: str
) -> None:
    page = phone()
    errors = errors_of(page)
    sign_in_on(page, live_server, world["email"])
    wait_until_kept(page, SHELL)
    sign_out(page)
    wait_until_kept(page, [])

    sign_in_on(page, live_server, hosting_coordinator)
    wait_until_kept(page, ["/outbox"])
    page.context.set_offline(True)
    with pytest.raises(BrowserError):  # the volunteer's scan page went with them
        page.goto(f"{live_server}/inventory/scan")
    page.context.set_offline(False)
    page.goto(f"{live_server}/outbox")
    sign_out(page)

    sign_in_on(page, live_server, world["email"])
    wait_until_kept(page, SHELL)
    volunteer = page.locator(WAITING).get_attribute("data-user")
    page.context.set_offline(True)
    page.goto(f"{live_server}/inventory/scan")
    page.get_by_label("Crate code").wait_for()
    assert page.locator(WAITING).get_attribute("data-user") == volunteer
    assert errors == []
    assert page.problems == []


def test_a_new_release_keeps_the_shell_again_under_its_own_name(
    phone: Any, live_server: str, live_app: Flask, world: dict[str, Any]
) -> None:
    page = phone()
    sign_in_on(page, live_server, world["email"])
    wait_until_kept(page, SHELL)
    release = live_app.extensions["relais_shell_release"]
    live_app.extensions["relais_shell_release"] = "next-release"
    try:
        page.goto(f"{live_server}/outbox")  # the phone finds the new worker
        wait_until(
            page,
            """async () => {
                const names = await caches.keys();
                return names.length > 0 && names.every((name) => name.includes("next-release"));
            }""",
        )
        wait_until_kept(page, SHELL)
    finally:
        live_app.extensions["relais_shell_release"] = release
    page.context.set_offline(True)
    page.goto(f"{live_server}/inventory/scan")
    page.get_by_label("Crate code").wait_for()
    assert page.problems == []
