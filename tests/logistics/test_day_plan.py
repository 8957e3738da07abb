"""The day plan: made from the week template (once, however often asked), edited, and
checked against stock, vans, leads and team sizes."""

from collections.abc import Callable
from datetime import date, time, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from app.clock import local_today
from app.errors import InvalidInput
from app.models import Role, User
from inventory.models import Crate, NeedLine, Priority
from inventory.services import LineInput, set_need
from logistics import planning, services
from logistics.models import Distribution, DistributionStatus, VehicleStatus
from tests.logistics.conftest import PlanWorld
from tests.logistics.factories import add_slot, distribution_input

TODAY = date(2026, 12, 7)  # a Monday


def board_of(db_session: Any, world: PlanWorld, day: date) -> planning.DayBoard:
    return planning.day_board(db_session, day, world.team.id)


def test_generating_a_day_makes_each_slot_once(
    db_session: Any, admin: User, plan_world: PlanWorld
) -> None:
    world = plan_world
    add_slot(
        db_session,
        world.team,
        world.place.id,
        weekday=1,
        expected_people=90,
        lines=[(world.meals.id, 1, 1), (world.water.id, 1, 40)],
    )
    add_slot(
        db_session,
        world.team,
        world.place.id,
        weekday=1,
        label="Evening",
        starts_at=time(18, 30),
        ends_at=time(20, 0),
    )
    add_slot(db_session, world.team, world.place.id, weekday=2)
    tuesday = TODAY + timedelta(days=1)
    made = services.generate_day_plan(
        db_session, actor=admin, team_id=world.team.id, day=tuesday, today=TODAY
    )
    again = services.generate_day_plan(
        db_session, actor=admin, team_id=world.team.id, day=tuesday, today=TODAY
    )
    assert [distribution.label for distribution in made] == ["Lunch", "Evening"]
    assert again == []
    lunch = made[0]
    assert {line.stock_item_id: line.quantity for line in lunch.lines} == {
        world.meals.id: 90,
        world.water.id: 3,  # 1 per 40 people, rounded up
    }
    assert lunch.departure_site_id == world.warehouse.id


@pytest.mark.parametrize(
    ("day", "message"),
    [(TODAY - timedelta(days=1), "This day is over"), (TODAY + timedelta(days=61), "at most 60")],
)
def test_days_past_or_far_ahead_are_refused(
    db_session: Any, admin: User, plan_world: PlanWorld, day: date, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        services.generate_day_plan(
            db_session, actor=admin, team_id=plan_world.team.id, day=day, today=TODAY
        )


def test_stock_is_shared_out_in_start_order(
    db_session: Any, plan_world: PlanWorld, make_distribution: Callable[..., Distribution]
) -> None:
    world = plan_world
    evening = make_distribution(
        label="Evening", starts_at=time(18, 30), ends_at=time(20, 0), vehicle_id=None
    )
    lunch = make_distribution()
    board = board_of(db_session, world, lunch.day)
    by_label = {check.distribution.label: check for check in board.checks}
    assert by_label["Lunch"].shortfalls == []
    (short,) = by_label["Evening"].shortfalls
    assert (short.planned, short.available, short.short) == (80, 40, 40)
    assert evening.id == by_label["Evening"].distribution.id


def test_a_shortfall_shows_the_need_list_line(
    db_session: Any,
    admin: User,
    plan_world: PlanWorld,
    make_distribution: Callable[..., Distribution],
) -> None:
    world = plan_world
    make_distribution(lines=[(world.water, 60)])
    set_need(
        db_session,
        actor=admin,
        site_id=world.warehouse.id,
        item_id=world.water.item_id,
        target_quantity=500,
        priority=Priority.URGENT,
    )
    (check,) = board_of(db_session, world, local_today()).checks
    (short,) = check.shortfalls
    assert short.short == 20
    assert isinstance(short.need, NeedLine) and short.need.target_quantity == 500


def test_loaded_stock_is_no_longer_short(
    db_session: Any, plan_world: PlanWorld, make_distribution: Callable[..., Distribution]
) -> None:
    world = plan_world
    distribution = make_distribution(lines=[(world.water, 40)])
    services.load_loose(
        db_session,
        actor=world.lead,
        distribution_id=distribution.id,
        stock_item_id=world.water.id,
        quantity=40,
    )
    (check,) = board_of(db_session, world, distribution.day).checks
    (line,) = check.lines
    assert (line.loaded, line.to_load, line.short) == (40, 0, 0)


def test_van_lead_and_team_problems(
    db_session: Any,
    admin: User,
    plan_world: PlanWorld,
    make_distribution: Callable[..., Distribution],
    make_vehicle: Callable[..., Any],
) -> None:
    world = plan_world
    make_distribution(team_size=5)
    make_distribution(label="Second", starts_at=time(13, 0), ends_at=time(14, 0))
    broken = make_vehicle(status=VehicleStatus.MAINTENANCE)
    make_distribution(
        label="Third",
        starts_at=time(16, 0),
        ends_at=time(17, 0),
        vehicle_id=broken.id,
        lead_id=None,
    )
    checks = {
        check.distribution.label: check
        for check in board_of(db_session, world, local_today()).checks
    }
    lunch = " ".join(checks["Lunch"].problems)
    assert "seats 3, the team is 5" in lunch
    assert "also at Second" in lunch
    assert "also leads Second" in lunch
    third = " ".join(checks["Third"].problems)
    assert "in maintenance" in third and "No lead yet." in third


def test_a_cancelled_distribution_frees_its_van_and_stock(
    db_session: Any,
    admin: User,
    plan_world: PlanWorld,
    make_distribution: Callable[..., Distribution],
) -> None:
    world = plan_world
    first = make_distribution()
    make_distribution(label="Second", starts_at=time(13, 0), ends_at=time(14, 0))
    services.cancel_distribution(db_session, actor=admin, distribution_id=first.id)
    checks = {
        check.distribution.label: check for check in board_of(db_session, world, first.day).checks
    }
    assert checks["Second"].is_fine
    assert checks["Lunch"].distribution.status == DistributionStatus.CANCELLED


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"label": " "}, "Name the distribution"),
        ({"ends_at": time(11, 0)}, "end after it starts"),
        ({"expected_people": -1}, "from 0 to 5,000"),
        ({"team_size": 0}, "from 1 to 99"),
        ({"place_site_id": 999_999}, "no site number"),
        ({"vehicle_id": 999_999}, "no vehicle number"),
        ({"lead_id": 999_999}, "no volunteer number"),
    ],
)
def test_a_bad_plan_is_refused(
    db_session: Any, admin: User, plan_world: PlanWorld, overrides: dict[str, Any], message: str
) -> None:
    place_site_id = overrides.pop("place_site_id", plan_world.place.id)
    data = distribution_input(place_site_id, **overrides)
    with pytest.raises(Exception, match=message):
        services.plan_distribution(
            db_session, actor=admin, team_id=plan_world.team.id, day=TODAY, data=data, today=TODAY
        )


def test_a_treasurer_cannot_lead(
    db_session: Any, admin: User, plan_world: PlanWorld, make_user: Callable[..., User]
) -> None:
    treasurer = make_user(Role.TREASURER)
    with pytest.raises(Exception, match="no volunteer number"):
        services.plan_distribution(
            db_session,
            actor=admin,
            team_id=plan_world.team.id,
            day=TODAY,
            today=TODAY,
            data=distribution_input(plan_world.place.id, lead_id=treasurer.id),
        )


# --- pages ------------------------------------------------------------------------------


def test_the_day_board_shows_distributions_and_shortfalls(
    coordinator: FlaskClient, plan_world: PlanWorld, make_distribution: Callable[..., Distribution]
) -> None:
    make_distribution(lines=[(plan_world.water, 55)], label="Soup run")
    day = local_today().isoformat()
    page = coordinator.get(f"/logistics/day/{day}").get_data(as_text=True)
    assert "Soup run" in page and "15 short" in page
    fragment = coordinator.get(f"/logistics/day/{day}", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.get_data(as_text=True)
    assert 'hx-trigger="every 20s"' in fragment.get_data(as_text=True)


def test_a_bad_day_is_not_found(coordinator: FlaskClient) -> None:
    assert coordinator.get("/logistics/day/2026-13-40").status_code == 404


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1999-12-31", "3000-01-01"])
def test_a_day_far_out_of_range_is_not_found(coordinator: FlaskClient, day: str) -> None:
    """The first and last days a date can hold have no day before or after them."""
    for url, headers in [
        (f"/logistics/day/{day}", {}),
        (f"/logistics/day/{day}", {"HX-Request": "true"}),
        (f"/logistics/day/{day}/new", {}),
        (f"/logistics/day/{day}/pick-list.pdf", {}),
    ]:
        response = coordinator.get(url, headers=headers)
        assert response.status_code == 404, url
        assert "Choose a day from 2000 to 2999." in response.get_data(as_text=True), url
    generated = coordinator.post(f"/logistics/day/{day}/generate", data={"team_id": "1"})
    assert generated.status_code == 404


def test_today_redirects_to_the_board(coordinator: FlaskClient) -> None:
    response = coordinator.get("/logistics/day")
    assert response.status_code == 302
    assert response.location.endswith(f"/logistics/day/{local_today().isoformat()}")


def test_generating_from_the_board(
    db_session: Any, coordinator: FlaskClient, plan_world: PlanWorld
) -> None:
    today = local_today()
    add_slot(db_session, plan_world.team, plan_world.place.id, weekday=today.weekday())
    db_session.commit()
    url = f"/logistics/day/{today.isoformat()}/generate"
    first = coordinator.post(url, data={"team_id": plan_world.team.id}, follow_redirects=True)
    assert "1 distribution planned" in first.get_data(as_text=True)
    second = coordinator.post(url, data={"team_id": plan_world.team.id}, follow_redirects=True)
    assert "already planned" in second.get_data(as_text=True)
    assert db_session.query(Distribution).filter_by(day=today).count() == 1


def test_a_volunteer_cannot_plan(volunteer: FlaskClient, plan_world: PlanWorld) -> None:
    day = local_today().isoformat()
    assert volunteer.get(f"/logistics/day/{day}").status_code == 200
    response = volunteer.post(
        f"/logistics/day/{day}/generate", data={"team_id": plan_world.team.id}
    )
    assert response.status_code == 403


def plan_form(world: PlanWorld, **overrides: Any) -> dict[str, Any]:
    return {
        "team_id": world.team.id,
        "label": "Tea",
        "place_site_id": world.place.id,
        "starts_at": "15:00",
        "ends_at": "16:00",
        "expected_people": "40",
        "team_size": "2",
        "vehicle_id": world.van.id,
        "lead_id": "",
        **overrides,
    }


def test_adding_and_changing_a_distribution_by_hand(
    db_session: Any, coordinator: FlaskClient, plan_world: PlanWorld
) -> None:
    day = local_today().isoformat()
    assert coordinator.get(f"/logistics/day/{day}/new").status_code == 200
    bad = coordinator.post(
        f"/logistics/day/{day}/new", data=plan_form(plan_world, starts_at="25:00")
    )
    assert bad.status_code == 422 and "such as 12:30" in bad.get_data(as_text=True)
    assert db_session.query(Distribution).count() == 0
    created = coordinator.post(f"/logistics/day/{day}/new", data=plan_form(plan_world))
    assert created.status_code == 303
    distribution = db_session.query(Distribution).one()
    edit = f"/logistics/distributions/{distribution.id}/edit"
    assert coordinator.get(edit).status_code == 200
    changed = coordinator.post(
        edit, data=plan_form(plan_world, label="Tea and soup", lead_id=plan_world.lead.id)
    )
    assert changed.status_code == 303
    db_session.refresh(distribution)
    assert (distribution.label, distribution.lead_id) == ("Tea and soup", plan_world.lead.id)


def test_the_pick_list_is_edited_on_the_page(
    db_session: Any,
    coordinator: FlaskClient,
    plan_world: PlanWorld,
    make_distribution: Callable[..., Distribution],
) -> None:
    distribution = make_distribution()
    url = f"/logistics/distributions/{distribution.id}/lines"
    water = plan_world.water
    response = coordinator.post(url, data={"item_id": water.item_id, "quantity": "12"})
    assert response.status_code == 303
    bad = coordinator.post(url, data={"item_id": water.item_id, "quantity": "lots"})
    assert bad.status_code == 422 and "not a whole number" in bad.get_data(as_text=True)
    db_session.refresh(distribution)
    assert {line.stock_item_id: line.quantity for line in distribution.lines} == {
        plan_world.meals.id: 80,
        water.id: 12,
    }
    coordinator.post(url, data={"item_id": water.item_id, "quantity": "0"})
    db_session.refresh(distribution)
    assert [line.stock_item_id for line in distribution.lines] == [plan_world.meals.id]


def test_asking_donors_for_a_shortfall(
    db_session: Any,
    coordinator: FlaskClient,
    plan_world: PlanWorld,
    make_distribution: Callable[..., Distribution],
) -> None:
    distribution = make_distribution(lines=[(plan_world.water, 70)])
    page = coordinator.get(f"/logistics/distributions/{distribution.id}").get_data(as_text=True)
    assert "Ask donors for 30" in page
    coordinator.post(
        f"/logistics/distributions/{distribution.id}/needs",
        data={"item_id": plan_world.water.item_id, "quantity": "30"},
    )
    need = db_session.query(NeedLine).filter_by(site_id=plan_world.warehouse.id).one()
    assert (need.target_quantity, need.priority) == (30, Priority.HIGH)
    page = coordinator.get(f"/logistics/distributions/{distribution.id}").get_data(as_text=True)
    assert "On the need list" in page


def test_loading_setting_off_and_recording_on_the_pages(
    db_session: Any,
    login: Callable[[User], FlaskClient],
    plan_world: PlanWorld,
    make_distribution: Callable[..., Distribution],
    make_crate: Callable[..., Crate],
) -> None:
    world = plan_world
    crate = make_crate(
        site=world.warehouse, lines=[LineInput(item_id=world.meals.item_id, quantity=30)]
    )
    distribution = make_distribution()
    lead = login(world.lead)
    base = f"/logistics/distributions/{distribution.id}"
    page = lead.get(base).get_data(as_text=True)
    assert "Load the crate" in page
    wrong = lead.post(f"{base}/load", data={"code": "0000-0000"})
    assert wrong.status_code == 404
    loaded = lead.post(
        f"{base}/load", data={"code": crate.display_code.lower()}, follow_redirects=True
    )
    assert f"Crate {crate.display_code} is on the van" in loaded.get_data(as_text=True)
    again = lead.post(f"{base}/load", data={"code": crate.code})
    assert again.status_code == 409 and "already on the van" in again.get_data(as_text=True)
    lead.post(f"{base}/load", data={"stock_item_id": world.meals.id, "quantity": "50"})
    lead.post(f"{base}/set-off", data={})
    db_session.refresh(distribution)
    assert distribution.status == DistributionStatus.OUT
    assert lead.get(f"{base}/record").status_code == 200
    form = {
        "event_id": "record-1",
        "served_adults": "66",
        "served_minors": "9",
        "served_families": "2",
        f"handed_out_{world.meals.id}": "45",
        f"returned_{world.meals.id}": "5",
        f"crate_back_{crate.id}": "1",
    }
    done = lead.post(f"{base}/record", data=form, follow_redirects=True)
    assert "Run recorded: 75 people served." in done.get_data(as_text=True)
    replay = lead.post(f"{base}/record", data=form)
    assert replay.status_code == 303
    second = lead.post(f"{base}/record", data={**form, "event_id": "record-2"})
    assert second.status_code == 409 and "already recorded" in second.get_data(as_text=True)
    db_session.refresh(distribution)
    assert distribution.served_adults == 66
    assert crate.state.value == "in_stock"


def test_someone_else_cannot_run_the_distribution(
    make_user: Callable[..., User],
    login: Callable[[User], FlaskClient],
    plan_world: PlanWorld,
    make_distribution: Callable[..., Distribution],
) -> None:
    distribution = make_distribution()
    other = login(make_user(Role.VOLUNTEER))
    response = other.post(
        f"/logistics/distributions/{distribution.id}/load",
        data={"stock_item_id": plan_world.meals.id, "quantity": "1"},
    )
    assert response.status_code == 403
    assert "Only the lead" in response.get_data(as_text=True)


def test_the_day_board_opens_on_its_distributions_and_folds_the_rest(
    coordinator: FlaskClient, plan_world: PlanWorld, make_distribution: Callable[..., Distribution]
) -> None:
    today = local_today()
    empty = coordinator.get(f"/logistics/day/{(today + timedelta(days=1)).isoformat()}")
    assert '<details class="day-plan" open>' in empty.get_data(as_text=True), "plan an empty day"
    make_distribution(label="Soup run")
    page = coordinator.get(f"/logistics/day/{today.isoformat()}").get_data(as_text=True)
    first = page.index('<li class="distribution')
    for tool in ('rel="prev"', 'name="team"', "Plan from the", "Teams and their weeks"):
        assert first < page.index(tool), f"{tool} comes after the distributions"
    assert '<details class="day-plan">' in page, "planning is folded while the day has a plan"
