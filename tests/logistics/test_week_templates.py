"""The week templates: teams, the distributions of each team's usual week and their
standard pick lists (per person, per so many people, per distribution), copied to other
days; through the services and through the pages."""

import re
from collections.abc import Callable
from datetime import date, time
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from app.clock import local_today
from app.errors import Conflict, DomainError, InvalidInput, NotFound
from app.models import User
from inventory.models import Item, Site, SizeRange, StockItem
from inventory.services import get_stock_item
from logistics import services
from logistics.models import Team, WeekSlot, WeekSlotLine
from tests.logistics.conftest import PlanWorld, count
from tests.logistics.factories import add_slot, add_team

MONDAY = date(2026, 12, 7)
HTMX = {"HX-Request": "true"}


def slot_input(place_site_id: int, **overrides: Any) -> services.SlotInput:
    return services.SlotInput(
        **{
            "weekday": 1,
            "label": "Lunch",
            "place_site_id": place_site_id,
            "starts_at": time(12, 0),
            "ends_at": time(13, 30),
            "expected_people": 100,
            "team_size": 3,
            **overrides,
        }
    )


def slot_form(place: Site, **overrides: str) -> dict[str, str]:
    return {
        "weekday": "1",
        "label": "Lunch",
        "place_site_id": str(place.id),
        "starts_at": "12:00",
        "ends_at": "13:30",
        "expected_people": "100",
        "team_size": "3",
        "active": "y",
        **overrides,
    }


def slots_of(db_session: Any, team: Team) -> list[WeekSlot]:
    return list(
        db_session.scalars(
            select(WeekSlot)
            .where(WeekSlot.team_id == team.id)
            .order_by(WeekSlot.weekday, WeekSlot.id)
        )
    )


def lines_of(slot: WeekSlot) -> dict[int, tuple[int, int | None]]:
    return {line.stock_item_id: (line.quantity, line.per_people) for line in slot.lines}


# --- teams ----------------------------------------------------------------------------


def test_a_team_is_added_then_renamed(
    db_session: Any, admin: User, make_site: Callable[..., Site]
) -> None:
    warehouse, other = make_site(), make_site()
    team = services.save_team(
        db_session, actor=admin, name="  Grande   Synthe ", departure_site_id=warehouse.id
    )
    assert (team.name, team.departure_site_id) == ("Grande Synthe", warehouse.id)
    services.save_team(
        db_session, actor=admin, name="Dunkerque", departure_site_id=other.id, team_id=team.id
    )
    db_session.expire_all()
    assert (team.name, team.departure_site_id) == ("Dunkerque", other.id)


@pytest.mark.parametrize(
    ("name", "site", "error", "message"),
    [
        ("", "active", InvalidInput, "Name the team (80 characters at most)."),
        ("x" * 81, "active", InvalidInput, "Name the team (80 characters at most)."),
        ("calais", "active", Conflict, "Another team is already called calais."),
        ("Lille", "closed", NotFound, "There is no site number"),
    ],
)
def test_a_team_with_bad_details_is_refused_and_nothing_changes(
    db_session: Any,
    admin: User,
    make_site: Callable[..., Site],
    name: str,
    site: str,
    error: type[DomainError],
    message: str,
) -> None:
    warehouse = make_site()
    add_team(db_session, "Calais", warehouse.id)
    team = add_team(db_session, "Paris", warehouse.id)
    departure = make_site(active=False) if site == "closed" else make_site()
    with pytest.raises(error, match=re.escape(message)):
        services.save_team(
            db_session, actor=admin, name=name, departure_site_id=departure.id, team_id=team.id
        )
    db_session.rollback()
    assert (team.name, team.departure_site_id) == ("Paris", warehouse.id)
    assert count(db_session, Team) == 2


# --- week slots -----------------------------------------------------------------------


def test_a_slot_is_added_changed_and_paused(
    db_session: Any, admin: User, plan_world: PlanWorld, make_site: Callable[..., Site]
) -> None:
    world = plan_world
    slot = services.save_slot(
        db_session,
        actor=admin,
        team_id=world.team.id,
        data=slot_input(world.place.id, label=" Lunch  at the port "),
    )
    assert (slot.weekday, slot.label, slot.expected_people, slot.active) == (
        1,
        "Lunch at the port",
        100,
        True,
    )
    elsewhere = make_site()
    data = slot_input(elsewhere.id, weekday=4, ends_at=time(14, 0), team_size=5, active=False)
    services.save_slot(db_session, actor=admin, team_id=world.team.id, data=data, slot_id=slot.id)
    db_session.expire_all()
    assert (slot.weekday, slot.place_site_id, slot.ends_at, slot.team_size, slot.active) == (
        4,
        elsewhere.id,
        time(14, 0),
        5,
        False,
    )
    assert slots_of(db_session, world.team) == [slot]


def test_a_paused_slot_is_not_planned_until_it_runs_again(
    db_session: Any, admin: User, plan_world: PlanWorld
) -> None:
    world = plan_world
    slot = services.save_slot(
        db_session,
        actor=admin,
        team_id=world.team.id,
        data=slot_input(world.place.id, weekday=MONDAY.weekday(), active=False),
    )

    def plan() -> list[str]:
        made = services.generate_day_plan(
            db_session, actor=admin, team_id=world.team.id, day=MONDAY, today=MONDAY
        )
        return [distribution.label for distribution in made]

    assert plan() == []
    data = slot_input(world.place.id, weekday=MONDAY.weekday(), active=True)
    services.save_slot(db_session, actor=admin, team_id=world.team.id, data=data, slot_id=slot.id)
    assert plan() == ["Lunch"]


@pytest.mark.parametrize(
    ("overrides", "error", "message"),
    [
        ({"weekday": 7}, InvalidInput, "Choose a day of the week."),
        ({"weekday": True}, InvalidInput, "Choose a day of the week."),
        ({"label": "   "}, InvalidInput, "Name the distribution (80 characters at most)."),
        ({"label": "x" * 81}, InvalidInput, "Name the distribution (80 characters at most)."),
        ({"ends_at": time(12, 0)}, InvalidInput, "The distribution must end after it starts."),
        ({"expected_people": 5001}, InvalidInput, "Enter a whole number from 0 to 5,000."),
        ({"expected_people": -1}, InvalidInput, "Enter a whole number from 0 to 5,000."),
        ({"team_size": 0}, InvalidInput, "Enter a whole number from 1 to 99."),
        ({"team_size": 100}, InvalidInput, "Enter a whole number from 1 to 99."),
        ({"place_site_id": 999_999}, NotFound, "There is no site number 999999."),
        ({"weekday": 0}, Conflict, "Monday already has Lunch at "),
        ({"weekday": 0, "label": "LUNCH"}, Conflict, "Monday already has LUNCH at "),
    ],
)
def test_a_slot_with_bad_details_is_refused_and_nothing_changes(
    db_session: Any,
    admin: User,
    plan_world: PlanWorld,
    overrides: dict[str, Any],
    error: type[DomainError],
    message: str,
) -> None:
    world = plan_world
    add_slot(db_session, world.team, world.place.id, weekday=0)
    slot = add_slot(db_session, world.team, world.place.id, weekday=1, label="Dinner")
    db_session.commit()
    data = slot_input(**{"place_site_id": world.place.id, **overrides})
    for slot_id in (None, slot.id):
        with pytest.raises(error, match=re.escape(message)):
            services.save_slot(
                db_session, actor=admin, team_id=world.team.id, data=data, slot_id=slot_id
            )
        db_session.rollback()
    assert [(s.weekday, s.label) for s in slots_of(db_session, world.team)] == [
        (0, "Lunch"),
        (1, "Dinner"),
    ]


def test_a_slot_of_another_team_cannot_be_changed_through_this_one(
    db_session: Any, admin: User, plan_world: PlanWorld
) -> None:
    world = plan_world
    other = add_team(db_session, "Other team", world.warehouse.id)
    slot = add_slot(db_session, other, world.place.id, weekday=0)
    with pytest.raises(NotFound):
        services.save_slot(
            db_session,
            actor=admin,
            team_id=world.team.id,
            data=slot_input(world.place.id),
            slot_id=slot.id,
        )


# --- copying --------------------------------------------------------------------------


def test_a_slot_is_copied_with_its_pick_list_to_the_days_without_it(
    db_session: Any, admin: User, plan_world: PlanWorld
) -> None:
    world = plan_world
    monday = add_slot(
        db_session,
        world.team,
        world.place.id,
        weekday=0,
        expected_people=80,
        lines=[(world.meals.id, 1, 1), (world.water.id, 10, None)],
    )
    tuesday = add_slot(db_session, world.team, world.place.id, weekday=1, expected_people=30)
    add_slot(db_session, world.team, world.place.id, weekday=2, label="Dinner")
    copies = services.copy_slot_to_days(
        db_session, actor=admin, slot_id=monday.id, weekdays=[0, 1, 2, 2, 5]
    )
    assert [copy.weekday for copy in copies] == [2, 5]
    for copy in copies:
        assert (copy.label, copy.place_site_id, copy.expected_people) == (
            "Lunch",
            world.place.id,
            80,
        )
        assert lines_of(copy) == lines_of(monday)
    db_session.expire_all()
    assert (tuesday.expected_people, tuesday.lines) == (30, [])
    again = services.copy_slot_to_days(db_session, actor=admin, slot_id=monday.id, weekdays=[2, 5])
    assert again == []


@pytest.mark.parametrize(
    ("weekdays", "message"),
    [([], "Choose at least one day to copy to."), ([3, 9], "Choose a day of the week.")],
)
def test_copying_to_no_day_or_a_wrong_day_makes_nothing(
    db_session: Any, admin: User, plan_world: PlanWorld, weekdays: list[int], message: str
) -> None:
    world = plan_world
    slot = add_slot(db_session, world.team, world.place.id, weekday=0)
    db_session.commit()
    with pytest.raises(InvalidInput, match=re.escape(message)):
        services.copy_slot_to_days(db_session, actor=admin, slot_id=slot.id, weekdays=weekdays)
    db_session.rollback()
    assert slots_of(db_session, world.team) == [slot]


# --- pick lists -----------------------------------------------------------------------


def test_per_person_quantities_become_the_planned_pick_list(
    db_session: Any, admin: User, plan_world: PlanWorld, make_item: Callable[..., Item]
) -> None:
    world = plan_world
    sugar, blankets = make_item(category="food"), make_item(category="bedding")
    slot = add_slot(db_session, world.team, world.place.id, weekday=0, expected_people=90)
    for item_id, quantity, per_people in (
        (world.meals.item_id, 1, 1),
        (world.water.item_id, 3, 2),
        (sugar.id, 1, 20),
        (blankets.id, 10, None),
    ):
        services.set_slot_line(
            db_session,
            actor=admin,
            slot_id=slot.id,
            item_id=item_id,
            quantity=quantity,
            per_people=per_people,
        )
    (distribution,) = services.generate_day_plan(
        db_session, actor=admin, team_id=world.team.id, day=MONDAY, today=MONDAY
    )
    planned = {line.stock_item.item_id: line.quantity for line in distribution.lines}
    assert planned == {
        world.meals.item_id: 90,
        world.water.item_id: 135,
        sugar.id: 5,  # 90 people at 1 per 20: rounded up
        blankets.id: 10,
    }


def test_a_line_is_changed_then_taken_off(
    db_session: Any, admin: User, plan_world: PlanWorld
) -> None:
    world = plan_world
    slot = add_slot(db_session, world.team, world.place.id, weekday=0)

    def put(quantity: int, per_people: int | None) -> None:
        services.set_slot_line(
            db_session,
            actor=admin,
            slot_id=slot.id,
            item_id=world.meals.item_id,
            quantity=quantity,
            per_people=per_people,
        )

    put(1, 1)
    put(2, None)
    assert lines_of(slot) == {world.meals.id: (2, None)}
    put(0, None)
    put(0, None)
    assert slot.lines == []


def test_a_line_for_clothes_takes_their_gender_and_size(
    db_session: Any, admin: User, plan_world: PlanWorld, make_item: Callable[..., Item]
) -> None:
    world = plan_world
    socks = make_item(category="clothing", gendered=True, size_range=SizeRange.LETTERS)
    slot = add_slot(db_session, world.team, world.place.id, weekday=0)
    with pytest.raises(InvalidInput, match="Choose who"):
        services.set_slot_line(
            db_session, actor=admin, slot_id=slot.id, item_id=socks.id, quantity=1, per_people=1
        )
    services.set_slot_line(
        db_session,
        actor=admin,
        slot_id=slot.id,
        item_id=socks.id,
        gender="men",
        size="M",
        quantity=1,
        per_people=1,
    )
    stock_item = get_stock_item(db_session, socks.id, "men", "M")
    assert lines_of(slot) == {stock_item.id: (1, 1)}


@pytest.mark.parametrize(
    ("quantity", "per_people", "item", "message"),
    [
        (-1, None, "meals", "The quantity must be between 1 and 100,000."),
        (100_001, None, "meals", "The quantity must be between 1 and 100,000."),
        (1, 0, "meals", "Enter a whole number from 1 to 1,000."),
        (1, 1001, "meals", "Enter a whole number from 1 to 1,000."),
        (1, 1, "nothing", "There is no item number 999999."),
    ],
)
def test_a_bad_line_is_refused_and_the_pick_list_stays(
    db_session: Any,
    admin: User,
    plan_world: PlanWorld,
    quantity: int,
    per_people: int | None,
    item: str,
    message: str,
) -> None:
    world = plan_world
    slot = add_slot(
        db_session, world.team, world.place.id, weekday=0, lines=[(world.meals.id, 1, 1)]
    )
    db_session.commit()
    item_id = world.meals.item_id if item == "meals" else 999_999
    with pytest.raises(DomainError, match=re.escape(message)):
        services.set_slot_line(
            db_session,
            actor=admin,
            slot_id=slot.id,
            item_id=item_id,
            quantity=quantity,
            per_people=per_people,
        )
    db_session.rollback()
    assert lines_of(slot) == {world.meals.id: (1, 1)}


# --- the pages ------------------------------------------------------------------------


def test_the_teams_page_links_each_team_to_its_week(
    volunteer: FlaskClient, db_session: Any, plan_world: PlanWorld
) -> None:
    world = plan_world
    add_slot(db_session, world.team, world.place.id, weekday=0)
    add_slot(db_session, world.team, world.place.id, weekday=1, active=False)
    db_session.commit()
    response = volunteer.get("/logistics/teams")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"/logistics/teams/{world.team.id}/week" in page
    assert world.team.name in page and "1 distribution a week" in page
    assert "Add a team" not in page


def test_a_coordinator_adds_and_renames_a_team(
    coordinator: FlaskClient, db_session: Any, make_site: Callable[..., Site]
) -> None:
    warehouse = make_site(name="Entrepôt Calais")
    page = coordinator.get("/logistics/teams/new")
    assert page.status_code == 200 and "Entrepôt Calais" in page.get_data(as_text=True)
    form = {"name": "Calais", "departure_site_id": str(warehouse.id), "event_id": "team-1"}
    response = coordinator.post("/logistics/teams/new", data=form)
    assert response.status_code == 303
    assert coordinator.post("/logistics/teams/new", data=form).status_code == 303
    team = db_session.scalars(select(Team)).one()
    assert (team.name, team.departure_site_id) == ("Calais", warehouse.id)
    edit = coordinator.get(f"/logistics/teams/{team.id}/edit")
    assert edit.status_code == 200 and 'value="Calais"' in edit.get_data(as_text=True)
    renamed = {"name": "Calais nord", "departure_site_id": str(warehouse.id)}
    assert coordinator.post(f"/logistics/teams/{team.id}/edit", data=renamed).status_code == 303
    db_session.expire_all()
    assert team.name == "Calais nord"


@pytest.mark.parametrize(
    ("form", "status", "message"),
    [
        ({"name": ""}, 422, "Name the team (80 characters at most)."),
        ({"departure_site_id": ""}, 422, "Please fill in this field."),
        ({"departure_site_id": "abc"}, 422, "“abc” is not a whole number."),
        ({"name": "PARIS"}, 409, "Another team is already called PARIS."),
    ],
)
def test_a_team_with_bad_details_is_shown_again(
    coordinator: FlaskClient,
    db_session: Any,
    make_site: Callable[..., Site],
    form: dict[str, str],
    status: int,
    message: str,
) -> None:
    warehouse = make_site()
    add_team(db_session, "Paris", warehouse.id)
    db_session.commit()
    sent = {"name": "Calais", "departure_site_id": str(warehouse.id), **form}
    response = coordinator.post("/logistics/teams/new", data=sent)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert count(db_session, Team) == 1


def test_the_week_shows_each_day_and_each_pick_list(
    volunteer: FlaskClient, db_session: Any, plan_world: PlanWorld, make_item: Callable[..., Item]
) -> None:
    world = plan_world
    sugar = get_stock_item(db_session, make_item(name_en="Sugar").id)
    add_slot(
        db_session,
        world.team,
        world.place.id,
        weekday=1,
        label="Breakfast",
        starts_at=time(8, 0),
        ends_at=time(9, 30),
        expected_people=90,
        lines=[(world.meals.id, 1, 1), (sugar.id, 1, 20), (world.water.id, 10, None)],
    )
    add_slot(db_session, world.team, world.place.id, weekday=3, label="Dinner", active=False)
    db_session.commit()
    response = volunteer.get(f"/logistics/teams/{world.team.id}/week")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"):
        assert day in page
    assert "08:00–09:30 · Breakfast" in page and world.place.name in page
    assert "90 people expected" in page and "team of 3" in page
    assert "1 per person" in page and "(90 in all)" in page
    assert "1 per 20 people" in page and "(5 in all)" in page
    assert "10 per distribution" in page
    assert "Paused" in page
    assert "/slots/" not in page  # no links to change anything for a volunteer


def test_a_coordinator_adds_a_slot_then_fills_its_pick_list(
    coordinator: FlaskClient, db_session: Any, plan_world: PlanWorld
) -> None:
    world = plan_world
    page = coordinator.get(f"/logistics/teams/{world.team.id}/slots/new?weekday=4")
    assert page.status_code == 200
    assert '<option selected value="4">' in page.get_data(as_text=True)
    response = coordinator.post(
        f"/logistics/teams/{world.team.id}/slots/new", data=slot_form(world.place, weekday="4")
    )
    assert response.status_code == 303
    (slot,) = slots_of(db_session, world.team)
    assert (slot.weekday, slot.label, slot.starts_at, slot.active) == (4, "Lunch", time(12), True)
    assert response.headers["Location"].endswith(f"/logistics/slots/{slot.id}/edit#slot-lines")
    line = {"item_id": str(world.meals.item_id), "quantity": "1", "per_people": "1"}
    added = coordinator.post(f"/logistics/slots/{slot.id}/lines", data=line)
    assert added.status_code == 303
    assert lines_of(slot) == {world.meals.id: (1, 1)}
    edit = coordinator.get(f"/logistics/slots/{slot.id}/edit").get_data(as_text=True)
    assert "1 per person" in edit and "Copy to other days" in edit


def test_a_coordinator_changes_and_pauses_a_slot(
    coordinator: FlaskClient, db_session: Any, plan_world: PlanWorld
) -> None:
    world = plan_world
    slot = add_slot(db_session, world.team, world.place.id, weekday=1)
    db_session.commit()
    page = coordinator.get(f"/logistics/slots/{slot.id}/edit")
    assert page.status_code == 200 and 'value="12:00"' in page.get_data(as_text=True)
    form = slot_form(world.place, expected_people="150")
    del form["active"]
    response = coordinator.post(f"/logistics/slots/{slot.id}/edit", data=form)
    assert response.status_code == 303
    db_session.expire_all()
    assert (slot.expected_people, slot.active) == (150, False)
    assert response.headers["Location"].endswith(
        f"/logistics/teams/{world.team.id}/week?open={slot.weekday}#slot-{slot.id}"
    ), "the week opens on the day changed"


@pytest.mark.parametrize(
    ("form", "status", "message"),
    [
        ({"weekday": "9"}, 422, "Choose a day of the week."),
        ({"label": ""}, 422, "Name the distribution (80 characters at most)."),
        ({"starts_at": "noon"}, 422, "Give a time such as 12:30."),
        ({"ends_at": "12:00+01:00"}, 422, "Give a time such as 12:30."),
        ({"ends_at": "11:00"}, 422, "The distribution must end after it starts."),
        ({"expected_people": "lots"}, 422, "“lots” is not a whole number."),
        ({"expected_people": "9000"}, 422, "Enter a whole number from 0 to 5,000."),
        ({"team_size": "0"}, 422, "Enter a whole number from 1 to 99."),
        ({"place_site_id": "999999"}, 404, "There is no site number 999999."),
        ({"weekday": "0"}, 409, "Monday already has Lunch at"),
    ],
)
def test_a_slot_with_bad_details_is_shown_again(
    coordinator: FlaskClient,
    db_session: Any,
    plan_world: PlanWorld,
    form: dict[str, str],
    status: int,
    message: str,
) -> None:
    world = plan_world
    add_slot(db_session, world.team, world.place.id, weekday=0)
    db_session.commit()
    response = coordinator.post(
        f"/logistics/teams/{world.team.id}/slots/new", data=slot_form(world.place, **form)
    )
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert len(slots_of(db_session, world.team)) == 1


def test_a_slot_form_sent_twice_adds_one_slot(
    coordinator: FlaskClient, db_session: Any, plan_world: PlanWorld
) -> None:
    world = plan_world
    url = f"/logistics/teams/{world.team.id}/slots/new"
    form = slot_form(world.place, event_id="slot-twice")
    first, second = coordinator.post(url, data=form), coordinator.post(url, data=form)
    assert (first.status_code, second.status_code) == (303, 303)
    assert second.headers["Location"].endswith(f"/logistics/teams/{world.team.id}/week")
    assert len(slots_of(db_session, world.team)) == 1


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"quantity": ""}, "Please fill in this field."),
        ({"quantity": "-2"}, "The quantity must be between 1 and 100,000."),
        ({"per_people": "0"}, "Enter a whole number from 1 to 1,000."),
        ({"per_people": "some"}, "“some” is not a whole number."),
    ],
)
def test_a_bad_line_is_shown_again_with_its_message(
    coordinator: FlaskClient,
    db_session: Any,
    plan_world: PlanWorld,
    form: dict[str, str],
    message: str,
) -> None:
    world = plan_world
    slot = add_slot(db_session, world.team, world.place.id, weekday=0)
    db_session.commit()
    sent = {"item_id": str(world.meals.item_id), "quantity": "1", "per_people": "", **form}
    for headers in ({}, HTMX):
        response = coordinator.post(f"/logistics/slots/{slot.id}/lines", data=sent, headers=headers)
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)
    assert count(db_session, WeekSlotLine) == 0


def test_htmx_swaps_the_pick_list_in_place(
    coordinator: FlaskClient, db_session: Any, plan_world: PlanWorld
) -> None:
    world = plan_world
    slot = add_slot(db_session, world.team, world.place.id, weekday=0)
    db_session.commit()
    line = {"item_id": str(world.water.item_id), "quantity": "10", "per_people": ""}
    response = coordinator.post(f"/logistics/slots/{slot.id}/lines", data=line, headers=HTMX)
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<section id="slot-lines"' in fragment
    assert "<html" not in fragment
    assert "Pick list saved." in fragment and "10 per distribution" in fragment
    assert lines_of(slot) == {world.water.id: (10, None)}


def test_an_items_gender_and_size_are_asked_only_when_it_has_them(
    coordinator: FlaskClient, db_session: Any, plan_world: PlanWorld, make_item: Callable[..., Item]
) -> None:
    world = plan_world
    jackets = make_item(category="clothing", gendered=True, size_range=SizeRange.LETTERS)
    slot = add_slot(db_session, world.team, world.place.id, weekday=0)
    db_session.commit()
    url = f"/logistics/slots/{slot.id}/lines/variant"
    sized = coordinator.get(f"{url}?item_id={jackets.id}", headers=HTMX).get_data(as_text=True)
    assert 'name="gender"' in sized and 'name="size"' in sized and ">XL<" in sized
    plain = coordinator.get(f"{url}?item_id={world.meals.item_id}", headers=HTMX)
    assert plain.status_code == 200
    assert 'name="gender"' not in plain.get_data(as_text=True)
    line = {"item_id": str(jackets.id), "quantity": "5", "per_people": ""}
    refused = coordinator.post(f"/logistics/slots/{slot.id}/lines", data=line)
    assert refused.status_code == 422
    assert 'name="size"' in refused.get_data(as_text=True)
    chosen = {**line, "gender": "women", "size": "M"}
    assert coordinator.post(f"/logistics/slots/{slot.id}/lines", data=chosen).status_code == 303
    stock_item = db_session.scalars(select(StockItem).where(StockItem.item_id == jackets.id)).one()
    assert (stock_item.gender, stock_item.size) == ("women", "M")
    assert lines_of(slot) == {stock_item.id: (5, None)}


def test_a_line_is_removed_from_the_page(
    coordinator: FlaskClient, db_session: Any, plan_world: PlanWorld
) -> None:
    world = plan_world
    slot = add_slot(
        db_session, world.team, world.place.id, weekday=0, lines=[(world.meals.id, 1, 1)]
    )
    db_session.commit()
    remove = {"item_id": str(world.meals.item_id), "quantity": "0"}
    assert coordinator.post(f"/logistics/slots/{slot.id}/lines", data=remove).status_code == 303
    assert count(db_session, WeekSlotLine) == 0


def test_a_coordinator_copies_a_slot_to_other_days(
    coordinator: FlaskClient, db_session: Any, plan_world: PlanWorld
) -> None:
    world = plan_world
    slot = add_slot(
        db_session, world.team, world.place.id, weekday=0, lines=[(world.meals.id, 1, 1)]
    )
    db_session.commit()
    response = coordinator.post(f"/logistics/slots/{slot.id}/copy", data={"weekdays": ["2", "4"]})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/week?open=0&open=2&open=4"), "days shown open"
    week = coordinator.get(response.headers["Location"]).get_data(as_text=True)
    assert "Copied to 2 days: Wednesday, Friday." in week
    copies = slots_of(db_session, world.team)[1:]
    assert [(copy.weekday, lines_of(copy)) for copy in copies] == [
        (2, {world.meals.id: (1, 1)}),
        (4, {world.meals.id: (1, 1)}),
    ]


@pytest.mark.parametrize(
    ("weekdays", "message"),
    [([], "Choose at least one day to copy to."), (["8"], "Choose a day of the week.")],
)
def test_copying_to_no_day_is_shown_again(
    coordinator: FlaskClient,
    db_session: Any,
    plan_world: PlanWorld,
    weekdays: list[str],
    message: str,
) -> None:
    world = plan_world
    slot = add_slot(db_session, world.team, world.place.id, weekday=0)
    db_session.commit()
    response = coordinator.post(f"/logistics/slots/{slot.id}/copy", data={"weekdays": weekdays})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert len(slots_of(db_session, world.team)) == 1


def test_volunteers_see_the_week_but_cannot_plan_it(
    volunteer: FlaskClient, db_session: Any, plan_world: PlanWorld
) -> None:
    world = plan_world
    slot = add_slot(db_session, world.team, world.place.id, weekday=0)
    db_session.commit()
    team, slot_id = world.team.id, slot.id
    assert volunteer.get(f"/logistics/teams/{team}/week").status_code == 200
    for url in (
        "/logistics/teams/new",
        f"/logistics/teams/{team}/edit",
        f"/logistics/teams/{team}/slots/new",
        f"/logistics/slots/{slot_id}/edit",
        f"/logistics/slots/{slot_id}/lines/variant",
    ):
        assert volunteer.get(url).status_code == 403, url
    for url, form in (
        ("/logistics/teams/new", {"name": "Mine", "departure_site_id": str(world.warehouse.id)}),
        (f"/logistics/teams/{team}/slots/new", slot_form(world.place, weekday="3")),
        (
            f"/logistics/slots/{slot_id}/lines",
            {"item_id": str(world.meals.item_id), "quantity": "1"},
        ),
        (f"/logistics/slots/{slot_id}/copy", {"weekdays": ["3"]}),
    ):
        assert volunteer.post(url, data=form).status_code == 403, url
    assert count(db_session, Team) == 1
    assert len(slots_of(db_session, world.team)) == 1
    assert count(db_session, WeekSlotLine) == 0


def test_a_slot_or_team_that_does_not_exist_is_not_found(coordinator: FlaskClient) -> None:
    for url in ("/logistics/teams/999999/week", "/logistics/slots/999999/edit"):
        response = coordinator.get(url)
        assert response.status_code == 404, url


def test_the_days_to_copy_to_leave_out_the_slots_own(
    coordinator: FlaskClient, db_session: Any, plan_world: PlanWorld
) -> None:
    world = plan_world
    slot = add_slot(db_session, world.team, world.place.id, weekday=6)
    db_session.commit()
    page = coordinator.get(f"/logistics/slots/{slot.id}/edit").get_data(as_text=True)
    copy_section = page.split('id="copy"')[1]
    assert "Monday" in copy_section and "Sunday" not in copy_section


def test_the_week_folds_each_day_but_today_and_those_just_changed(
    volunteer: FlaskClient, db_session: Any, plan_world: PlanWorld
) -> None:
    today = local_today().weekday()
    other = (today + 3) % 7
    add_slot(db_session, plan_world.team, plan_world.place.id, weekday=other, label="Tea")
    db_session.commit()
    url = f"/logistics/teams/{plan_world.team.id}/week"
    page = volunteer.get(url).get_data(as_text=True)
    days = re.findall(r'<details class="week-day" aria-labelledby="day-(\d)"( open)?>', page)
    assert [int(day) for day, _ in days] == list(range(7)), "seven folding days, in order"
    assert [int(day) for day, opened in days if opened] == [today]
    assert "1 distribution" in page and "0 distributions" in page
    asked = volunteer.get(f"{url}?open={other}&open=9&open=x").get_data(as_text=True)
    assert f'aria-labelledby="day-{other}" open>' in asked, "a wrong day to open is left out"
