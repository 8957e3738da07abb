"""The printed pick list of a van: its distributions of the day shelf by shelf, with the
crates to take (soonest expiry first), what is on the van already and what is short."""

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any

import pypdfium2
import pytest
from babel.dates import format_date
from flask import Flask
from flask.testing import FlaskClient

from app.clock import local_today
from app.models import Role, User
from app.pdf_text import ONE_PDF_AT_A_TIME
from inventory.models import Crate, Item, Site, SiteKind, StockItem
from inventory.services import (
    LineInput,
    dispatch_crate,
    get_stock_item,
    move_crate_within_site,
)
from logistics import pick_list, services
from logistics.crate_picking import candidates, crates_to_take
from logistics.models import Distribution, Vehicle
from tests.app.test_translations import compile_if_stale
from tests.logistics.conftest import PlanWorld


def pdf_text(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF-")
    return "\n".join(page.get_textpage().get_text_range() for page in pypdfium2.PdfDocument(pdf))


def fetch_pdf(client: FlaskClient, url: str, **headers: str) -> str:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/pdf"
    return pdf_text(response.data)


@dataclass
class Morning:
    """The plan world's van does lunch (80 meals, 60 litres of water with 40 in stock,
    10 soaps) and an evening run (30 meals); one meal crate is already on the van for
    lunch. Meal crates wait in the warehouse with various expiry dates; one soonest to
    expire waits at another site, and another is on its way there."""

    day: date
    lunch: Distribution
    evening: Distribution
    on_the_van: Crate
    in_3_days: Crate
    in_10_days: Crate
    in_20_days: Crate
    never: Crate
    elsewhere: Crate
    sent_away: Crate
    soap_crate: Crate
    soap: StockItem


@pytest.fixture
def morning(
    db_session: Any,
    admin: User,
    plan_world: PlanWorld,
    make_distribution: Callable[..., Distribution],
    make_crate: Callable[..., Crate],
    make_item: Callable[..., Item],
    make_site: Callable[..., Site],
) -> Morning:
    world = plan_world
    day = local_today()

    def meal_crate(expires_in: int | None, site: Site = world.warehouse) -> Crate:
        expiry = day + timedelta(days=expires_in) if expires_in is not None else None
        return make_crate(
            site=site,
            lines=[LineInput(item_id=world.meals.item_id, quantity=30)],
            expiry_date=expiry,
        )

    soap = get_stock_item(db_session, make_item(category="hygiene").id)
    elsewhere = make_site(kind=SiteKind.WAREHOUSE)
    crates = {
        "on_the_van": meal_crate(1),
        "in_10_days": meal_crate(10),
        "never": meal_crate(None),
        "in_3_days": meal_crate(3),
        "in_20_days": meal_crate(20),
        "elsewhere": meal_crate(1, elsewhere),
        "sent_away": meal_crate(2),
        "soap_crate": make_crate(
            site=world.warehouse, lines=[LineInput(item_id=soap.item_id, quantity=12)]
        ),
    }
    lunch = make_distribution([(world.meals, 80), (world.water, 60), (soap, 10)])
    evening = make_distribution(
        [(world.meals, 30)], label="Evening", starts_at=time(18, 0), ends_at=time(19, 30)
    )
    services.load_crate(
        db_session, actor=world.lead, distribution_id=lunch.id, code=crates["on_the_van"].code
    )
    dispatch_crate(
        db_session, actor=admin, crate=crates["sent_away"], destination_site_id=elsewhere.id
    )
    db_session.commit()
    return Morning(day=day, lunch=lunch, evening=evening, soap=soap, **crates)


def van_url(morning: Morning, vehicle: Vehicle | None, **query: Any) -> str:
    van = vehicle.id if vehicle else "none"
    extra = "".join(f"&{key}={value}" for key, value in query.items())
    return f"/logistics/day/{morning.day.isoformat()}/pick-list.pdf?vehicle={van}{extra}"


def test_crates_cover_what_is_left_to_load_soonest_expiry_first(
    db_session: Any, plan_world: PlanWorld, morning: Morning
) -> None:
    meals = plan_world.meals.id
    chosen = crates_to_take(db_session, plan_world.warehouse.id, {meals: 50})
    assert chosen == {meals: [morning.in_3_days, morning.in_10_days]}
    chosen = crates_to_take(db_session, plan_world.warehouse.id, {meals: 200})
    assert chosen[meals] == [
        morning.in_3_days,
        morning.in_10_days,
        morning.in_20_days,
        morning.never,
    ]
    chosen = crates_to_take(
        db_session, plan_world.warehouse.id, {meals: 31}, passing_over={morning.in_3_days.id}
    )
    assert chosen == {meals: [morning.in_10_days, morning.in_20_days]}
    assert crates_to_take(db_session, plan_world.warehouse.id, {meals: 0}) == {}
    # Only the crates needed are read, not the whole warehouse.
    query = candidates(plan_world.warehouse.id, {meals: 60}, ())
    assert db_session.scalars(query).unique().all() == [morning.in_3_days, morning.in_10_days]


def test_a_crate_of_several_needed_items_counts_for_each(
    db_session: Any,
    plan_world: PlanWorld,
    morning: Morning,
    make_crate: Callable[..., Crate],
) -> None:
    world = plan_world
    mixed = make_crate(
        site=world.warehouse,
        lines=[
            LineInput(item_id=world.meals.item_id, quantity=10),
            LineInput(item_id=morning.soap.item_id, quantity=4),
        ],
        expiry_date=morning.day,
    )
    chosen = crates_to_take(
        db_session, world.warehouse.id, {world.meals.id: 10, morning.soap.id: 10}
    )
    assert chosen == {world.meals.id: [mixed], morning.soap.id: [mixed, morning.soap_crate]}


def test_a_long_list_flows_over_pages_with_its_headings(
    db_session: Any,
    coordinator: FlaskClient,
    plan_world: PlanWorld,
    make_item: Callable[..., Item],
    make_distribution: Callable[..., Distribution],
) -> None:
    items = [get_stock_item(db_session, make_item(category="other").id) for _ in range(55)]
    distribution = make_distribution([(item, 5) for item in items])
    response = coordinator.get(f"/logistics/distributions/{distribution.id}/pick-list.pdf")
    pages = [page.get_textpage().get_text_range() for page in pypdfium2.PdfDocument(response.data)]
    assert len(pages) > 1
    assert all(
        "Crates to take" in page and f"Page {number}" in page
        for number, page in enumerate(pages, 1)
    )
    text = "\n".join(pages)
    assert all(f"{item.label('en')} 5 0 5" in text for item in items)
    assert text.count("short by 5") == 55


def section(text: str, label: str) -> str:
    """The part of the pick list about one distribution: from the line with its times to
    the next such line."""
    parts = re.split(r"(?=\d\d:\d\d–\d\d:\d\d · )", text)
    (found,) = [part for part in parts if f" · {label} · " in part.split("\n", 1)[0]]
    return found


def test_the_van_pick_list_shows_its_distributions_shelf_by_shelf(
    db_session: Any,
    coordinator: FlaskClient,
    plan_world: PlanWorld,
    morning: Morning,
    make_distribution: Callable[..., Distribution],
    make_vehicle: Callable[..., Vehicle],
) -> None:
    world = plan_world
    other_van = make_vehicle(home_site_id=world.warehouse.id)
    make_distribution(
        label="Late run", vehicle_id=other_van.id, starts_at=time(20, 0), ends_at=time(21, 0)
    )
    called_off = make_distribution(label="Called off", starts_at=time(9, 0), ends_at=time(10, 0))
    services.cancel_distribution(db_session, actor=world.lead, distribution_id=called_off.id)
    db_session.commit()

    text = fetch_pdf(coordinator, van_url(morning, world.van))

    meals, water, soap = (item.label("en") for item in (world.meals, world.water, morning.soap))
    assert f"{world.van.name} ({world.van.plate})" in text
    assert "Late run" not in text and "Called off" not in text
    assert text.index("12:00–13:30 · Lunch") < text.index("18:00–19:30 · Evening")
    lunch, evening = section(text, "Lunch"), section(text, "Evening")
    assert f"Lead: {world.lead.name} · Team of 3 · Leaving from {world.warehouse.name}" in lunch
    assert lunch.index("Hygiene") < lunch.index(soap) < lunch.index("Food and drink")
    assert lunch.index("Food and drink") < lunch.index(meals)
    # 30 meals are on the van; the 50 left come from the two crates expiring soonest.
    codes = f"{morning.in_3_days.display_code}, {morning.in_10_days.display_code}"
    assert f"{meals} 80 30 50 {codes}" in lunch
    assert f"{soap} 10 0 10 {morning.soap_crate.display_code}" in lunch
    assert f"{water} 60 0 60" in lunch and "short by 20" in lunch and "loose: 40" in lunch
    # The evening run gets the next crate; the lunch run's are not offered twice.
    assert f"{meals} 30 0 30 {morning.in_20_days.display_code}" in evening
    for crate in (morning.on_the_van, morning.elsewhere, morning.sent_away, morning.never):
        assert crate.display_code not in text


def test_each_crate_to_take_shows_its_place_until_it_is_on_the_van(
    db_session: Any,
    admin: User,
    coordinator: FlaskClient,
    plan_world: PlanWorld,
    morning: Morning,
) -> None:
    move_crate_within_site(db_session, actor=admin, crate=morning.in_3_days, place="Shelf B3")
    move_crate_within_site(db_session, actor=admin, crate=morning.in_20_days, place="Container 2")
    db_session.commit()
    text = " ".join(fetch_pdf(coordinator, van_url(morning, plan_world.van)).split())
    soon, later = morning.in_3_days.display_code, morning.in_10_days.display_code
    assert f"{soon} (Shelf B3), {later}" in text
    assert f"{morning.in_20_days.display_code} (Container 2)" in text
    services.load_crate(
        db_session,
        actor=plan_world.lead,
        distribution_id=morning.lunch.id,
        code=morning.in_3_days.code,
    )
    assert morning.in_3_days.place is None


def test_crates_an_earlier_van_takes_are_not_offered_again(
    coordinator: FlaskClient,
    plan_world: PlanWorld,
    morning: Morning,
    make_distribution: Callable[..., Distribution],
    make_vehicle: Callable[..., Vehicle],
) -> None:
    other_van = make_vehicle(home_site_id=plan_world.warehouse.id)
    make_distribution(
        [(plan_world.meals, 30)],
        label="Breakfast",
        vehicle_id=other_van.id,
        starts_at=time(8, 0),
        ends_at=time(9, 0),
    )
    breakfast = fetch_pdf(coordinator, van_url(morning, other_van))
    assert morning.in_3_days.display_code in breakfast
    lunch = section(fetch_pdf(coordinator, van_url(morning, plan_world.van)), "Lunch")
    assert morning.in_3_days.display_code not in lunch
    codes = f"{morning.in_10_days.display_code}, {morning.in_20_days.display_code}"
    assert codes in lunch


def test_distributions_without_a_van_have_their_own_list(
    coordinator: FlaskClient,
    plan_world: PlanWorld,
    morning: Morning,
    make_distribution: Callable[..., Distribution],
) -> None:
    make_distribution(label="On foot", vehicle_id=None, starts_at=time(15, 0), ends_at=time(16, 0))
    response = coordinator.get(van_url(morning, None))
    assert response.headers["Content-Disposition"] == (
        f'inline; filename="pick-list-{morning.day.isoformat()}-without-van.pdf"'
    )
    text = pdf_text(response.data)
    assert "Without a van" in text and "On foot" in text
    assert "Lunch" not in text and "Evening" not in text


def test_one_distribution_has_its_own_list(
    coordinator: FlaskClient, plan_world: PlanWorld, morning: Morning
) -> None:
    response = coordinator.get(f"/logistics/distributions/{morning.evening.id}/pick-list.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        f'inline; filename="pick-list-{morning.day.isoformat()}-evening.pdf"'
    )
    text = pdf_text(response.data)
    assert "Evening" in text and "Lunch" not in text
    # Still checked after the lunch run: it gets the crate lunch leaves.
    assert morning.in_20_days.display_code in text
    assert morning.in_3_days.display_code not in text


def test_the_pick_list_is_in_the_users_language(
    app: Flask,
    login: Callable[[User], FlaskClient],
    make_user: Callable[..., User],
    plan_world: PlanWorld,
    morning: Morning,
) -> None:
    for language in ("fr", "en"):
        compile_if_stale(language)
    translations = app.extensions["babel"].instance.domain_instance.cache
    translations.clear()
    try:
        french = login(make_user(Role.COORDINATOR, locale="fr"))
        text = fetch_pdf(french, van_url(morning, plan_world.van))
    finally:
        translations.clear()
    assert format_date(morning.day, "full", locale="fr") in text
    assert "Alimentation et boissons" in text and "Food and drink" not in text
    assert plan_world.meals.label("fr") in text
    assert plan_world.meals.label("en") not in text


@pytest.mark.parametrize(
    "url",
    [
        "/logistics/day/2026-13-45/pick-list.pdf?vehicle=none",
        "/logistics/day/tomorrow/pick-list.pdf?vehicle=none",
        "/logistics/day/2026-12-05/pick-list.pdf",
        "/logistics/day/2026-12-05/pick-list.pdf?vehicle=van",
        "/logistics/day/2026-12-05/pick-list.pdf?vehicle=99999999999",
        "/logistics/day/2026-12-05/pick-list.pdf?vehicle=2147483647",
        "/logistics/distributions/2147483647/pick-list.pdf",
    ],
)
def test_what_names_nothing_is_not_found(coordinator: FlaskClient, url: str) -> None:
    response = coordinator.get(url)
    assert response.status_code == 404
    assert response.mimetype == "text/html"


def test_treasurers_do_not_see_pick_lists(
    client_as: Callable[[Role], FlaskClient], plan_world: PlanWorld, morning: Morning
) -> None:
    treasurer = client_as(Role.TREASURER)
    assert treasurer.get(van_url(morning, plan_world.van)).status_code == 403
    url = f"/logistics/distributions/{morning.lunch.id}/pick-list.pdf"
    assert treasurer.get(url).status_code == 403


def test_a_pick_list_waits_while_another_pdf_is_being_built(app: Flask) -> None:
    """ReportLab is not thread-safe: under a threaded server PDFs are built one at a time."""

    def build() -> bytes:
        with app.test_request_context():
            return pick_list.render("Lundi", [], "en", "Nothing to take.")

    with ThreadPoolExecutor(max_workers=1) as pool:
        with ONE_PDF_AT_A_TIME:
            sheet = pool.submit(build)
            with pytest.raises(TimeoutError):
                sheet.result(timeout=0.3)
        assert "Nothing to take." in pdf_text(sheet.result(timeout=30))
