"""Browser tests: Relais served on a local port, driven by Playwright through Debian's
Chromium. They use a database of their own, so what they commit touches no other test."""

import io
import itertools
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pypdfium2
import pytest
from flask import Flask
from flask_migrate import upgrade
from PIL import Image
from werkzeug.serving import WSGIRequestHandler, make_server

from app import create_app
from app.extensions import db
from app.models import User
from inventory.models import Crate
from inventory.services import LineInput, create_crates, pack_crate
from tests.conftest import PASSWORD, config_for_tests, database_beside, missing_service

CHROMIUM = os.environ.get("RELAIS_CHROMIUM", "/usr/bin/chromium")
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# One counter for every browser test module: they share one database, where names such
# as a site's are unique.
numbers = itertools.count(1)

if not shutil.which(CHROMIUM):
    missing_service(
        f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)",
        allow_module_level=True,
    )


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that drives Chromium `browser`, before `-m` selects, so that
    `pytest -m "not browser"` runs the rest."""
    for item in items:
        if "playwright" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def live_app(db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    folder = tmp_path_factory.mktemp("browser")
    app = create_app(
        config_for_tests(
            database_beside(db_url, folder, "browser"), folder, WTF_CSRF_ENABLED=True, TESTING=False
        )
    )
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


class OneRequestHandler(WSGIRequestHandler):
    """One request per connection, as HTTP/1.0. Over a kept-alive connection, Werkzeug's
    threaded server drains the socket after each answer before closing it: it swallowed
    the next request the browser sent there (a service worker's install then waited
    forever), and held back the answer's call_on_close (a sign-in email)."""

    protocol_version = "HTTP/1.0"


def serve(app: Flask) -> Iterator[str]:
    """Serve `app` on a free local port while the generator is open; yields its address."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=OneRequestHandler)
    base = f"http://127.0.0.1:{server.server_port}"
    app.config["BASE_URL"] = base
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base
    server.shutdown()


@pytest.fixture(scope="session")
def live_server(live_app: Flask) -> Iterator[str]:
    yield from serve(live_app)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def shared_browser(playwright: Any) -> Iterator[Any]:
    """One Chromium for the tests that need no flags of their own: each test opens its
    own contexts in it, which share no cookies, storage, cache or service worker."""
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture
def launch(playwright: Any, shared_browser: Any) -> Iterator[Callable[..., Any]]:
    """Chromium: the shared one, or one started with extra flags (the fake camera needs
    its own browser). What the test opened is closed after it."""
    browsers = []

    def start(*extra: str) -> Any:
        if not extra:
            return shared_browser
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=[*CHROMIUM_ARGS, *extra]
        )
        browsers.append(browser)
        return browser

    yield start
    for context in shared_browser.contexts:
        context.close()
    for browser in browsers:
        browser.close()


@pytest.fixture
def phone(launch: Callable[..., Any]) -> Callable[..., Any]:
    """A new phone-sized page in English; page errors and CSP violations fail the test.
    A test that intercepts requests blocks the service worker, whose requests Playwright's
    page.route does not see."""

    def open_page(
        *extra_args: str, permissions: tuple[str, ...] = (), service_workers: str = "allow"
    ) -> Any:
        context = launch(*extra_args).new_context(
            **PHONE,
            locale="en-GB",
            permissions=list(permissions),
            service_workers=service_workers,
        )
        page = context.new_page()
        # One Chromium serves every test: its newest page is the one in front, with the
        # focus, as a phone's only page is (autofocus and typing depend on it).
        page.bring_to_front()
        problems: list[str] = []
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on(
            "console",
            lambda message: (
                problems.append(message.text)
                if message.type == "error" and "Content Security Policy" in message.text
                else None
            ),
        )
        page.problems = problems
        return page

    return open_page


def sign_in(page: Any, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")


def open_menu(page: Any) -> Any:
    """Unfold the header's menu, as on a phone, where it is folded under one button;
    returns the header."""
    header = page.get_by_role("banner")
    header.get_by_text("Menu", exact=True).click()
    return header


def wait_until(page: Any, predicate: str, arg: Any = None, *, seconds: float = 30) -> None:
    """Wait until the JavaScript function `predicate` is true on the page, asked from the
    test: page.wait_for_function runs its predicate through the page's eval, which the
    app's Content-Security-Policy (script-src 'self') refuses whenever it has to poll."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if page.evaluate(predicate, arg):
                return
        except Exception as error:  # the page is navigating: ask the next one
            if "context was destroyed" not in str(error):
                raise
        assert time.monotonic() < deadline, f"never true: {predicate}"
        page.wait_for_timeout(100)


def follow_menu(page: Any, name: str) -> None:
    """Open a page of the header's menu on a phone, once it has loaded (its scripts
    have run)."""
    navigation = open_menu(page).get_by_role("navigation", name="Main")
    with page.expect_navigation():
        navigation.get_by_role("link", name=name, exact=True).click()


def label_video(live_server: str, page: Any, code: str, path: Path) -> Path:
    """A y4m video of the crate's printed label, as Chromium's fake camera plays it."""
    response = page.request.get(f"{live_server}/inventory/labels.pdf?codes={code}&format=thermal62")
    assert response.ok
    pdf = pypdfium2.PdfDocument(io.BytesIO(response.body()))
    label = pdf[0].render(scale=6).to_pil().convert("RGB")
    frame = Image.new("RGB", (640, 480), "white")
    label.thumbnail((600, 440))
    frame.paste(label, ((640 - label.width) // 2, (480 - label.height) // 2))
    luma, blue, red = frame.convert("YCbCr").split()
    half = (320, 240)
    planes = luma.tobytes() + blue.resize(half).tobytes() + red.resize(half).tobytes()
    with path.open("wb") as video:
        video.write(b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n")
        for _ in range(20):
            video.write(b"FRAME\n" + planes)
    return path


def phone_filming_label(
    phone: Callable[..., Any], base: str, email: str, code: str, folder: Path
) -> Any:
    """A signed-in phone whose camera (Chromium's fake one) sees the crate's label."""
    helper = phone()
    sign_in(helper, base, email)
    video = label_video(base, helper, code, folder / "label.y4m")
    page = phone(
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
        permissions=("camera",),
    )
    sign_in(page, base, email)
    return page


def packed_crates(
    session: Any, actor: User, site_id: int, item_id: int, quantity: int, count: int = 1
) -> list[Crate]:
    """`count` new crates, each packed at the site with `quantity` of the item."""
    crates = create_crates(session, actor=actor, count=count)
    for crate in crates:
        pack_crate(
            session,
            actor=actor,
            crate=crate,
            site_id=site_id,
            lines=[LineInput(item_id=item_id, quantity=quantity)],
        )
    return crates
