"""Running a distribution: loading crates and loose units through the ledger, taking
them off again, setting off, and recording the run once."""

from collections.abc import Callable
from typing import Any

import pytest

from app.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.models import Role, User
from inventory import ledger, queries
from inventory import services as inventory_services
from inventory.models import Crate, CrateState
from inventory.services import LineInput
from logistics import services
from logistics.models import Distribution, DistributionResult, DistributionStatus
from tests.logistics.conftest import PlanWorld


def balance(db_session: Any, site: Any, stock_item: Any) -> int:
    return ledger.balance_of(db_session, site.id, stock_item.id)


def load(
    db_session: Any,
    world: PlanWorld,
    distribution: Distribution,
    codes: list[str],
    stock_item: Any,
    quantity: int,
) -> None:
    """The lead loads the crates of these codes and this many loose units of the item."""
    for code in codes:
        services.load_crate(
            db_session, actor=world.lead, distribution_id=distribution.id, code=code
        )
    services.load_loose(
        db_session,
        actor=world.lead,
        distribution_id=distribution.id,
        stock_item_id=stock_item.id,
        quantity=quantity,
    )


@pytest.fixture
def meal_crate(make_crate: Callable[..., Crate], plan_world: PlanWorld) -> Crate:
    """A crate of 30 meals in the warehouse (so 150 meals there in all)."""
    return make_crate(
        site=plan_world.warehouse,
        lines=[LineInput(item_id=plan_world.meals.item_id, quantity=30)],
    )


def test_loading_moves_stock_from_the_warehouse_to_the_place(
    db_session: Any,
    plan_world: PlanWorld,
    make_distribution: Callable[..., Distribution],
    meal_crate: Crate,
) -> None:
    distribution = make_distribution()
    load(db_session, plan_world, distribution, [meal_crate.display_code], plan_world.meals, 50)
    db_session.commit()
    assert distribution.status == DistributionStatus.LOADING
    assert balance(db_session, plan_world.warehouse, plan_world.meals) == 70
    assert balance(db_session, plan_world.place, plan_world.meals) == 80
    assert meal_crate.site_id == plan_world.place.id
    van = services.on_the_van(db_session, distribution)
    assert van.loose == {plan_world.meals.id: 50}
    assert list(van.crates) == [meal_crate.id]


def test_a_crate_cannot_be_loaded_twice(
    db_session: Any,
    plan_world: PlanWorld,
    make_distribution: Callable[..., Distribution],
    meal_crate: Crate,
) -> None:
    first, second = make_distribution(), make_distribution(label="Evening")
    services.load_crate(
        db_session, actor=plan_world.lead, distribution_id=first.id, code=meal_crate.code
    )
    db_session.commit()
    with pytest.raises(Conflict, match="already on the van"):
        services.load_crate(
            db_session, actor=plan_world.lead, distribution_id=first.id, code=meal_crate.code
        )
    db_session.rollback()
    with pytest.raises(Conflict, match="not in stock at"):
        services.load_crate(
            db_session, actor=plan_world.lead, distribution_id=second.id, code=meal_crate.code
        )


def test_loading_more_than_the_warehouse_holds_is_refused(
    db_session: Any, plan_world: PlanWorld, make_distribution: Callable[..., Distribution]
) -> None:
    distribution = make_distribution()
    with pytest.raises(ledger.InsufficientStock):
        services.load_loose(
            db_session,
            actor=plan_world.lead,
            distribution_id=distribution.id,
            stock_item_id=plan_world.water.id,
            quantity=41,
        )
    db_session.rollback()
    assert balance(db_session, plan_world.warehouse, plan_world.water) == 40


def test_only_the_lead_or_warehouse_staff_load(
    db_session: Any,
    plan_world: PlanWorld,
    make_distribution: Callable[..., Distribution],
    make_user: Callable[..., User],
) -> None:
    distribution = make_distribution()
    stranger = make_user(Role.VOLUNTEER)
    with pytest.raises(Forbidden):
        services.load_loose(
            db_session,
            actor=stranger,
            distribution_id=distribution.id,
            stock_item_id=plan_world.meals.id,
            quantity=1,
        )


def test_unloading_everything_puts_the_plan_back_to_planned(
    db_session: Any,
    plan_world: PlanWorld,
    make_distribution: Callable[..., Distribution],
    meal_crate: Crate,
) -> None:
    distribution = make_distribution()
    lead = plan_world.lead
    load(db_session, plan_world, distribution, [meal_crate.code], plan_world.water, 10)
    with pytest.raises(Conflict, match="Only 10"):
        services.unload_loose(
            db_session,
            actor=lead,
            distribution_id=distribution.id,
            stock_item_id=plan_world.water.id,
            quantity=11,
        )
    services.unload_loose(
        db_session,
        actor=lead,
        distribution_id=distribution.id,
        stock_item_id=plan_world.water.id,
        quantity=10,
    )
    services.unload_crate(
        db_session, actor=lead, distribution_id=distribution.id, crate_id=meal_crate.id
    )
    db_session.commit()
    assert distribution.status == DistributionStatus.PLANNED
    assert meal_crate.site_id == plan_world.warehouse.id
    assert balance(db_session, plan_world.warehouse, plan_world.meals) == 150
    assert balance(db_session, plan_world.warehouse, plan_world.water) == 40
    assert balance(db_session, plan_world.place, plan_world.meals) == 0
    assert ledger.find_drift(db_session) == []


def loaded_and_out(
    db_session: Any, world: PlanWorld, distribution: Distribution, crates: list[Crate]
) -> None:
    load(db_session, world, distribution, [crate.code for crate in crates], world.water, 30)
    services.set_off(db_session, actor=world.lead, distribution_id=distribution.id)
    db_session.commit()


def test_recording_a_run_hands_out_returns_and_writes_off_for_good(
    db_session: Any,
    plan_world: PlanWorld,
    make_distribution: Callable[..., Distribution],
    make_crate: Callable[..., Crate],
    meal_crate: Crate,
) -> None:
    world = plan_world
    spare = make_crate(
        site=world.warehouse, lines=[LineInput(item_id=world.meals.item_id, quantity=20)]
    )
    distribution = make_distribution()
    loaded_and_out(db_session, world, distribution, [meal_crate, spare])
    services.record_run(
        db_session,
        actor=world.lead,
        distribution_id=distribution.id,
        served=services.Served(adults=70, minors=12, families=3),
        loose={world.water.id: services.LooseOutcome(handed_out=25, returned=3)},
        crates_back={spare.id},
    )
    db_session.commit()
    assert distribution.status == DistributionStatus.DONE
    assert (distribution.served_adults, distribution.served_minors) == (70, 12)
    assert meal_crate.state == CrateState.DISTRIBUTED
    assert (spare.state, spare.site_id) == (CrateState.IN_STOCK, world.warehouse.id)
    assert balance(db_session, world.warehouse, world.water) == 13
    assert balance(db_session, world.place, world.water) == 0
    assert balance(db_session, world.warehouse, world.meals) == 140
    assert balance(db_session, world.place, world.meals) == 0
    results = {
        result.stock_item_id: (result.handed_out, result.returned, result.written_off)
        for result in db_session.query(DistributionResult).filter_by(
            distribution_id=distribution.id
        )
    }
    assert results == {world.water.id: (25, 3, 2), world.meals.id: (30, 20, 0)}
    assert ledger.find_drift(db_session) == []
    story = [
        (event.action.value, event.site_id)
        for event in queries.crate_timeline(db_session, meal_crate.id)
    ]
    assert story[:2] == [("distributed", world.place.id), ("loaded", world.place.id)]
    back = [event.action.value for event in queries.crate_timeline(db_session, spare.id)]
    assert back[:2] == ["returned", "loaded"]
    with pytest.raises(Conflict, match="already distributed"):
        inventory_services.distribute_crate(db_session, actor=world.lead, crate=meal_crate)
    with pytest.raises(Conflict, match="already distributed"):
        inventory_services.scrap_crate(db_session, actor=world.lead, crate=meal_crate)


def record(
    db_session: Any, world: PlanWorld, distribution: Distribution, loose: dict[int, Any]
) -> None:
    """The lead records the run: 20 adults served, these loose outcomes, no crate back."""
    services.record_run(
        db_session,
        actor=world.lead,
        distribution_id=distribution.id,
        served=services.Served(adults=20, minors=0, families=0),
        loose=loose,
        crates_back=set(),
    )


def test_recording_twice_counts_once(
    db_session: Any, plan_world: PlanWorld, make_distribution: Callable[..., Distribution]
) -> None:
    world = plan_world
    distribution = make_distribution()
    loaded_and_out(db_session, world, distribution, [])
    loose = {world.water.id: services.LooseOutcome(handed_out=30, returned=0)}
    record(db_session, world, distribution, loose)
    db_session.commit()
    with pytest.raises(Conflict, match="already recorded"):
        record(db_session, world, distribution, loose)
    db_session.rollback()
    assert balance(db_session, world.warehouse, world.water) == 10
    assert (
        db_session.query(DistributionResult).filter_by(distribution_id=distribution.id).count() == 1
    )


@pytest.mark.parametrize(
    ("outcome", "message"),
    [
        ((31, 0), "from 0 to 30"),
        ((20, 11), "cannot add up to more"),
        ((-1, 0), "from 0 to 30"),
    ],
)
def test_impossible_outcomes_are_refused(
    db_session: Any,
    plan_world: PlanWorld,
    make_distribution: Callable[..., Distribution],
    outcome: tuple[int, int],
    message: str,
) -> None:
    world = plan_world
    distribution = make_distribution()
    loaded_and_out(db_session, world, distribution, [])
    with pytest.raises(InvalidInput, match=message):
        record(db_session, world, distribution, {world.water.id: services.LooseOutcome(*outcome)})
    db_session.rollback()
    assert distribution.status == DistributionStatus.OUT
    assert balance(db_session, world.place, world.water) == 30


def test_nothing_to_record_before_loading(
    db_session: Any, plan_world: PlanWorld, make_distribution: Callable[..., Distribution]
) -> None:
    distribution = make_distribution()
    with pytest.raises(Conflict, match="Nothing was loaded"):
        record(db_session, plan_world, distribution, {})


def test_loading_an_item_that_does_not_exist_is_refused(
    db_session: Any, plan_world: PlanWorld, make_distribution: Callable[..., Distribution]
) -> None:
    distribution = make_distribution()
    with pytest.raises(NotFound, match="no item number 999999"):
        services.load_loose(
            db_session,
            actor=plan_world.lead,
            distribution_id=distribution.id,
            stock_item_id=999_999,
            quantity=1,
        )
