"""Crate life cycle through the services: what each action does to state, history and
stock, and how bad input and wrong states are refused with nothing written."""

from typing import Any

import pytest
from sqlalchemy import func, select

from app.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.models import Role
from inventory import ledger, services
from inventory.codes import new_code
from inventory.models import CrateEvent, CrateState, Gender, StockMovement
from inventory.services import LineInput


def movements(db_session: Any) -> int:
    return db_session.scalar(select(func.count()).select_from(StockMovement))


def on_hand(db_session: Any, site: Any, stock_item_id: int) -> int:
    return ledger.balance_of(db_session, site.id, stock_item_id)


def test_packing_puts_the_contents_in_stock_at_the_site(
    db_session: Any, admin: Any, make_site: Any, make_trousers: Any, make_crate: Any
) -> None:
    site, trousers = make_site(), make_trousers()
    crate = make_crate()
    services.pack_crate(
        db_session,
        actor=admin,
        crate=crate,
        site_id=site.id,
        lines=[
            LineInput(trousers.id, 12, Gender.MEN, "M"),
            LineInput(trousers.id, 3, Gender.MEN, "M"),
        ],
        weight_grams=8000,
        note="sec",
    )
    assert crate.state == CrateState.IN_STOCK and crate.site_id == site.id
    (line,) = crate.lines
    assert line.quantity == 15 and (line.stock_item.gender, line.stock_item.size) == ("men", "M")
    assert on_hand(db_session, site, line.stock_item_id) == 15
    actions = db_session.scalars(
        select(CrateEvent.action).where(CrateEvent.crate_id == crate.id)
    ).all()
    assert actions == ["created", "packed"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (dict(quantity=0), "between 1 and"),
        (dict(quantity=-3), "between 1 and"),
        (dict(quantity=10_001), "between 1 and"),
        (dict(gender=""), "Choose who"),
        (dict(size="XXXL"), "Choose a size"),
        (dict(gender="aliens"), "Choose who"),
    ],
)
def test_bad_lines_are_refused_and_nothing_is_written(
    db_session: Any,
    admin: Any,
    make_site: Any,
    make_trousers: Any,
    make_crate: Any,
    line: dict[str, Any],
    message: str,
) -> None:
    site, trousers, crate = make_site(), make_trousers(), make_crate()
    before = movements(db_session)
    fields = {"item_id": trousers.id, "quantity": 5, "gender": "men", "size": "M", **line}
    with db_session.begin_nested(), pytest.raises(InvalidInput, match=message):
        services.pack_crate(
            db_session, actor=admin, crate=crate, site_id=site.id, lines=[LineInput(**fields)]
        )
    db_session.refresh(crate)
    assert crate.state == CrateState.EMPTY and crate.lines == []
    assert movements(db_session) == before


def test_unknown_item_or_site_is_not_found(
    db_session: Any, admin: Any, make_site: Any, make_crate: Any, make_item: Any
) -> None:
    crate = make_crate()
    with pytest.raises(NotFound):
        services.pack_crate(
            db_session,
            actor=admin,
            crate=crate,
            site_id=make_site().id,
            lines=[LineInput(999_999, 1)],
        )
    with pytest.raises(NotFound):
        services.pack_crate(
            db_session,
            actor=admin,
            crate=crate,
            site_id=999_999,
            lines=[LineInput(make_item().id, 1)],
        )


def test_an_empty_crate_list_is_refused(
    db_session: Any, admin: Any, make_site: Any, make_crate: Any
) -> None:
    with pytest.raises(InvalidInput, match="at least one item"):
        services.pack_crate(
            db_session, actor=admin, crate=make_crate(), site_id=make_site().id, lines=[]
        )


def test_a_crate_travels_and_stock_follows(
    db_session: Any, admin: Any, make_site: Any, make_crate: Any
) -> None:
    lille, calais = make_site(name="Lille"), make_site(name="Calais")
    crate = make_crate(site=lille)
    stock_item_id = crate.lines[0].stock_item_id
    services.dispatch_crate(db_session, actor=admin, crate=crate, destination_site_id=calais.id)
    assert crate.state == CrateState.IN_TRANSIT and crate.destination_site_id == calais.id
    assert on_hand(db_session, lille, stock_item_id) == 0
    services.check_in_crate(db_session, actor=admin, crate=crate, site_id=calais.id)
    assert crate.state == CrateState.IN_STOCK and crate.site_id == calais.id
    assert on_hand(db_session, calais, stock_item_id) == 10
    services.check_in_crate(db_session, actor=admin, crate=crate, site_id=lille.id)
    assert (
        on_hand(db_session, lille, stock_item_id),
        on_hand(db_session, calais, stock_item_id),
    ) == (10, 0)
    services.distribute_crate(db_session, actor=admin, crate=crate)
    assert crate.state == CrateState.DISTRIBUTED and on_hand(db_session, lille, stock_item_id) == 0
    assert ledger.find_drift(db_session) == []


@pytest.mark.parametrize("final", ["distribute", "scrap"])
def test_a_distributed_or_scrapped_crate_cannot_move(
    db_session: Any, admin: Any, make_site: Any, make_crate: Any, final: str
) -> None:
    site, other = make_site(), make_site()
    crate = make_crate(site=site)
    getattr(services, f"{final}_crate")(db_session, actor=admin, crate=crate)
    before = movements(db_session)
    for attempt in (
        lambda: services.check_in_crate(db_session, actor=admin, crate=crate, site_id=other.id),
        lambda: services.dispatch_crate(
            db_session, actor=admin, crate=crate, destination_site_id=other.id
        ),
        lambda: services.distribute_crate(db_session, actor=admin, crate=crate),
    ):
        with pytest.raises(Conflict, match=r"distributed|scrapped"):
            attempt()
    assert movements(db_session) == before


def test_checking_in_where_it_already_is_is_a_conflict(
    db_session: Any, admin: Any, make_site: Any, make_crate: Any
) -> None:
    site = make_site()
    crate = make_crate(site=site)
    with pytest.raises(Conflict, match="already in stock"):
        services.check_in_crate(db_session, actor=admin, crate=crate, site_id=site.id)


def test_a_volunteer_acts_only_at_their_sites(
    db_session: Any, make_user: Any, make_site: Any, make_crate: Any, make_item: Any
) -> None:
    mine, theirs = make_site(), make_site()
    volunteer = make_user(Role.VOLUNTEER, sites=[mine])
    crate = make_crate()
    with pytest.raises(Forbidden, match="not assigned"):
        services.pack_crate(
            db_session,
            actor=volunteer,
            crate=crate,
            site_id=theirs.id,
            lines=[LineInput(make_item().id, 1)],
        )
    services.pack_crate(
        db_session,
        actor=volunteer,
        crate=crate,
        site_id=mine.id,
        lines=[LineInput(make_item().id, 1)],
    )
    elsewhere = make_crate(site=theirs)
    with pytest.raises(Forbidden):
        services.distribute_crate(db_session, actor=volunteer, crate=elsewhere)
    with pytest.raises(Forbidden):
        services.dispatch_crate(
            db_session, actor=volunteer, crate=elsewhere, destination_site_id=mine.id
        )


def test_editing_contents_posts_only_the_differences(
    db_session: Any, admin: Any, make_site: Any, make_item: Any, make_crate: Any
) -> None:
    site, soap, towel = make_site(), make_item(), make_item()
    crate = make_crate(site=site, lines=[LineInput(soap.id, 10)])
    soap_stock = crate.lines[0].stock_item_id
    services.edit_crate_contents(
        db_session, actor=admin, crate=crate, lines=[LineInput(soap.id, 7), LineInput(towel.id, 2)]
    )
    towel_stock = services.get_stock_item(db_session, towel.id).id
    assert {line.stock_item_id: line.quantity for line in crate.lines} == {
        soap_stock: 7,
        towel_stock: 2,
    }
    assert (on_hand(db_session, site, soap_stock), on_hand(db_session, site, towel_stock)) == (7, 2)


def test_a_lost_crate_found_again_comes_back_into_stock(
    db_session: Any, admin: Any, make_site: Any, make_crate: Any
) -> None:
    site = make_site()
    crate = make_crate(site=site)
    stock_item_id = crate.lines[0].stock_item_id
    assert services.mark_crates_lost(db_session, actor=admin, crates=[crate]) == 1
    assert crate.state == CrateState.LOST and on_hand(db_session, site, stock_item_id) == 0
    services.check_in_crate(db_session, actor=admin, crate=crate, site_id=site.id)
    assert crate.state == CrateState.IN_STOCK and on_hand(db_session, site, stock_item_id) == 10


def test_codes_are_looked_up_leniently_and_refused_clearly(
    db_session: Any, make_crate: Any
) -> None:
    crate = make_crate()
    assert services.get_crate(db_session, crate.display_code.lower()) is crate
    with pytest.raises(InvalidInput, match="is not a crate code"):
        services.get_crate(db_session, "NOPE")
    wrong_check = crate.code[:7] + ("0" if crate.code[7] != "0" else "1")
    with pytest.raises(InvalidInput):
        services.get_crate(db_session, wrong_check)
    with pytest.raises(NotFound, match="No crate has the code"):
        services.get_crate(db_session, new_code())


def test_creating_crates_gives_distinct_random_codes(db_session: Any, admin: Any) -> None:
    crates = services.create_crates(db_session, actor=admin, count=200)
    codes = [crate.code for crate in crates]
    assert len(set(codes)) == 200
    assert all(crate.state == CrateState.EMPTY for crate in crates)
    # Random, not counted: 200 codes spread over the whole alphabet from the first character.
    assert len({code[0] for code in codes}) > 20
    with pytest.raises(InvalidInput):
        services.create_crates(db_session, actor=admin, count=0)
    with pytest.raises(InvalidInput):
        services.create_crates(db_session, actor=admin, count=501)


def test_loose_stock_is_received_moved_and_adjusted(
    db_session: Any, admin: Any, make_site: Any, make_item: Any
) -> None:
    warehouse, point = make_site(), make_site()
    water = make_item(category="food", name_en="Water", name_fr="Eau", unit="litre")
    services.receive_loose(
        db_session, actor=admin, site_id=warehouse.id, line=LineInput(water.id, 600)
    )
    services.move_loose(
        db_session,
        actor=admin,
        from_site_id=warehouse.id,
        to_site_id=point.id,
        line=LineInput(water.id, 200),
    )
    stock_item_id = services.get_stock_item(db_session, water.id).id
    assert (
        on_hand(db_session, warehouse, stock_item_id),
        on_hand(db_session, point, stock_item_id),
    ) == (400, 200)
    with pytest.raises(ledger.InsufficientStock):
        services.move_loose(
            db_session,
            actor=admin,
            from_site_id=point.id,
            to_site_id=warehouse.id,
            line=LineInput(water.id, 201),
        )
    assert (
        services.adjust_stock(
            db_session,
            actor=admin,
            site_id=point.id,
            stock_item_id=stock_item_id,
            counted=180,
            note="counted",
        )
        == -20
    )
    with pytest.raises(InvalidInput, match="Say why"):
        services.adjust_stock(
            db_session,
            actor=admin,
            site_id=point.id,
            stock_item_id=stock_item_id,
            counted=1,
            note=" ",
        )
    assert ledger.find_drift(db_session) == []


def test_a_volunteer_checks_in_only_crates_bound_for_or_at_their_sites(
    db_session: Any, admin: Any, make_user: Any, make_site: Any, make_crate: Any
) -> None:
    mine, also_mine, theirs, far = make_site(), make_site(), make_site(name="Lyon"), make_site()
    volunteer = make_user(Role.VOLUNTEER, sites=[mine, also_mine])
    sent_to_me = make_crate(site=theirs)
    services.dispatch_crate(db_session, actor=admin, crate=sent_to_me, destination_site_id=mine.id)
    services.check_in_crate(db_session, actor=volunteer, crate=sent_to_me, site_id=mine.id)
    assert (sent_to_me.state, sent_to_me.site_id) == (CrateState.IN_STOCK, mine.id)
    services.check_in_crate(db_session, actor=volunteer, crate=sent_to_me, site_id=also_mine.id)
    assert sent_to_me.site_id == also_mine.id

    in_stock_elsewhere = make_crate(site=theirs)
    sent_elsewhere = make_crate(site=mine)
    services.dispatch_crate(
        db_session, actor=admin, crate=sent_elsewhere, destination_site_id=far.id
    )
    lost_elsewhere = make_crate(site=theirs)
    services.mark_crates_lost(db_session, actor=admin, crates=[lost_elsewhere])
    before = movements(db_session)
    refusals = [
        (in_stock_elsewhere, "is in stock at Lyon, where you are not assigned"),
        (sent_elsewhere, f"is on its way to {far.name}, where you are not assigned"),
        (lost_elsewhere, "was lost at Lyon, where you are not assigned"),
    ]
    for crate, reason in refusals:
        state, site_id = crate.state, crate.site_id
        with pytest.raises(Forbidden, match=reason):
            services.check_in_crate(db_session, actor=volunteer, crate=crate, site_id=mine.id)
        assert (crate.state, crate.site_id) == (state, site_id)
    assert movements(db_session) == before
    for crate, _reason in refusals:  # a coordinator books a found crate in
        services.check_in_crate(db_session, actor=admin, crate=crate, site_id=mine.id)
        assert (crate.state, crate.site_id) == (CrateState.IN_STOCK, mine.id)
    assert ledger.find_drift(db_session) == []


def test_a_volunteer_books_in_a_crate_lost_at_their_site(
    db_session: Any, admin: Any, make_user: Any, make_site: Any, make_crate: Any
) -> None:
    mine = make_site()
    volunteer = make_user(Role.VOLUNTEER, sites=[mine])
    crate = make_crate(site=mine)
    services.mark_crates_lost(db_session, actor=admin, crates=[crate])
    assert services.check_in_refusal(volunteer, crate) is None
    services.check_in_crate(db_session, actor=volunteer, crate=crate, site_id=mine.id)
    assert crate.state == CrateState.IN_STOCK
