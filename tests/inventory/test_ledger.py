from typing import Any

import pytest
from sqlalchemy import func, select, text

from app.errors import Conflict, InvalidInput
from inventory import ledger, services
from inventory.models import MovementReason, StockMovement


@pytest.fixture
def place(make_site: Any, make_item: Any, db_session: Any, admin: Any) -> dict[str, Any]:
    site = make_site()
    stock_item = services.get_stock_item(db_session, make_item().id)
    return {"site": site, "stock_item": stock_item, "admin": admin}


def post(db_session: Any, place: dict[str, Any], quantity: int, **extra: Any) -> StockMovement:
    return ledger.post_movement(
        db_session,
        site_id=place["site"].id,
        stock_item_id=place["stock_item"].id,
        quantity=quantity,
        reason=extra.pop("reason", MovementReason.RECEIVED),
        actor_id=place["admin"].id,
        **extra,
    )


def balance(db_session: Any, place: dict[str, Any]) -> int:
    return ledger.balance_of(db_session, place["site"].id, place["stock_item"].id)


def test_movements_keep_the_running_balance(db_session: Any, place: dict[str, Any]) -> None:
    post(db_session, place, 30)
    post(db_session, place, -12, reason=MovementReason.DISTRIBUTED)
    assert balance(db_session, place) == 18
    assert ledger.find_drift(db_session) == []


def test_stock_never_goes_below_zero_without_an_adjustment(
    db_session: Any, place: dict[str, Any]
) -> None:
    post(db_session, place, 5)
    with pytest.raises(ledger.InsufficientStock, match="1 more than there is"):
        post(db_session, place, -6, reason=MovementReason.DISTRIBUTED)
    assert balance(db_session, place) == 5
    post(db_session, place, -6, reason=MovementReason.ADJUSTED, allow_negative=True)
    assert balance(db_session, place) == -1


def test_taking_from_an_item_never_stocked_is_refused(
    db_session: Any, place: dict[str, Any]
) -> None:
    with pytest.raises(ledger.InsufficientStock):
        post(db_session, place, -1, reason=MovementReason.DISTRIBUTED)


@pytest.mark.parametrize("quantity", [0, 1_000_001, -1_000_001])
def test_absurd_quantities_are_refused(
    db_session: Any, place: dict[str, Any], quantity: int
) -> None:
    with pytest.raises(InvalidInput):
        post(db_session, place, quantity)


def test_a_mistake_is_corrected_by_a_reversing_movement_once(
    db_session: Any, place: dict[str, Any]
) -> None:
    wrong = post(db_session, place, 40)
    db_session.flush()
    reversal = ledger.reverse_movement(db_session, wrong, actor_id=place["admin"].id, note="typo")
    db_session.flush()
    assert reversal.quantity == -40 and reversal.reverses_id == wrong.id
    assert balance(db_session, place) == 0
    assert db_session.scalar(select(func.count()).select_from(StockMovement)) == 2
    with pytest.raises(Conflict):
        ledger.reverse_movement(db_session, wrong, actor_id=place["admin"].id, note="again")


def test_drift_between_balances_and_movements_is_reported(
    db_session: Any, place: dict[str, Any]
) -> None:
    post(db_session, place, 10)
    db_session.flush()
    db_session.execute(text("UPDATE stock_levels SET quantity = 11"))
    (drift,) = ledger.find_drift(db_session)
    assert (drift.balance, drift.sum_of_movements) == (11, 10)
    db_session.execute(text("DELETE FROM stock_levels"))
    (drift,) = ledger.find_drift(db_session)
    assert (drift.balance, drift.sum_of_movements) == (0, 10)
