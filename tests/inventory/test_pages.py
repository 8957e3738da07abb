"""The phone pages as a volunteer uses them: scan, pack, act, several at once."""

import html
import re
import uuid
from typing import Any

import pypdfium2
import pytest
from sqlalchemy import func, select

from app.models import Role
from inventory import ledger, services
from inventory.codes import display_code
from inventory.models import Crate, CrateState, StockMovement


@pytest.fixture
def site(make_site: Any) -> Any:
    return make_site(name="Point de collecte Lille")


@pytest.fixture
def volunteer(make_user: Any, site: Any) -> Any:
    return make_user(Role.VOLUNTEER, sites=[site])


@pytest.fixture
def browser(login: Any, volunteer: Any) -> Any:
    return login(volunteer)


def test_scanning_an_empty_crate_opens_pack_and_a_packed_one_its_page(
    browser: Any, make_crate: Any, site: Any
) -> None:
    empty, packed = make_crate(), make_crate(site=site)
    response = browser.get(f"/inventory/scan?code={empty.display_code.lower()}")
    assert response.status_code == 303 and response.location.endswith(
        f"/inventory/crates/{empty.code}/pack"
    )
    response = browser.get(f"/inventory/scan?code=https://relais.test/c/{packed.code}")
    assert response.location.endswith(f"/inventory/crates/{packed.code}")


def test_htmx_scan_loads_the_next_page_in_full(browser: Any, make_crate: Any) -> None:
    crate = make_crate()
    response = browser.get(f"/inventory/scan?code={crate.code}", headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == f"/inventory/crates/{crate.code}/pack"


@pytest.mark.parametrize("typed", ["hello", "ABCD-EFGH", "7K3M-Q9X"])
def test_a_garbled_code_is_explained_on_the_scan_page(browser: Any, typed: str) -> None:
    response = browser.get(f"/inventory/scan?code={typed}")
    assert response.status_code == 422
    assert "is not a crate code" in response.get_data(as_text=True)


def test_an_unknown_code_says_so(browser: Any) -> None:
    from inventory.codes import new_code

    code = new_code()
    response = browser.get(f"/inventory/scan?code={code}", headers={"HX-Request": "true"})
    assert response.status_code == 404
    assert "No crate has the code" in response.get_data(as_text=True)


def pack_form(site: Any, item: Any, quantity: str = "12", **extra: str) -> dict[str, str]:
    return {
        "site_id": str(site.id),
        "row": "r1",
        "item_id-r1": str(item.id),
        "quantity-r1": quantity,
        "event_id": uuid.uuid4().hex,
        **extra,
    }


def test_packing_by_form_puts_the_crate_in_stock(
    browser: Any, make_crate: Any, site: Any, make_trousers: Any, db_session: Any
) -> None:
    crate, trousers = make_crate(), make_trousers()
    page = browser.get(f"/inventory/crates/{crate.code}/pack")
    assert page.status_code == 200 and "Pack crate" in page.get_data(as_text=True)
    response = browser.post(
        f"/inventory/crates/{crate.code}/pack",
        data=pack_form(
            site,
            trousers,
            **{"gender-r1": "men", "size-r1": "M", "expiry_date": "2027-01-31", "weight_kg": "7,5"},
        ),
    )
    assert response.status_code == 303
    db_session.refresh(crate)
    assert crate.state == CrateState.IN_STOCK and crate.weight_grams == 7500
    follow = browser.get(response.location)
    assert "packed and in stock" in follow.get_data(as_text=True)


@pytest.mark.parametrize(
    ("weight", "message"),
    [
        ("inf", "“inf” is not a weight."),
        ("-Infinity", "“-Infinity” is not a weight."),
        ("nan", "“nan” is not a weight."),
        ("heavy", "“heavy” is not a weight."),
        ("1e308", "The weight must be between 0 and 500 kg."),
        ("1e999999999", "The weight must be between 0 and 500 kg."),
        ("-1e999999999", "The weight must be between 0 and 500 kg."),
        ("500,001", "The weight must be between 0 and 500 kg."),
    ],
)
def test_a_weight_that_is_no_weight_re_shows_the_form_with_the_reason(
    browser: Any,
    make_crate: Any,
    site: Any,
    make_item: Any,
    db_session: Any,
    weight: str,
    message: str,
) -> None:
    crate = make_crate()
    response = browser.post(
        f"/inventory/crates/{crate.code}/pack",
        data=pack_form(site, make_item(), weight_kg=weight),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    # The reason is below the weight box, which points to it, in its section, open; and
    # in the summary, linked to the box.
    shown = html.escape(message, quote=False)
    assert f'<a href="#weight_kg">Weight (kg): {shown}</a>' in page
    assert "<details open>" in page
    assert 'aria-invalid="true" aria-describedby="weight_kg-error"' in page
    assert f'<p class="field-error" id="weight_kg-error">{shown}</p>' in page
    db_session.refresh(crate)
    assert crate.state == CrateState.EMPTY


def test_a_double_submitted_pack_counts_once(
    browser: Any, make_crate: Any, site: Any, make_item: Any, db_session: Any
) -> None:
    crate, item = make_crate(), make_item()
    form = pack_form(site, item)
    first = browser.post(f"/inventory/crates/{crate.code}/pack", data=form)
    count = db_session.scalar(select(func.count()).select_from(StockMovement))
    second = browser.post(f"/inventory/crates/{crate.code}/pack", data=form)
    assert first.status_code == 303 and second.status_code == 303
    assert db_session.scalar(select(func.count()).select_from(StockMovement)) == count


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("0", "between 1 and"),
        ("-4", "between 1 and"),
        ("lots", "not a whole number"),
        ("999999", "between 1 and"),
    ],
)
def test_bad_quantities_re_show_the_form_with_the_reason(
    browser: Any,
    make_crate: Any,
    site: Any,
    make_item: Any,
    db_session: Any,
    quantity: str,
    message: str,
) -> None:
    crate = make_crate()
    response = browser.post(
        f"/inventory/crates/{crate.code}/pack", data=pack_form(site, make_item(), quantity)
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    db_session.refresh(crate)
    assert crate.state == CrateState.EMPTY
    assert db_session.scalar(select(func.count()).select_from(StockMovement)) == 0


def test_add_another_item_keeps_what_was_typed(
    browser: Any, make_crate: Any, site: Any, make_item: Any
) -> None:
    crate, item = make_crate(), make_item()
    response = browser.post(
        f"/inventory/crates/{crate.code}/pack", data={**pack_form(site, item, "7"), "add_row": "1"}
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'name="quantity-r1" value="7"' in body
    assert body.count('name="row"') == 2


def test_item_search_finds_french_and_english_names_without_accents(
    browser: Any, make_item: Any
) -> None:
    make_item(name_fr="Écharpe", name_en="Scarf")
    for typed in ("echar", "ÉCHARPE", "scar"):
        assert "Scarf" in browser.get(
            f"/inventory/items/search?q={typed}", headers={"Accept-Language": "en"}
        ).get_data(as_text=True)


def test_recently_packed_items_are_one_tap_away(
    browser: Any, make_crate: Any, site: Any, make_item: Any
) -> None:
    soap = make_item(name_en="Olive soap", name_fr="Savon")
    make_crate(site=site, lines=[services.LineInput(soap.id, 3)])
    response = browser.get(
        f"/inventory/crates/{make_crate().code}/pack", headers={"Accept-Language": "en"}
    )
    assert "Olive soap" in response.get_data(as_text=True).split('id="item-search"')[0]


def buttons(page: str) -> set[str]:
    offered = {
        "pack": "Pack this crate</a>",
        "check in": "Check in at",
        "move within": "Move within this site",
        "distribute": "Mark distributed",
        "send": "Send to",
        "edit": "Edit contents",
        "reuse": "Pack this crate again",
        "scrap": "Scrap this crate",
    }
    return {name for name, text in offered.items() if text in page}


def test_a_crate_page_offers_what_its_state_allows(
    browser: Any, make_crate: Any, site: Any, make_site: Any, db_session: Any, admin: Any
) -> None:
    calais = make_site(name="Entrepôt Calais")
    packed, sent, handed_out = make_crate(site=site), make_crate(site=site), make_crate(site=site)
    services.dispatch_crate(db_session, actor=admin, crate=sent, destination_site_id=calais.id)
    services.distribute_crate(db_session, actor=admin, crate=handed_out)
    db_session.commit()

    def offered(crate: Crate) -> set[str]:
        return buttons(browser.get(f"/inventory/crates/{crate.code}").get_data(as_text=True))

    assert offered(make_crate()) == {"pack", "scrap"}
    assert offered(packed) == {"move within", "distribute", "send", "edit", "scrap"}
    page = browser.get(f"/inventory/crates/{sent.code}").get_data(as_text=True)
    assert buttons(page) == {"scrap"}
    assert "It is checked in at Entrepôt Calais when it arrives there." in page
    assert offered(handed_out) == {"reuse"}


def test_actions_on_a_packed_crate(
    browser: Any, make_crate: Any, site: Any, make_site: Any, db_session: Any, volunteer: Any
) -> None:
    other = make_site(name="Entrepôt Calais")
    volunteer.sites.append(other)
    crate = make_crate(site=site)
    page = browser.get(f"/inventory/crates/{crate.code}").get_data(as_text=True)
    assert "Mark distributed" in page and "Send to" in page
    response = browser.post(
        f"/inventory/crates/{crate.code}/dispatch",
        data={"site_id": other.id, "event_id": uuid.uuid4().hex},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200 and "on its way to Entrepôt Calais" in response.get_data(
        as_text=True
    )
    response = browser.post(f"/inventory/crates/{crate.code}/check-in", data={"site_id": other.id})
    assert response.status_code == 303
    db_session.refresh(crate)
    assert (crate.state, crate.site_id) == (CrateState.IN_STOCK, other.id)
    response = browser.post(
        f"/inventory/crates/{crate.code}/distribute",
        data={"confirmed": "yes"},
        headers={"HX-Request": "true"},
    )
    assert "marked distributed" in response.get_data(as_text=True)
    response = browser.post(
        f"/inventory/crates/{crate.code}/scrap",
        data={"confirmed": "yes"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 409 and "already distributed" in response.get_data(as_text=True)
    assert ledger.find_drift(db_session) == []


def test_a_volunteer_cannot_act_at_another_site_from_the_page(
    browser: Any, make_crate: Any, make_site: Any, db_session: Any
) -> None:
    crate = make_crate(site=make_site())
    response = browser.post(f"/inventory/crates/{crate.code}/distribute", data={"confirmed": "yes"})
    assert response.status_code == 403
    assert "not assigned" in response.get_data(as_text=True)
    db_session.refresh(crate)
    assert crate.state == CrateState.IN_STOCK


def test_several_crates_at_once_all_or_nothing(
    browser: Any, make_crate: Any, site: Any, db_session: Any
) -> None:
    first, second = make_crate(site=site), make_crate(site=site)
    listed = browser.get(
        f"/inventory/batch?codes={first.code}&code={second.display_code}",
        headers={"HX-Request": "true"},
    )
    assert listed.get_data(as_text=True).count('name="codes"') == 2
    services.distribute_crate(db_session, actor=services_admin(db_session), crate=second)
    response = browser.post(
        "/inventory/batch", data={"codes": [first.code, second.code], "action": "distribute"}
    )
    assert response.status_code == 409
    assert "Nothing was changed" in response.get_data(as_text=True)
    db_session.refresh(first)
    assert first.state == CrateState.IN_STOCK
    third = make_crate(site=site)
    response = browser.post(
        "/inventory/batch", data={"codes": [first.code, third.code], "action": "distribute"}
    )
    assert response.status_code == 303
    db_session.refresh(first)
    db_session.refresh(third)
    assert first.state == third.state == CrateState.DISTRIBUTED


def services_admin(db_session: Any) -> Any:
    from app.models import User

    return db_session.scalar(select(User).where(User.role == Role.ADMIN))


def test_editing_contents(
    browser: Any, make_crate: Any, site: Any, make_item: Any, db_session: Any
) -> None:
    soap = make_item()
    crate = make_crate(site=site, lines=[services.LineInput(soap.id, 10)])
    assert browser.get(f"/inventory/crates/{crate.code}/contents").status_code == 200
    key = "k1"
    response = browser.post(
        f"/inventory/crates/{crate.code}/contents",
        data={"row": key, f"item_id-{key}": soap.id, f"quantity-{key}": "6"},
    )
    assert response.status_code == 303
    db_session.refresh(crate)
    assert crate.lines[0].quantity == 6
    assert ledger.balance_of(db_session, site.id, crate.lines[0].stock_item_id) == 6


def test_crate_link_from_the_qr_code(browser: Any, make_crate: Any, client: Any) -> None:
    crate = make_crate()
    assert browser.get(f"/c/{crate.code.lower()}").location.endswith(
        f"/inventory/crates/{crate.code}"
    )
    anonymous = client.get(f"/c/{crate.code}")
    assert anonymous.status_code == 302 and "/login" in anonymous.location


def test_labels_page_makes_blank_crates_once_per_form(browser: Any, db_session: Any) -> None:
    form = {"count": "3", "format": "thermal62", "event_id": uuid.uuid4().hex}
    first = browser.post("/inventory/labels/blank", data=form)
    second = browser.post("/inventory/labels/blank", data=form)
    assert first.status_code == second.status_code == 303
    assert first.location == second.location
    assert db_session.scalar(select(func.count()).select_from(Crate)) == 3
    page = browser.get(first.location).get_data(as_text=True)
    assert "3 new crates are ready" in page
    pdf = browser.get(pdf_link(page))
    assert pdf.mimetype == "application/pdf"


def pdf_link(page: str) -> str:
    """The address of the labels' PDF, as the page links it."""
    found = re.search(r'href="(/inventory/labels\.pdf\?[^"]*)"', page)
    assert found, "no link to the labels"
    return html.unescape(found[1])


# gunicorn refuses a request line longer than this (its limit_request_line).
GUNICORN_REQUEST_LINE = 4094


def test_500_blank_labels_open_from_a_short_address(browser: Any, db_session: Any) -> None:
    form = {"count": "500", "format": "a4", "event_id": uuid.uuid4().hex}
    made = browser.post("/inventory/labels/blank", data=form)
    assert made.status_code == 303 and len(made.location) < 100
    page = browser.get(made.location).get_data(as_text=True)
    assert "500 new crates are ready" in page
    link = pdf_link(page)
    assert len(f"GET {link} HTTP/1.1") < GUNICORN_REQUEST_LINE and len(link) < 100
    pdf = browser.get(link)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    document = pypdfium2.PdfDocument(pdf.data)
    assert len(document) == 21, "500 labels, 24 to an A4 sheet"
    codes = db_session.scalars(select(Crate.code).order_by(Crate.code)).all()
    first_page = document[0].get_textpage().get_text_range()
    assert display_code(codes[0]) in first_page


def test_a_batch_of_labels_that_does_not_exist_is_not_found(browser: Any) -> None:
    assert browser.get("/inventory/labels?batch=999999").status_code == 404
    assert browser.get("/inventory/labels.pdf?batch=999999").status_code == 404


def test_an_over_long_event_id_for_blank_labels_is_refused(browser: Any, db_session: Any) -> None:
    form = {"count": "3", "format": "a4", "event_id": "x" * 65}
    response = browser.post("/inventory/labels/blank", data=form)
    assert response.status_code == 422
    assert "event id is too long" in response.get_data(as_text=True)
    assert db_session.scalar(select(func.count()).select_from(Crate)) == 0
    form["event_id"] = "x" * 64
    assert browser.post("/inventory/labels/blank", data=form).status_code == 303


def test_a_volunteer_cannot_check_in_a_crate_from_another_site(
    browser: Any, make_crate: Any, make_site: Any, site: Any, db_session: Any
) -> None:
    crate = make_crate(site=make_site(name="Entrepôt Paris"))
    page = browser.get(f"/inventory/crates/{crate.code}").get_data(as_text=True)
    assert "Check in at" not in page
    assert "is in stock at Entrepôt Paris, where you are not assigned" in page
    response = browser.post(
        f"/inventory/crates/{crate.code}/check-in",
        data={"site_id": site.id, "event_id": uuid.uuid4().hex},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 403
    assert "where you are not assigned" in response.get_data(as_text=True)
    db_session.refresh(crate)
    assert (crate.state, crate.site.name) == (CrateState.IN_STOCK, "Entrepôt Paris")


def test_a_batch_check_in_with_a_crate_from_elsewhere_changes_nothing(
    browser: Any, make_crate: Any, make_site: Any, site: Any, db_session: Any, admin: Any
) -> None:
    paris = make_site(name="Entrepôt Paris")
    ours = make_crate(site=make_site())
    services.dispatch_crate(db_session, actor=admin, crate=ours, destination_site_id=site.id)
    theirs = make_crate(site=paris)
    db_session.commit()
    before = db_session.scalar(select(func.count()).select_from(StockMovement))
    response = browser.post(
        "/inventory/batch",
        data={"codes": [ours.code, theirs.code], "action": "check_in", "site_id": site.id},
    )
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "Nothing was changed" in page and "in stock at Entrepôt Paris" in page
    db_session.refresh(ours)
    db_session.refresh(theirs)
    assert (ours.state, theirs.site_id) == (CrateState.IN_TRANSIT, paris.id)
    assert db_session.scalar(select(func.count()).select_from(StockMovement)) == before
    response = browser.post(
        "/inventory/batch", data={"codes": [ours.code], "action": "check_in", "site_id": site.id}
    )
    assert response.status_code == 303
    db_session.refresh(ours)
    assert (ours.state, ours.site_id) == (CrateState.IN_STOCK, site.id)
