"""Every page on a 360 px phone, as each role, a donor and the public open it from the
demo's data: nothing wider than the screen, nothing that scrolls sideways and hides a
figure, no serious or critical accessibility violation that axe-core finds, and in
en-GB no US-form date."""

import re
from collections import Counter, deque
from collections.abc import Callable, Iterator
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask_migrate import upgrade
from playwright.sync_api import expect
from sqlalchemy import func, select

from app import create_app
from app.cli import DEMO_USERS
from app.extensions import db
from app.models import Role, User
from donations.models import Donation, Donor, Receipt
from inventory.models import Crate, CrateState
from tests.app.test_locale import US_FORM
from tests.conftest import PASSWORD, config_for_tests, database_beside, missing_service
from tests.e2e.conftest import serve

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
SCREEN = {"width": 360, "height": 740}
NOT_A_PAGE = re.compile(
    r"\.(?:pdf|csv|png|svg|json|js|css|webmanifest)$|^/(?:static|api)/|/receipt$"
)
VARIANTS_PER_PAGE = 2  # two crates, two filters of a list: not all of them
SERIOUS = ("serious", "critical")
EMAILS = {role: email for email, role, _name in DEMO_USERS}

# How wide the page is, and what scrolls sideways inside it (a table hiding its last
# column). With a page wider than the screen a phone zooms out, and window.innerWidth
# grows with the page: the screen's own width is the yardstick.
MEASURE = """() => ({
  page: document.documentElement.scrollWidth,
  window: window.innerWidth,
  beyond: [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > window.screen.width + 1)
    .slice(0, 3).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '')),
  sideways: [...document.querySelectorAll('body *')]
    .filter(e => ['auto', 'scroll'].includes(getComputedStyle(e).overflowX)
                 && e.scrollWidth > e.clientWidth + 1)
    .map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '')),
})"""
# Whether the focused element shows an outline a person sees.
FOCUS_RING = """() => {
  const style = getComputedStyle(document.activeElement);
  return style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
}"""
AXE_RUN = """() => axe.run(document, {resultTypes: ['violations']}).then(result =>
  result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                               nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))})))"""


def axe_source() -> str:
    if not AXE.exists():
        missing_service(
            "the accessibility checks need axe-core: npm ci --prefix tests/e2e (make install)"
        )
    return AXE.read_text()


def page_problems(page: Any, axe: str) -> list[str]:
    """What is wrong with the page on screen: width, sideways scrolling, axe-core's
    serious and critical violations, US-form dates in English."""
    problems = []
    size = page.evaluate(MEASURE)
    if size["page"] > SCREEN["width"] or size["window"] > SCREEN["width"]:
        problems.append(f"{size['page']} px wide, beyond the screen: {size['beyond']}")
    if size["sideways"]:
        problems.append(f"scrolls sideways: {size['sideways']}")
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(axe)  # run by the browser's debugger, which the CSP does not restrict
    for violation in page.evaluate(AXE_RUN):
        if violation["impact"] in SERIOUS:
            problems.append(
                f"axe {violation['id']} ({violation['impact']}): {violation['help']}"
                f" at {violation['nodes']}"
            )
    if page.evaluate("document.documentElement.lang") == "en":
        text = page.inner_text("body")
        problems += [f"US-form date {match.group(0)!r}" for match in US_FORM.finditer(text)]
    return problems


def shape(path: str) -> str:
    """A page's kind: its path with every segment holding a digit (an id, a code, a day)
    left out, so that /inventory/crates/7K3MQ9XJ and /inventory/crates/0TDAXMDS are one."""
    return re.sub(r"/[^/]*\d[^/]*", "/#", path)


def crawl(page: Any, base: str, starts: list[str], axe: str) -> dict[str, list[str]]:
    """The problems of every page reachable by links from `starts`, nearest first. The
    pages started from are checked whatever their status (an expired thanks page)."""
    found: dict[str, list[str]] = {}
    queue, seen, per_shape = deque(starts), set(starts), Counter[str]()
    while queue:
        url = queue.popleft()
        response = page.goto(base + url)
        html = response and "text/html" in response.headers.get("content-type", "")
        if not html or (response.status != 200 and url not in starts):
            continue
        found[url] = page_problems(page, axe)
        for link in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
            if not link.startswith(base + "/"):
                continue
            link = link.removeprefix(base).split("#")[0]
            path = urlsplit(link).path
            if link in seen or NOT_A_PAGE.search(path):
                continue
            if per_shape[shape(path)] >= VARIANTS_PER_PAGE:
                continue
            seen.add(link)
            per_shape[shape(path)] += 1
            queue.append(link)
    return found


@pytest.fixture(scope="module")
def demo(db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """Relais with the demo's data, in a database of its own, each demo user's password
    set to the tests' one."""
    folder = tmp_path_factory.mktemp("demo")
    url = database_beside(db_url, folder, "demo")
    app = create_app(config_for_tests(url, folder, WTF_CSRF_ENABLED=True, TESTING=False))
    with app.app_context():
        upgrade()
        result = app.test_cli_runner().invoke(args=["demo-data"])
        assert result.exit_code == 0, result.output
        for user in db.session.scalars(select(User).where(User.email.in_(EMAILS.values()))):
            user.set_password(PASSWORD)
        db.session.commit()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def demo_server(demo: Flask) -> Iterator[str]:
    yield from serve(demo)


def pages_opened_without_a_link(app: Flask) -> list[str]:
    """Pages a person reaches by scanning, typing or from an email: a crate in each
    state, packing an empty one, a code nobody knows, a receipt's check, a gift's thanks."""
    with app.app_context():
        crates = [
            db.session.scalars(select(Crate).filter_by(state=state).limit(1)).first()
            for state in CrateState
        ]
        receipt = db.session.scalars(select(Receipt).limit(1)).one()
        donation = db.session.scalars(select(Donation).limit(1)).one()
        urls = [f"/inventory/crates/{crate.code}" for crate in crates if crate]
        empty = next(crate for crate in crates if crate and crate.state == CrateState.EMPTY)
        urls += [
            f"/inventory/crates/{empty.code}/pack",
            "/inventory/scan?code=ZZZZ-ZZZZ",
            f"/donations/receipts/{receipt.number}/verify",
            f"/donations/thanks/{donation.public_id}",
            "/no-such-page",
        ]
        db.session.remove()
    return urls


def donor_signs_in(page: Any, app: Flask, base: str) -> None:
    """The demo donor who gave most often asks for a sign-in link, and opens it from the
    email (written to the instance's outbox, as without an SMTP server)."""
    with app.app_context():
        email = db.session.scalars(
            select(Donor.email)
            .join(Donation, Donation.donor_id == Donor.id)
            .where(Donor.email.is_not(None))
            .group_by(Donor.id)
            .order_by(func.count(Donation.id).desc())
            .limit(1)
        ).one()
        db.session.remove()
    outbox = Path(app.instance_path) / "outbox"
    before = set(outbox.glob("*.eml"))
    # The link is emailed once the answer has gone (Response.call_on_close).
    page.goto(f"{base}/donations/me/sign-in")
    page.locator("input[name=email]").fill(email)
    page.locator("main form button").click()
    page.wait_for_url("**/donations/me/sign-in/sent")
    new: set[Path] = set()
    for _ in range(100):
        new = set(outbox.glob("*.eml")) - before
        if new:
            break
        page.wait_for_timeout(100)
    eml = max(new)  # the newest link: each one asked for ends the one before
    message = message_from_bytes(eml.read_bytes(), policy=policy.default)
    text = message.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"/donations/me/sign-in/[\w.-]+", text)
    assert link, text
    page.goto(base + link.group(0))
    page.locator("main form button").click()
    page.wait_for_url("**/donations/me/")


READERS = ["public", "donor", *(role.value for role in Role)]
# French words run longer: the pages of every role (the admin's) read in French too.
IN_FRENCH = ["public", "donor", Role.ADMIN.value]


@pytest.mark.parametrize(
    ("reader", "language"),
    [(reader, "en-GB") for reader in READERS] + [(reader, "fr") for reader in IN_FRENCH],
)
def test_every_page_fits_a_small_phone_and_passes_axe(
    reader: str, language: str, launch: Callable[..., Any], demo: Flask, demo_server: str
) -> None:
    axe = axe_source()
    context = launch().new_context(
        viewport=SCREEN, is_mobile=True, has_touch=True, locale=language, service_workers="block"
    )
    page = context.new_page()
    starts = ["/"]
    if reader == "donor":
        donor_signs_in(page, demo, demo_server)
        starts = ["/donations/me/"]
    elif reader != "public":
        page.goto(f"{demo_server}/login")
        page.locator("input[name=email]").fill(EMAILS[Role(reader)])
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("main form button").click()
        page.wait_for_url(f"{demo_server}/")
    if reader in ("public", Role.ADMIN.value, Role.VOLUNTEER.value):
        starts += pages_opened_without_a_link(demo)

    found = crawl(page, demo_server, starts, axe)

    assert len(found) > 5, f"The {reader} crawl found only {sorted(found)}"
    wrong = [f"{url}: {problem}" for url, problems in found.items() for problem in problems]
    assert not wrong, f"As {reader} in {language}, on a 360 px phone:\n" + "\n".join(wrong)


def test_the_header_folds_into_one_menu_on_a_phone(phone: Any, live_server: str) -> None:
    page = phone()
    page.goto(f"{live_server}/donations/")
    header = page.get_by_role("banner")
    give = header.get_by_role("link", name="Give", exact=True)
    assert header.bounding_box()["height"] < 80
    expect(give).to_be_hidden()

    page.get_by_text("Menu", exact=True).focus()
    page.keyboard.press("Enter")
    expect(give).to_be_visible()
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused in {"Scan", "Needs"} and page.evaluate(FOCUS_RING)
    page.evaluate(axe_source())
    serious = [v["id"] for v in page.evaluate(AXE_RUN) if v["impact"] in SERIOUS]
    assert serious == []

    page.set_viewport_size({"width": 1280, "height": 800})
    page.reload()
    expect(header.get_by_role("link", name="Give", exact=True)).to_be_visible()
    expect(page.get_by_text("Menu", exact=True)).to_be_hidden()
    assert page.problems == []
