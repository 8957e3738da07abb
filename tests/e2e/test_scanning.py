"""A volunteer on a phone: sign in, type a blank crate's code, pack it, send it to
another site, check it in there; the same crate label read by the camera; packing with
the keyboard alone, the focus always shown; refused lines saying why, each beside its row,
where the eye is."""

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect

from app.extensions import db
from app.models import Role, User
from inventory import services
from inventory.models import Crate, CrateState, Item, Site, SiteKind, SizeRange
from tests.conftest import PASSWORD
from tests.e2e.conftest import follow_menu, numbers, phone_filming_label, sign_in
from tests.e2e.test_fit import FOCUS_RING


@pytest.fixture
def world(live_app: Flask) -> dict[str, Any]:
    """Two sites, a volunteer working at both, trousers in the catalogue, a blank crate."""
    number = next(numbers)
    with live_app.app_context():
        lille = Site(name=f"Lille {number}", kind=SiteKind.COLLECTION_POINT, city="Lille")
        calais = Site(name=f"Calais {number}", kind=SiteKind.WAREHOUSE, city="Calais")
        trousers = Item(
            category="clothing",
            name_fr=f"Pantalon {number}",
            name_en=f"Trousers {number}",
            size_range=SizeRange.LETTERS,
            gendered=True,
        )
        volunteer = User(email=f"volunteer{number}@relais.test", role=Role.VOLUNTEER)
        volunteer.set_password(PASSWORD)
        volunteer.sites = [lille, calais]
        db.session.add_all([lille, calais, trousers, volunteer])
        db.session.flush()
        (crate,) = services.create_crates(db.session, actor=volunteer, count=1)
        names = {
            "email": volunteer.email,
            "lille": lille.name,
            "calais": calais.name,
            "trousers": trousers.name_en,
            "code": crate.code,
            "display": crate.display_code,
        }
        db.session.commit()
        db.session.remove()
    return names


def crate_state(live_app: Flask, code: str) -> tuple[CrateState, str | None]:
    with live_app.app_context():
        crate = db.session.query(Crate).filter_by(code=code).one()
        state = (crate.state, crate.site.name if crate.site else None)
        db.session.remove()
        return state


def test_pack_send_and_check_in_by_typing(
    phone: Any, live_server: str, live_app: Flask, world: dict[str, Any]
) -> None:
    page = phone()
    sign_in(page, live_server, world["email"])
    page.get_by_role("link", name="Scan a crate").click()
    # The choice of site submits itself once scan.js runs, so the page must have loaded.
    page.wait_for_url("**/inventory/scan")
    with page.expect_navigation():
        page.get_by_label("I am at").select_option(label=world["lille"])

    page.get_by_label("Crate code").fill(world["display"].lower())
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/inventory/crates/{world['code']}/pack")

    page.get_by_label("Find an item").fill(world["trousers"][:6].lower())
    page.get_by_role("button", name=world["trousers"]).click()
    line = page.locator("fieldset.line").filter(
        has=page.locator("legend", has_text=world["trousers"])
    )
    line.get_by_text("Men", exact=True).click()
    line.get_by_text("M", exact=True).click()
    line.get_by_label("Quantity").fill("12")
    page.get_by_role("button", name="Pack and check in").click()

    page.wait_for_url(f"**/inventory/crates/{world['code']}")
    assert page.get_by_text("packed and in stock").is_visible()
    assert page.locator("table.contents").inner_text().count("12") == 1
    assert crate_state(live_app, world["code"]) == (CrateState.IN_STOCK, world["lille"])

    page.get_by_label("Send to").select_option(label=world["calais"])
    page.get_by_role("button", name="Send", exact=True).click()
    # The answer replaces the crate's panel: its message is where the eye and focus are.
    sent = page.get_by_role("status").filter(has_text=f"on its way to {world['calais']}")
    expect(sent).to_be_in_viewport()
    expect(sent).to_be_focused()
    assert crate_state(live_app, world["code"])[0] == CrateState.IN_TRANSIT

    follow_menu(page, "Scan")
    with page.expect_navigation():
        page.get_by_label("I am at").select_option(label=world["calais"])
    page.get_by_label("Crate code").fill(world["display"])
    page.get_by_role("button", name="Open crate").click()
    page.wait_for_url(f"**/inventory/crates/{world['code']}")
    page.get_by_role("button", name=f"Check in at {world['calais']}").click()
    page.get_by_text(f"checked in at {world['calais']}").wait_for()
    assert crate_state(live_app, world["code"]) == (CrateState.IN_STOCK, world["calais"])
    assert page.problems == []


def test_the_camera_reads_a_printed_label(
    phone: Any, live_server: str, live_app: Flask, world: dict[str, Any], tmp_path: Path
) -> None:
    with live_app.app_context():
        crate = db.session.query(Crate).filter_by(code=world["code"]).one()
        site = db.session.query(Site).filter_by(name=world["lille"]).one()
        item = db.session.query(Item).filter_by(name_en=world["trousers"]).one()
        actor = db.session.query(User).filter_by(email=world["email"]).one()
        services.pack_crate(
            db.session,
            actor=actor,
            crate=crate,
            site_id=site.id,
            lines=[services.LineInput(item.id, 5, "women", "S")],
        )
        db.session.commit()
        db.session.remove()
    page = phone_filming_label(phone, live_server, world["email"], world["code"], tmp_path)
    page.goto(f"{live_server}/inventory/scan")
    page.get_by_role("button", name="Use the camera").click()
    page.wait_for_url(f"**/inventory/crates/{world['code']}", timeout=20_000)
    assert page.get_by_text(f"{world['trousers']} · Women · S").is_visible()
    assert page.problems == []


def test_without_a_camera_the_scan_page_says_why_and_shows_no_dead_button(
    phone: Any, live_server: str, world: dict[str, Any]
) -> None:
    """Plain http on a phone: the browser gives no camera (navigator.mediaDevices is
    missing outside HTTPS and localhost)."""
    page = phone()
    page.add_init_script(
        "Object.defineProperty(Navigator.prototype, 'mediaDevices', {get: () => undefined})"
    )
    sign_in(page, live_server, world["email"])
    page.goto(f"{live_server}/inventory/scan")
    status = page.get_by_role("status").filter(has_text="secure (https) address")
    assert status.is_visible()
    assert "Type the code, or use a USB or Bluetooth scanner." in status.inner_text()
    assert not page.get_by_role("button", name="Use the camera").is_visible()
    assert page.get_by_label("Crate code").is_visible()
    assert page.problems == []


def tab_to(page: Any, name: str, limit: int = 40) -> None:
    """Press Tab until the element named `name` has the focus, each stop showing it."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        assert page.evaluate(FOCUS_RING), page.evaluate("document.activeElement.outerHTML")
        label = page.evaluate(
            "(e => e.labels?.[0]?.textContent || e.getAttribute('aria-label') || e.textContent)"
            "(document.activeElement)"
        )
        if name in label:
            return
    raise AssertionError(f"{name} not reached with the Tab key")


def test_scan_and_pack_with_the_keyboard_alone(
    phone: Any, live_server: str, live_app: Flask, world: dict[str, Any]
) -> None:
    page = phone()
    sign_in(page, live_server, world["email"])
    page.goto(f"{live_server}/inventory/scan")
    expect(page.locator("#code")).to_be_focused()  # the page opens with the code field
    page.keyboard.type(world["display"])
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/crates/{world['code']}/pack")

    tab_to(page, "Find an item")
    page.keyboard.type(world["trousers"])
    result = page.locator("#item-results").get_by_role("button", name=world["trousers"])
    result.wait_for()
    tab_to(page, world["trousers"])
    # A slow phone settles a swap late: the focus must still move only once, not again
    # after the volunteer has gone on.
    page.evaluate("htmx.config.defaultSettleDelay = 400")
    page.keyboard.press("Enter")
    quantity = page.locator("fieldset.line:has(legend)").get_by_label("Quantity")
    expect(quantity).to_be_focused()
    # Back into the sizes, then into who it is for: each group is entered at its last
    # choice, and an arrow key moves round to the first and ticks it (men, XS).
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("ArrowRight")
    men = page.get_by_role("radio", name="Men", exact=True)
    expect(men).to_be_checked()
    expect(page.locator("#lines.htmx-settling")).to_have_count(0)
    expect(men).to_be_focused()
    tab_to(page, "Quantity")
    page.keyboard.type("6")
    page.keyboard.press("Enter")  # packs, as the big button does

    expect(page.get_by_role("alert")).to_have_count(0)
    page.get_by_text("packed and in stock").wait_for()
    assert crate_state(live_app, world["code"])[0] == CrateState.IN_STOCK
    assert page.problems == []


def test_refused_lines_say_why_beside_their_rows_in_view(
    phone: Any, live_server: str, live_app: Flask, world: dict[str, Any]
) -> None:
    """Six lines on a phone; the second and the last ask for sizes baby trousers do not
    come in. The summary at the top lists both at once, and each of its links leads to
    its line's sizes, with the reason beside them."""
    page = phone()
    sign_in(page, live_server, world["email"])
    page.goto(f"{live_server}/inventory/crates/{world['code']}/pack")
    lines = page.locator("fieldset.line:has(legend)")
    refused_sizes = {1: "XS", 5: "M"}
    for number in range(6):
        page.get_by_label("Find an item").fill(world["trousers"])
        page.locator("#item-results").get_by_role("button", name=world["trousers"]).click()
        line = lines.nth(number)
        line.wait_for()
        line.get_by_text("Baby" if number in refused_sizes else "Men", exact=True).click()
        size = refused_sizes.get(number, "XS")
        line.get_by_role("radiogroup", name="Size").get_by_text(size, exact=True).click()
        line.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Pack and check in").click()

    reasons = {
        number: f"Size {size} is not a size for Baby: choose one that fits."
        for number, size in refused_sizes.items()
    }
    summary = page.locator(".error-summary[role=alert]")
    for reason in reasons.values():
        expect(summary).to_contain_text(reason)
    expect(summary).to_be_focused()
    expect(summary).to_be_in_viewport()
    expect(page.locator(".field-error")).to_have_count(2)
    expect(summary.get_by_role("link")).to_have_count(2)
    for link, (number, reason) in enumerate(reasons.items()):
        refused = lines.nth(number)
        sizes = refused.get_by_role("radiogroup", name="Size")
        expect(sizes).to_have_attribute("aria-invalid", "true")
        expect(sizes).to_have_accessible_description(reason)
        summary.get_by_role("link").nth(link).click()
        expect(sizes.get_by_role("radio").first).to_be_focused()
        expect(refused.locator(".field-error")).to_have_text(reason)
        expect(refused.locator(".field-error")).to_be_in_viewport()
        page.evaluate("window.scrollTo(0, 0)")
    assert crate_state(live_app, world["code"])[0] == CrateState.EMPTY
    assert page.problems == []
