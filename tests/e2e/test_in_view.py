"""On a phone, the header folds into one menu button, packing a crate works with the
keyboard alone with the focus always shown, and a refused pack says why where the eye
is (a refused gift: tests/e2e/test_giving.py; a loaded van: test_distributions.py)."""

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import open_menu, sign_in
from tests.e2e.test_fit import AXE_RUN, SERIOUS, axe_source
from tests.e2e.test_scanning import crate_state, world  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser

FOCUS_RING = """() => {
  const style = getComputedStyle(document.activeElement);
  return style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
}"""


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
    axe = axe_source()
    page.evaluate(axe)
    serious = [v["id"] for v in page.evaluate(AXE_RUN) if v["impact"] in SERIOUS]
    assert serious == []

    page.set_viewport_size({"width": 1280, "height": 800})
    page.reload()
    expect(header.get_by_role("link", name="Give", exact=True)).to_be_visible()
    expect(page.get_by_text("Menu", exact=True)).to_be_hidden()
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
    phone: Any, live_server: str, live_app: Any, world: dict[str, Any]
) -> None:
    page = phone()
    sign_in(page, live_server, world["email"])
    page.goto(f"{live_server}/inventory/scan")
    page.keyboard.type(world["display"])  # the code field has the focus
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/crates/{world['code']}/pack")

    tab_to(page, "Find an item")
    page.keyboard.type(world["trousers"])
    result = page.locator("#item-results").get_by_role("button", name=world["trousers"])
    result.wait_for()
    tab_to(page, world["trousers"])
    page.keyboard.press("Enter")
    quantity = page.locator("fieldset.line:has(legend)").get_by_label("Quantity")
    expect(quantity).to_be_focused()
    page.keyboard.type("6")
    # Back into the sizes, then into who it is for: each group is entered at its last
    # choice, and an arrow key moves round to the first and ticks it (men, XS).
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("radio", name="Men", exact=True)).to_be_checked()
    tab_to(page, "Pack and check in")
    page.keyboard.press("Enter")

    expect(page.get_by_role("alert")).to_have_count(0)
    page.get_by_text("packed and in stock").wait_for()
    assert crate_state(live_app, world["code"])[0].value == "in_stock"
    assert page.problems == []


def test_a_refused_pack_says_why_in_view(
    phone: Any, live_server: str, world: dict[str, Any]
) -> None:
    page = phone()
    sign_in(page, live_server, world["email"])
    page.goto(f"{live_server}/inventory/crates/{world['code']}/pack")
    page.get_by_label("Find an item").fill(world["trousers"])
    page.locator("#item-results").get_by_role("button", name=world["trousers"]).click()
    line = page.locator("fieldset.line:has(legend)")
    line.get_by_text("Men", exact=True).click()
    line.get_by_role("radiogroup", name="Size").locator("label").first.click()
    line.get_by_label("Quantity").fill("6")
    # The first line names an item and no quantity: the server refuses the crate.
    page.locator("fieldset.line").first.get_by_label("Item").select_option(
        label=world["trousers"]
    )
    page.get_by_role("button", name="Pack and check in").click()

    refusal = page.get_by_role("alert").filter(has_text="Please fill in this field.")
    expect(refusal).to_be_focused()
    expect(refusal).to_be_in_viewport()
    assert page.problems == []
