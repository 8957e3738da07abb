"""A logistics lead plans tomorrow in the browser: generates the day from the team's
week, gives a distribution its van and lead, sees a shortfall, loads a crate by typing
its code, records the run, and sees the stock and the day board change; a crate read
by the phone's camera goes on the van; and a coordinator shapes the team's week."""

import itertools
from datetime import time, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect

from app.clock import local_today
from app.extensions import db
from app.models import Role, User
from inventory import ledger
from inventory.models import Crate, CrateState, Item, Site, SiteKind, Unit
from inventory.services import get_stock_item
from logistics import services
from logistics.models import Team, WeekSlot
from tests.conftest import PASSWORD
from tests.e2e.conftest import (
    PHONE,
    follow_menu,
    numbers,
    packed_crates,
    phone_filming_label,
    sign_in,
)
from tests.logistics.factories import add_slot, add_team, add_vehicle

PHONE_HEIGHT = PHONE["viewport"]["height"]


@pytest.fixture
def calais(live_app: Flask) -> dict[str, Any]:
    """A team whose week has a lunch for 50 tomorrow, one meal each; the warehouse holds
    a crate of 30 meals: 20 short."""
    number = next(numbers)
    tomorrow = local_today() + timedelta(days=1)
    with live_app.app_context():
        warehouse = Site(name=f"Entrepôt plan {number}", kind=SiteKind.WAREHOUSE, city="Calais")
        place = Site(name=f"Verrotières {number}", kind=SiteKind.DISTRIBUTION_POINT, city="Calais")
        meals = Item(
            category="food",
            name_fr=f"Repas {number}",
            name_en=f"Hot meal {number}",
            unit=Unit.PIECE,
        )
        coordinator = User(
            email=f"planner{number}@relais.test", role=Role.COORDINATOR, display_name="Camille"
        )
        lead = User(
            email=f"lead{number}@relais.test", role=Role.VOLUNTEER, display_name=f"Lina {number}"
        )
        for user in (coordinator, lead):
            user.set_password(PASSWORD)
        db.session.add_all([warehouse, place, meals, coordinator, lead])
        db.session.flush()
        lead.sites = [warehouse]
        stock_item = get_stock_item(db.session, meals.id)
        team = add_team(db.session, f"Calais {number}", warehouse.id)
        add_slot(
            db.session,
            team,
            place.id,
            weekday=tomorrow.weekday(),
            expected_people=50,
            starts_at=time(12, 0),
            ends_at=time(13, 30),
            lines=[(stock_item.id, 1, 1)],
        )
        van = add_vehicle(
            db.session,
            coordinator,
            warehouse.id,
            name=f"Plan van {number}",
            plate=f"PV-{number:03d}-AA",
            odometer_km=1000,
        )
        (crate,) = packed_crates(db.session, coordinator, warehouse.id, meals.id, 30)
        names = {
            "email": coordinator.email,
            "team": team.name,
            "van": van.name,
            "lead": lead.display_name,
            "crate": crate.code,
            "display": crate.display_code,
            "warehouse_id": warehouse.id,
            "place": place.name,
            "meal": meals.name_en,
            "stock_item_id": stock_item.id,
        }
        db.session.commit()
        db.session.remove()
    return names


def warehouse_meals(live_app: Flask, world: dict[str, Any]) -> int:
    with live_app.app_context():
        found = ledger.balance_of(db.session, world["warehouse_id"], world["stock_item_id"])
        db.session.remove()
        return found


def crate_state(live_app: Flask, code: str) -> CrateState:
    with live_app.app_context():
        state = db.session.query(Crate).filter_by(code=code).one().state
        db.session.remove()
        return state


def test_plan_tomorrow_load_and_record(
    phone: Any, live_server: str, live_app: Flask, calais: dict[str, Any]
) -> None:
    page = phone()
    sign_in(page, live_server, calais["email"])
    follow_menu(page, "Distributions")
    page.get_by_role("link", name="Next day").click()
    page.get_by_role("button", name=f"Plan from the {calais['team']} week").click()
    page.get_by_text("1 distribution planned from the week template.").wait_for()

    page.get_by_role("link", name="12:00–13:30 · Lunch").click()
    page.get_by_role("link", name="Change the plan").click()
    page.get_by_label("Van").select_option(label=f"{calais['van']} (3 seats)")
    page.get_by_label("Lead", exact=True).select_option(label=calais["lead"])
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Distribution saved.").wait_for()
    assert page.locator("tr.short").get_by_text("20 short").is_visible()

    page.get_by_label("Crate code").fill(calais["display"].lower())
    page.get_by_role("button", name="Load the crate").click()
    # The page opens at the van's section, with the message there.
    loaded = page.get_by_role("status").get_by_text(f"Crate {calais['display']} is on the van.")
    expect(loaded).to_be_in_viewport()
    assert warehouse_meals(live_app, calais) == 0

    page.get_by_role("button", name="Set off").click()
    page.get_by_text("Lunch is on its way.").wait_for()
    page.get_by_role("link", name="Record the run").click()
    page.get_by_label("Adults").fill("27")
    page.get_by_label("Minors").fill("3")
    page.get_by_role("button", name="Record", exact=True).click()
    page.get_by_text("Run recorded: 30 people served.").wait_for()
    assert crate_state(live_app, calais["crate"]) == CrateState.DISTRIBUTED

    page.get_by_role("link", name="Day board").click()
    board = page.locator("#day-board")
    board.get_by_text("30 people served").wait_for()
    assert board.locator(".badge.status-done").first.is_visible()
    assert page.problems == []


def test_the_lead_loads_a_crate_with_the_camera(
    phone: Any, live_server: str, live_app: Flask, calais: dict[str, Any], tmp_path: Path
) -> None:
    with live_app.app_context():
        planner = db.session.query(User).filter_by(email=calais["email"]).one()
        (distribution,) = services.generate_day_plan(
            db.session,
            actor=planner,
            team_id=db.session.query(Team).filter_by(name=calais["team"]).one().id,
            day=local_today() + timedelta(days=1),
        )
        distribution_id = distribution.id
        db.session.commit()
        db.session.remove()
    page = phone_filming_label(phone, live_server, calais["email"], calais["crate"], tmp_path)
    page.goto(f"{live_server}/logistics/distributions/{distribution_id}")
    page.get_by_role("button", name="Use the camera").click()
    page.get_by_text(f"Crate {calais['display']} is on the van.").wait_for(timeout=20_000)
    assert warehouse_meals(live_app, calais) == 0
    assert page.problems == []


def test_a_coordinator_shapes_the_team_week(
    phone: Any, live_server: str, live_app: Flask, calais: dict[str, Any]
) -> None:
    """Add a soup run to Tuesday with its pick list (one meal per person), then copy it
    to Wednesday and Thursday."""
    page = phone()
    sign_in(page, live_server, calais["email"])
    page.goto(f"{live_server}/logistics/teams")
    page.get_by_role("link", name=calais["team"]).first.click()
    page.get_by_role("link", name="Add a distribution to the week").click()
    page.get_by_label("Day").select_option(label="Tuesday")
    page.get_by_label("Name").fill("Soup run")
    page.get_by_label("Place").select_option(label=calais["place"])
    page.get_by_label("Starts at").fill("19:00")
    page.get_by_label("Ends at").fill("20:30")
    page.get_by_label("People expected").fill("80")
    page.get_by_label("Team size (with the lead)").fill("3")
    page.get_by_role("button", name="Save", exact=True).click()

    page.locator("select[name=item_id]").select_option(label=calais["meal"])
    page.get_by_label("Quantity (0 takes it off the list)").last.fill("1")
    page.get_by_label("Per how many people").last.fill("1")
    page.get_by_role("button", name="Save the line").last.click()
    page.get_by_text("1 per person").wait_for()
    assert page.get_by_text("(80 in all)").is_visible()

    page.get_by_role("checkbox", name="Wednesday").check()
    page.get_by_role("checkbox", name="Thursday").check()
    page.get_by_role("button", name="Copy", exact=True).click()
    page.wait_for_url("**/week**")
    assert page.get_by_text("19:00–20:30 · Soup run").count() == 3
    with live_app.app_context():
        slots = db.session.query(WeekSlot).filter_by(label="Soup run").all()
        assert sorted(slot.weekday for slot in slots) == [1, 2, 3]
        assert all(
            [(line.quantity, line.per_people) for line in slot.lines] == [(1, 1)] for slot in slots
        )
        db.session.remove()
    assert page.problems == []


def plan_tomorrow(live_app: Flask, world: dict[str, Any]) -> str:
    """Tomorrow planned from the team's week, as its coordinator would; its day."""
    tomorrow = local_today() + timedelta(days=1)
    with live_app.app_context():
        team = db.session.query(Team).filter_by(name=world["team"]).one()
        planner = db.session.query(User).filter_by(email=world["email"]).one()
        services.generate_day_plan(db.session, actor=planner, team_id=team.id, day=tomorrow)
        db.session.commit()
        db.session.remove()
    return tomorrow.isoformat()


def test_the_day_board_opens_on_its_distributions_on_a_phone(
    phone: Any, live_server: str, live_app: Flask, calais: dict[str, Any]
) -> None:
    day = plan_tomorrow(live_app, calais)
    page = phone()
    sign_in(page, live_server, calais["email"])
    page.goto(f"{live_server}/logistics/day/{day}")
    first = page.locator("li.distribution").first.bounding_box()
    assert first["y"] + 40 < PHONE_HEIGHT, "the first distribution shows on the first screen"
    assert page.locator(".day-tools").bounding_box()["y"] > first["y"]
    assert not page.get_by_role("button", name=f"Plan from the {calais['team']} week").is_visible()
    page.get_by_text("Team, planning and other pages").click()
    assert page.get_by_role("button", name=f"Plan from the {calais['team']} week").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.problems == []


def test_the_week_is_seven_columns_wide_and_folded_days_on_a_phone(
    launch: Any, phone: Any, live_server: str, calais: dict[str, Any]
) -> None:
    """The lunch is on tomorrow's weekday: shown in its column on a wide screen, folded
    away on a phone until its day is opened."""
    wide = launch().new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    page = wide.new_page()
    sign_in(page, live_server, calais["email"])
    page.goto(f"{live_server}/logistics/teams")
    page.get_by_role("link", name=calais["team"]).first.click()
    days = [page.locator(".week-day").nth(index).bounding_box() for index in range(7)]
    assert len({round(day["y"]) for day in days}) == 1, "the seven days side by side"
    lefts = [day["x"] for day in days]
    assert lefts == sorted(lefts) and days[-1]["x"] + days[-1]["width"] <= 1280
    lunch = page.get_by_text("12:00–13:30 · Lunch")
    assert lunch.is_visible()
    assert page.evaluate("document.documentElement.scrollHeight") < 2000

    small = phone()
    sign_in(small, live_server, calais["email"])
    small.goto(page.url)
    boxes = [small.locator(".week-day").nth(index).bounding_box() for index in range(7)]
    assert all(a["y"] < b["y"] for a, b in itertools.pairwise(boxes)), "one day under another"
    lunch = small.get_by_text("12:00–13:30 · Lunch")
    assert not lunch.is_visible()
    tomorrow = (local_today() + timedelta(days=1)).strftime("%A")
    small.locator(".week-day summary", has_text=tomorrow).click()
    assert lunch.is_visible()
    assert small.problems == []


def test_time_labels_of_a_chart_never_overlap_as_drawn(
    phone: Any, live_server: str, calais: dict[str, Any]
) -> None:
    """A year of weeks on a phone: the labels the browser draws under the bars keep
    apart."""
    page = phone()
    sign_in(page, live_server, calais["email"])
    page.goto(f"{live_server}/logistics/reports?from=2025-01-01&to=2025-12-31")
    rows = page.evaluate(
        """() => [...document.querySelectorAll('figure.chart:not(.horizontal) svg')].map(svg => {
             const frame = svg.getBoundingClientRect();
             const texts = [...svg.querySelectorAll('text[text-anchor=middle]')];
             return {frame: [frame.left, frame.right],
                     labels: texts.map(text => { const box = text.getBoundingClientRect();
                                                 return [box.left, box.right]; })};
           })"""
    )
    assert rows and all(len(row["labels"]) >= 4 for row in rows)
    for row in rows:
        labels = sorted(row["labels"])
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(labels)), labels
        assert row["frame"][0] <= labels[0][0] and labels[-1][1] <= row["frame"][1], row
