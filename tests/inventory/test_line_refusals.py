"""A refused crate line says why beside its own row, on the pack and edit pages, and is
listed in the error summary with a link to the row's field; nothing is written. Every
refused line says so at once, and the API answers each refused line too."""

import html
import re
import uuid
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
    return rows_form(
        {
            "r1": {"item_id": str(soap.id), "quantity": "4"},
            "r2": refused_row,
            "r3": {"item_id": str(soap.id), "quantity": "1"},
        }
    )


def rows_form(rows: dict[str, dict[str, str]]) -> dict[str, Any]:
    """What a form of these rows sends, keyed by each row's key."""
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


def assert_refused_beside(body: str, field: str, message: str, key: str = "r2") -> None:
    """The row `key` says why beside its field, and the summary links to it; with the
    default row r2 of three_rows, the rows around it say nothing."""
    shown = html.escape(message, quote=False)
    beside = row_html(body, key)
    assert f'<p class="field-error" id="{field}-{key}-error">{shown}' in beside
    assert f'id="{field}-{key}"' in beside
    if f'<div id="{field}-{key}" tabindex="-1">' not in beside:  # a choice the row offers
        assert f'aria-describedby="{field}-{key}-error"' in beside
    if key == "r2":
        assert_fine(body, "r1", "r3")
    assert f'<a href="#{field}-{key}">' in summary(body) and shown in summary(body)


def assert_fine(body: str, *keys: str) -> None:
    for key in keys:
        assert "field-error" not in row_html(body, key)


def summary(body: str) -> str:
    return body.split('class="flash error error-summary"')[1].split("</div>")[0]


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
    assert_refused_beside(
        response.get_data(as_text=True),
        "quantity",
        "Together, the lines of Olive soap come to 13,004; at most 10,000.",
        key="r3",
    )


def several_refused_rows(soap: Any, coat: Any, bad: int) -> dict[str, dict[str, str]]:
    """Rows r1 to r5; r1 and r3 are fine, and `bad` of r2, r4 and r5 are refused."""
    refused = refusals(soap, coat)
    rows = {
        "r1": {"item_id": str(soap.id), "quantity": "4"},
        "r2": refused["a men's size on a baby item"][0],
        "r3": {"item_id": str(coat.id), "gender": "girls", "size": "4y", "quantity": "2"},
        "r4": refused["no whole number"][0],
        "r5": refused["a negative quantity"][0],
    }
    return {key: row for key, row in rows.items() if key in ("r1", "r3", *REFUSED_ROWS[:bad])}


REFUSED_ROWS = ("r2", "r4", "r5")


def assert_several_refused(body: str, bad: int) -> None:
    """Each refused row says why beside it, the summary lists them all in the rows'
    order, and the fine rows say nothing."""
    expected = [
        ("r2", "size", "Size 6-12m is not a size for Men"),
        ("r4", "quantity", "“lots” is not a whole number."),
        ("r5", "quantity", "The quantity of Olive soap must be between 1 and 10,000."),
    ][:bad]
    for key, field, message in expected:
        assert_refused_beside(body, field, message, key)
    assert_fine(body, "r1", "r3")
    links = re.findall(r'<a href="#(\w+-\w+)">', summary(body))
    assert links == [f"{field}-{key}" for key, field, _ in expected]


@pytest.mark.parametrize("bad", [2, 3])
def test_every_refused_line_of_a_pack_says_why_at_once(
    browser: Any, make_crate: Any, site: Any, soap: Any, coat: Any, db_session: Any, bad: int
) -> None:
    crate = make_crate()
    response = browser.post(
        f"/inventory/crates/{crate.code}/pack",
        data={"site_id": str(site.id), **rows_form(several_refused_rows(soap, coat, bad))},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 422
    assert_several_refused(response.get_data(as_text=True), bad)
    db_session.refresh(crate)
    assert crate.state == CrateState.EMPTY and crate.lines == []
    assert db_session.scalar(select(func.count()).select_from(StockMovement)) == 0


@pytest.mark.parametrize("bad", [2, 3])
def test_every_refused_line_of_an_edit_says_why_at_once(
    browser: Any, make_crate: Any, site: Any, soap: Any, coat: Any, db_session: Any, bad: int
) -> None:
    crate = make_crate(site=site, lines=[services.LineInput(soap.id, 10)])
    movements = db_session.scalar(select(func.count()).select_from(StockMovement))
    response = browser.post(
        f"/inventory/crates/{crate.code}/contents",
        data=rows_form(several_refused_rows(soap, coat, bad)),
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 422
    assert_several_refused(response.get_data(as_text=True), bad)
    db_session.refresh(crate)
    assert [(line.stock_item.item_id, line.quantity) for line in crate.lines] == [(soap.id, 10)]
    assert db_session.scalar(select(func.count()).select_from(StockMovement)) == movements


def test_a_row_set_to_zero_on_an_edit_is_removed_beside_refused_rows(
    browser: Any, make_crate: Any, site: Any, soap: Any, coat: Any
) -> None:
    """0 removes a line when correcting a crate, even when another row cannot be read."""
    crate = make_crate(site=site, lines=[services.LineInput(soap.id, 10)])
    rows = several_refused_rows(soap, coat, 2)
    rows["r1"]["quantity"] = "0"
    response = browser.post(
        f"/inventory/crates/{crate.code}/contents",
        data=rows_form(rows),
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 422
    assert_several_refused(response.get_data(as_text=True), 2)


def test_lines_refused_for_unknown_items_alone_answer_not_found(
    browser: Any, make_crate: Any, site: Any, soap: Any
) -> None:
    crate = make_crate()
    rows = {
        key: {"item_id": str(999_990 + number), "quantity": "1"}
        for number, key in enumerate(["k1", "k2"])
    }
    response = browser.post(
        f"/inventory/crates/{crate.code}/pack",
        data={"site_id": str(site.id), **rows_form(rows)},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert_refused_beside(body, "item_id", "There is no item number 999990.", "k1")
    assert_refused_beside(body, "item_id", "There is no item number 999991.", "k2")


def test_a_refused_pack_sent_again_is_refused_the_same_way(
    browser: Any, make_crate: Any, site: Any, soap: Any, coat: Any, db_session: Any
) -> None:
    """A phone's outbox sends a form again with its event id: the answer recorded the
    first time shows every refused line again, beside its row, and reads as one reason."""
    crate = make_crate()
    form = {
        "site_id": str(site.id),
        "event_id": uuid.uuid4().hex,
        **rows_form(several_refused_rows(soap, coat, 3)),
    }
    for _ in range(2):
        response = browser.post(
            f"/inventory/crates/{crate.code}/pack", data=form, headers={"Accept-Language": "en"}
        )
        assert response.status_code == 422
        assert_several_refused(response.get_data(as_text=True), 3)
    reason = " ".join(re.sub(r"<[^>]*>", "", summary(response.get_data(as_text=True))).split())
    assert reason.endswith(
        "Please correct the following: Size: Size 6-12m is not a size for Men: choose one"
        " that fits. Quantity: “lots” is not a whole number. Quantity: The quantity of Olive"
        " soap must be between 1 and 10,000."
    )
    db_session.refresh(crate)
    assert crate.state == CrateState.EMPTY


def test_the_api_answers_every_refused_line(
    client: Any,
    make_user: Any,
    api_token: Any,
    make_crate: Any,
    site: Any,
    soap: Any,
    coat: Any,
    db_session: Any,
) -> None:
    """The API names a line by its place in the list, as flask-smorest does."""
    crate = make_crate()
    lines = [
        {"item_id": soap.id, "quantity": 4},
        {"item_id": coat.id, "gender": "men", "size": "6-12m", "quantity": 2},
        {"item_id": soap.id, "gender": "women", "quantity": 2},
        {"item_id": 999_999, "quantity": 1},
    ]
    response = client.post(
        f"/api/v1/crates/{crate.code}/pack",
        json={"site_id": site.id, "lines": lines},
        headers={**api_token(make_user(Role.VOLUNTEER, sites=[site])), "Accept-Language": "en"},
    )
    assert response.status_code == 422
    size = "Size 6-12m is not a size for Men: choose one that fits."
    gender = "Olive soap have no gender."
    assert response.json["errors"]["json"] == {
        "lines": {
            "1": {"size": [size]},
            "2": {"gender": [gender]},
            "3": {"item_id": ["There is no item number 999999."]},
        }
    }
    assert response.json["message"] == f"{size} {gender} There is no item number 999999."
    db_session.refresh(crate)
    assert crate.state == CrateState.EMPTY
    assert db_session.scalar(select(func.count()).select_from(StockMovement)) == 0
