"""Packing refuses a size that contradicts who an item is for: no men's size on a baby
item, no nappies for ten-year-olds, no men's trainers in 35."""

import re
from pathlib import Path
from typing import Any

import pytest

from app.errors import InvalidInput
from app.models import Role
from inventory import services
from inventory.codes import normalise_code
from inventory.models import Category, CrateState, Gender, SizeRange
from inventory.services import LineInput

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def items(make_item: Any) -> dict[str, Any]:
    return {
        "coat": make_item(
            category=Category.CLOTHING, size_range=SizeRange.CHILD_AGE, gendered=True
        ),
        "nappies": make_item(category=Category.BABY, size_range=SizeRange.CHILD_AGE),
        "trainers": make_item(
            category=Category.SHOES, size_range=SizeRange.EU_SHOES, gendered=True
        ),
    }


@pytest.mark.parametrize(
    ("item", "gender", "size", "message"),
    [
        ("coat", Gender.MEN, "6-12m", "Size 6-12m is not a size for Men"),
        ("nappies", "", "10y", "do not come in size 10y"),
        ("trainers", Gender.MEN, "35", "Size 35 is not a size for Men"),
        ("trainers", Gender.BABY, "40", "Size 40 is not a size for Baby"),
    ],
)
def test_a_size_that_contradicts_who_the_item_is_for_is_refused(
    db_session: Any,
    admin: Any,
    make_site: Any,
    make_crate: Any,
    items: dict[str, Any],
    item: str,
    gender: str,
    size: str,
    message: str,
) -> None:
    crate, site = make_crate(), make_site()
    line = LineInput(items[item].id, 5, gender, size)
    with db_session.begin_nested(), pytest.raises(InvalidInput, match=message):
        services.pack_crate(db_session, actor=admin, crate=crate, site_id=site.id, lines=[line])
    db_session.refresh(crate)
    assert crate.state == CrateState.EMPTY and crate.lines == []


@pytest.mark.parametrize(
    ("item", "gender", "size"),
    [
        ("coat", Gender.BOYS, "6y"),
        ("nappies", "", "18-24m"),
        ("trainers", Gender.MEN, "42"),
        ("trainers", Gender.WOMEN, "37"),
        ("trainers", Gender.GIRLS, "31"),
    ],
)
def test_sizes_that_fit_are_packed(
    db_session: Any,
    admin: Any,
    make_site: Any,
    make_crate: Any,
    items: dict[str, Any],
    item: str,
    gender: str,
    size: str,
) -> None:
    crate, site = make_crate(), make_site()
    line = LineInput(items[item].id, 5, gender, size)
    services.pack_crate(db_session, actor=admin, crate=crate, site_id=site.id, lines=[line])
    assert crate.state == CrateState.IN_STOCK


def test_the_pack_page_says_why_in_french(
    login: Any, make_user: Any, make_site: Any, make_crate: Any, items: dict[str, Any]
) -> None:
    site = make_site()
    browser = login(make_user(Role.VOLUNTEER, sites=[site]))
    crate = make_crate()
    response = browser.post(
        f"/inventory/crates/{crate.code}/pack",
        data={
            "site_id": str(site.id),
            "row": "r1",
            "item_id-r1": str(items["coat"].id),
            "quantity-r1": "3",
            "gender-r1": "men",
            "size-r1": "6-12m",
        },
        headers={"Accept-Language": "fr"},
    )
    assert response.status_code == 422
    assert "La taille 6-12m ne convient pas" in response.get_data(as_text=True)


def test_the_example_codes_of_the_readme_and_the_scan_page_are_crate_codes() -> None:
    readme = (ROOT / "README.md").read_text()
    scan = (ROOT / "templates/inventory/scan.html").read_text()
    codes = set(re.findall(r"(?:`|crates/)([0-9A-Z]{4}-[0-9A-Z]{4})`?\b", readme))
    codes |= set(re.findall(r"code='([0-9A-Z]{4}-[0-9A-Z]{4})'", scan))
    assert len(codes - {"XXXX-XXXX"}) == 1
    for code in codes - {"XXXX-XXXX"}:
        assert normalise_code(code) == code.replace("-", "")


def test_the_scan_page_shows_a_working_code_and_links_to_blank_labels(
    login: Any, make_user: Any
) -> None:
    page = login(make_user(Role.COORDINATOR)).get("/inventory/scan").get_data(as_text=True)
    (example,) = re.findall(r"for example ([0-9A-Z]{4}-[0-9A-Z]{4})", page)
    assert normalise_code(example) == example.replace("-", "")
    assert 'href="/inventory/labels"' in page
