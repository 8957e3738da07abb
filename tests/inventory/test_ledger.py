from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text

from app.errors import Conflict, InvalidInput
from app.models import Role
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


def test_several_movements_refused_together_change_nothing(
    db_session: Any, make_site: Any, make_item: Any, admin: Any
) -> None:
    site = make_site()
    soap, rice = (services.get_stock_item(db_session, make_item().id).id for _ in range(2))
    for stock_item_id, quantity in ((soap, 5), (rice, 1)):
        ledger.post_movement(
            db_session,
            site_id=site.id,
            stock_item_id=stock_item_id,
            quantity=quantity,
            reason=MovementReason.RECEIVED,
            actor_id=admin.id,
        )
    before = db_session.scalar(select(func.count()).select_from(StockMovement))
    taking_three_of_each = [
        ledger.Posting(site.id, soap, -3, MovementReason.DISTRIBUTED),
        ledger.Posting(site.id, rice, -3, MovementReason.DISTRIBUTED),
    ]
    with pytest.raises(ledger.InsufficientStock, match="2 more than there is"):
        ledger.post_movements(db_session, taking_three_of_each, actor_id=admin.id)
    balances = [ledger.balance_of(db_session, site.id, item) for item in (soap, rice)]
    assert balances == [5, 1]
    assert db_session.scalar(select(func.count()).select_from(StockMovement)) == before


def test_a_refused_scan_is_replayed_as_refused_and_its_id_cannot_serve_another_action(
    client: Any,
    db_session: Any,
    api_token: Any,
    make_user: Any,
    make_site: Any,
    make_crate: Any,
) -> None:
    site, other = make_site(), make_site()
    code = make_crate(site).code
    headers = api_token(make_user(Role.ADMIN))

    def move(site_id: int, event_id: str) -> Any:
        body = {"site_id": site_id, "event_id": event_id}
        return client.post(f"/api/v1/crates/{code}/move", json=body, headers=headers)

    first = move(site.id, "refused-0001")  # already there
    again = move(site.id, "refused-0001")
    assert first.status_code == again.status_code == 409 and again.json == first.json
    assert again.headers["Idempotent-Replayed"] == "true"
    assert move(other.id, "moved-00001").status_code == 200
    reused = client.post(
        f"/api/v1/crates/{code}/distribute", json={"event_id": "moved-00001"}, headers=headers
    )
    assert reused.status_code == 422
    assert ledger.find_drift(db_session) == []


def test_movements_posted_inside_dated_carry_that_date_and_others_now(
    db_session: Any, place: dict[str, Any]
) -> None:
    then = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    with ledger.dated(db_session, then):
        single = post(db_session, place, 10)
        ledger.post_movements(
            db_session,
            [
                ledger.Posting(
                    place["site"].id, place["stock_item"].id, -4, MovementReason.DISTRIBUTED
                )
            ],
            actor_id=place["admin"].id,
        )
    later = post(db_session, place, 1)
    db_session.flush()
    stamps = db_session.scalars(
        select(StockMovement.created_at).where(StockMovement.site_id == place["site"].id)
    ).all()
    assert sorted(stamps)[:2] == [then, then]
    assert single.created_at == then and later.created_at > then + timedelta(days=30)
