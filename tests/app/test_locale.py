"""The reader's language picks the words (French or English), and the region their
browser asks for picks how dates, times and numbers read: a British volunteer reads
06/12/2026 and 07:24, an American 12/6/26 and 7:24 AM."""

import html
import re
from collections import Counter, deque
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import format_datetime, get_locale, gettext
from sqlalchemy import select

from app.i18n import current_locale, select_locale
from app.models import Role, User
from app.money import euros
from donations.models import Donation, Frequency, Fund, Gateway
from inventory.models import Crate, CrateEvent, Site
from logistics import services as logistics
from tests.conftest import Demo
from tests.logistics.factories import add_vehicle

# 07:24 in Paris on 6 December 2026: a date whose day and month read both ways.
MOMENT = datetime(2026, 12, 6, 6, 24, tzinfo=UTC)
BRITISH = {"Accept-Language": "en-GB,en;q=0.9"}
AMERICAN = {"Accept-Language": "en-US,en;q=0.9"}


@pytest.mark.parametrize(
    ("accept_language", "locale"),
    [
        ("en-GB,en;q=0.8", "en_GB"),
        ("en-gb", "en_GB"),
        ("en-US,en;q=0.8", "en_US"),
        ("en", "en_GB"),
        ("de-DE,en;q=0.5", "en_GB"),
        ("en,en-US;q=0.9", "en_US"),
        ("fr", "fr_FR"),
        ("fr-BE,fr;q=0.9,en;q=0.5", "fr_BE"),
        ("en-ZZ,en;q=0.5", "en_GB"),
        ("", "en_GB"),  # the tests' default language is English
    ],
)
def test_formats_follow_the_region_the_browser_asks_for(
    app: Flask, accept_language: str, locale: str
) -> None:
    with app.test_request_context(headers={"Accept-Language": accept_language}):
        assert select_locale() == locale
        assert current_locale() == locale.split("_")[0]


def test_a_chosen_language_keeps_the_browsers_region_in_that_language(app: Flask) -> None:
    headers = {"Accept-Language": "en-US,en;q=0.8"}
    with app.test_request_context(headers=headers) as context:
        context.session["lang"] = "fr"
        assert select_locale() == "fr_FR"
        context.session["lang"] = "en"
        assert select_locale() == "en_US"


@pytest.mark.parametrize("accept_language", ["fr-FR", "fr-BE", "fr"])
def test_a_regional_locale_is_translated_with_its_languages_catalogue(
    app: Flask, accept_language: str
) -> None:
    """The catalogues are per language (fr, en): gettext looks up "fr_BE", then "fr"."""
    with app.test_request_context(headers={"Accept-Language": accept_language}):
        assert str(get_locale()).startswith("fr_")
        assert gettext("Sign in") == "Se connecter"


@pytest.mark.parametrize(
    ("accept_language", "expected"),
    [
        ("en-GB", "06/12/2026, 07:24"),
        ("en-US", "12/6/26, 7:24\u202fAM"),
        ("fr", "06/12/2026 07:24"),
    ],
)
def test_a_time_reads_as_in_the_readers_region(
    app: Flask, accept_language: str, expected: str
) -> None:
    with app.test_request_context(headers={"Accept-Language": accept_language}):
        assert format_datetime(MOMENT, "short") == expected


def test_the_page_language_stays_the_language_alone(client: FlaskClient) -> None:
    page = client.get("/login", headers={"Accept-Language": "en-GB"}).get_data(as_text=True)
    assert '<html lang="en">' in page and "Sign in" in page


def test_a_crates_history_reads_in_the_readers_region(
    login: Callable[[User], FlaskClient],
    make_user: Callable[..., User],
    make_site: Callable[..., Site],
    make_crate: Callable[..., Crate],
    db_session: Any,
) -> None:
    site = make_site()
    crate = make_crate(site=site)
    for event in db_session.scalars(select(CrateEvent).where(CrateEvent.crate_id == crate.id)):
        event.at = MOMENT
    db_session.commit()
    browser = login(make_user(Role.VOLUNTEER, sites=[site]))
    url = f"/inventory/crates/{crate.code}"
    assert "06/12/2026, 07:24" in browser.get(url, headers=BRITISH).get_data(as_text=True)
    assert "12/6/26, 7:24\u202fAM" in browser.get(url, headers=AMERICAN).get_data(as_text=True)


def test_the_fuel_log_reads_in_the_readers_region(
    login: Callable[[User], FlaskClient],
    make_user: Callable[..., User],
    make_site: Callable[..., Site],
    admin: User,
    db_session: Any,
) -> None:
    van = add_vehicle(db_session, admin, make_site().id, odometer_km=10_000)
    fill_up = logistics.FillUpInput(
        filled_on=date(2026, 12, 6), odometer_km=10_400, litres=Decimal(40), cost_cents=7000
    )
    logistics.record_fill_up(db_session, actor=admin, vehicle_id=van.id, data=fill_up)
    db_session.commit()
    treasurer = login(make_user(Role.TREASURER))
    assert "06/12/2026" in treasurer.get("/logistics/fuel", headers=BRITISH).get_data(True)
    assert "12/6/26" in treasurer.get("/logistics/fuel", headers=AMERICAN).get_data(True)


def test_the_donations_list_reads_in_the_readers_region(
    login: Callable[[User], FlaskClient], make_user: Callable[..., User], db_session: Any
) -> None:
    general = db_session.scalars(select(Fund).where(Fund.code == "general")).one()
    db_session.add(
        Donation(
            fund=general,
            frequency=Frequency.ONCE,
            amount_cents=5000,
            gateway=Gateway.DEMO,
            contact_name="Marc Leroy",
            created_at=MOMENT,
        )
    )
    db_session.commit()
    treasurer = login(make_user(Role.TREASURER))
    assert "6 Dec 2026" in treasurer.get("/donations/manage", headers=BRITISH).get_data(True)
    assert "Dec 6, 2026" in treasurer.get("/donations/manage", headers=AMERICAN).get_data(True)


# --- every page a British reader opens ------------------------------------------------

US_FORM = re.compile(
    r"\b\d{1,2}/\d{1,2}/\d{2}\b"  # 12/6/26
    r"|\b\d{1,2}:\d{2}\s?[AP]M\b"  # 7:24 AM
    # Dec 6, 2026
    r"|\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d{1,2}, \d{4}\b"
)
LINK = re.compile(r'href="(/[^"#]*)"')
NOT_A_PAGE = re.compile(r"\.(?:pdf|csv|png|svg|json|js|css|webmanifest)$|^/(?:static|api)/")
PAGES_PER_ROLE = 60
VARIANTS_PER_PATH = 2  # a list's next page or filter, not all of them


def pages_reachable(client: FlaskClient) -> dict[str, str]:
    """The HTML of the pages reachable by links from the home page, nearest first."""
    pages: dict[str, str] = {}
    queue, seen, per_path = deque(["/"]), {"/"}, Counter[str]()
    while queue and len(pages) < PAGES_PER_ROLE:
        url = queue.popleft()
        response = client.get(url, headers=BRITISH)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        pages[url] = response.get_data(as_text=True)
        for link in LINK.findall(pages[url]):
            link = html.unescape(link)
            path = link.split("?")[0]
            if link in seen or NOT_A_PAGE.search(path) or per_path[path] >= VARIANTS_PER_PATH:
                continue
            seen.add(link)
            per_path[path] += 1
            queue.append(link)
    return pages


def test_no_page_shows_a_us_form_date_to_a_british_reader(
    demo: Demo, demo_login: Callable[[Role], FlaskClient]
) -> None:
    readers = [("public", demo.app.test_client())] + [
        (role.value, demo_login(role)) for role in Role
    ]
    found = []
    for role, client in readers:
        pages = pages_reachable(client)
        assert len(pages) > 5, f"The {role} crawl found only {sorted(pages)}"
        found += [
            f"{role} {url}: {match.group(0)!r}"
            for url, page in pages.items()
            for match in US_FORM.finditer(page)
        ]
    assert not found, "US-form dates or times in en-GB:\n" + "\n".join(found)


@pytest.mark.parametrize(
    ("accept_language", "expected"),
    [("fr", "1\u202f451,59\u00a0€"), ("en-GB", "€1,451.59"), ("en-US", "€1,451.59")],
)
def test_money_reads_as_in_the_readers_language(
    app: Flask, accept_language: str, expected: str
) -> None:
    with app.test_request_context(headers={"Accept-Language": accept_language}):
        assert euros(145159) == expected
