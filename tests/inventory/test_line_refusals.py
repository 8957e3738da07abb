"""A refused crate line says why beside its own row, on the pack and edit pages, and is
listed in the error summary with a link to the row's field; nothing is written."""

import html
import re
from typing import Any

import pytest
from sqlalchemy import func, select

from app.models import Role
from inventory import services
from inventory.models import Category, CrateState, SizeRange, StockMovement


@pytest.fixture
def site(make_site: Any) -> Any:
    return make_site()


@pytest.fixture
def browser(login: Any, make_user: Any, site: Any) -> Any:
    return login(make_user(Role.VOLUNTEER, sites=[site]))


@pytest.fixture
def soap(make_item: Any) -> Any:
    return make_item(name_en="Olive soap", name_fr="Savon doux")


@pytest.fixture
def coat(make_item: Any) -> Any:
    return make_item(
        category=Category.CLOTHING,
        name_en="Coats",
        name_fr="Manteaux",
        size_range=SizeRange.CHILD_AGE,
        gendered=True,
    )


def refusals(soap: Any, coat: Any) -> dict[str, tuple[dict[str, str], str, str]]:
    """Each kind of refused line: what the row sends, the field refused, the reason."""
    return {
        "a men's size on a baby item": (
            {"item_id": str(coat.id), "gender": "men", "size": "6-12m", "quantity": "2"},
            "size",
            "Size 6-12m is not a size for Men",
        ),
        "a who-for the item does not take": (
            {"item_id": str(soap.id), "gender": "women", "quantity": "2"},
            "gender",
            "Olive soap have no gender.",
        ),
        "an unknown item": (
            {"item_id": "999999", "quantity": "2"},
            "item_id",
            "There is no item number 999999.",
        ),
        "a negative quantity": (
            {"item_id": str(soap.id), "quantity": "-3"},
            "quantity",
            "The quantity of Olive soap must be between 1 and 10,000.",
        ),
        "an absurd quantity": (
            {"item_id": str(soap.id), "quantity": "999999"},
            "quantity",
            "The quantity of Olive soap must be between 1 and 10,000.",
        ),
        "no whole number": (
            {"item_id": str(soap.id), "quantity": "lots"},
            "quantity",
            "“lots” is not a whole number.",
        ),
        "an item without a quantity": (
            {"item_id": str(soap.id), "quantity": ""},
            "quantity",
            "Please fill in this field.",
        ),
    }


KINDS = [
    "a men's size on a baby item",
    "a who-for the item does not take",
    "an unknown item",
    "a negative quantity",
    "an absurd quantity",
    "no whole number",
    "an item without a quantity",
]


def three_rows(soap: Any, refused_row: dict[str, str]) -> dict[str, Any]:
    """Rows r1 and r3 are fine; r2 is the refused one."""
    rows = {"r1": {"item_id": str(soap.id), "quantity": "4"}, "r2": refused_row}
    rows["r3"] = {"item_id": str(soap.id), "quantity": "1"}
    form: dict[str, Any] = {"row": list(rows)}
    for key, fields in rows.items():
        form.update({f"{name}-{key}": value for name, value in fields.items()})
    return form


def row_html(body: str, key: str) -> str:
    """The markup of one row of the page: its fieldset."""
    for fieldset in re.findall(r"<fieldset class=\"line\".*?</fieldset>", body, re.S):
        if f'name="row" value="{key}"' in fieldset:
            return str(fieldset)
    raise AssertionError(f"no row {key}")


def assert_refused_beside(body: str, field: str, message: str) -> None:
    shown = html.escape(message, quote=False)
    beside = row_html(body, "r2")
    assert f'<p class="field-error" id="{field}-r2-error">{shown}' in beside
    assert f'id="{field}-r2"' in beside
    if f'<div id="{field}-r2" tabindex="-1">' not in beside:  # a choice the row offers
        assert f'aria-describedby="{field}-r2-error"' in beside
    for other in ("r1", "r3"):
        assert "field-error" not in row_html(body, other)
    summary = body.split('class="flash error error-summary"')[1].split("</div>")[0]
    assert f'<a href="#{field}-r2">' in summary and shown in summary


@pytest.mark.parametrize("kind", KINDS)
def test_a_refused_line_of_a_pack_says_why_beside_its_row(
    browser: Any, make_crate: Any, site: Any, soap: Any, coat: Any, db_session: Any, kind: str
) -> None:
    refused_row, field, message = refusals(soap, coat)[kind]
    crate = make_crate()
    response = browser.post(
        f"/inventory/crates/{crate.code}/pack",
        data={"site_id": str(site.id), **three_rows(soap, refused_row)},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == (404 if kind == "an unknown item" else 422)
    assert_refused_beside(response.get_data(as_text=True), field, message)
    db_session.refresh(crate)
    assert crate.state == CrateState.EMPTY and crate.lines == []
    assert db_session.scalar(select(func.count()).select_from(StockMovement)) == 0


@pytest.mark.parametrize("kind", KINDS)
def test_a_refused_line_of_an_edit_says_why_beside_its_row(
    browser: Any, make_crate: Any, site: Any, soap: Any, coat: Any, db_session: Any, kind: str
) -> None:
    refused_row, field, message = refusals(soap, coat)[kind]
    crate = make_crate(site=site, lines=[services.LineInput(soap.id, 10)])
    movements = db_session.scalar(select(func.count()).select_from(StockMovement))
    response = browser.post(
        f"/inventory/crates/{crate.code}/contents",
        data=three_rows(soap, refused_row),
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == (404 if kind == "an unknown item" else 422)
    assert_refused_beside(response.get_data(as_text=True), field, message)
    db_session.refresh(crate)
    assert [(line.stock_item.item_id, line.quantity) for line in crate.lines] == [(soap.id, 10)]
    assert db_session.scalar(select(func.count()).select_from(StockMovement)) == movements


def test_a_line_refused_in_french_names_its_item_beside_its_row(
    browser: Any, make_crate: Any, site: Any, soap: Any
) -> None:
    crate = make_crate()
    response = browser.post(
        f"/inventory/crates/{crate.code}/pack",
        data={
            "site_id": str(site.id),
            **three_rows(soap, {"item_id": str(soap.id), "quantity": "0"}),
        },
        headers={"Accept-Language": "fr"},
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert_refused_beside(
        body, "quantity", "La quantité de Savon doux doit être entre 1 et 10\u202f000."
    )
    assert "Merci de corriger ce qui suit\u00a0:" in body


def test_the_same_item_twice_beyond_a_line_is_refused_on_the_row_that_tips_it(
    browser: Any, make_crate: Any, site: Any, soap: Any
) -> None:
    crate = make_crate()
    form = three_rows(soap, {"item_id": str(soap.id), "quantity": "5000"})
    response = browser.post(
        f"/inventory/crates/{crate.code}/pack",
        data={"site_id": str(site.id), **form, "quantity-r3": "8000"},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 422
    assert 'id="quantity-r3-error"' in row_html(response.get_data(as_text=True), "r3")
