"""A crate loaded on a van says which van and which run, and only taking it off the
van, on the run's page, brings it back: a check-in is refused."""

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from app.errors import Conflict
from app.models import Role, User
from inventory import services as inventory
from inventory.models import Crate, CrateState
from inventory.services import LineInput
from inventory.whereabouts import find_holder
from logistics import services
from logistics.models import Distribution
from tests.logistics.conftest import PlanWorld


@pytest.fixture
def loaded(
    db_session: Any,
    plan_world: PlanWorld,
    make_distribution: Callable[..., Distribution],
    make_crate: Callable[..., Crate],
) -> tuple[Crate, Distribution]:
    crate = make_crate(
        site=plan_world.warehouse,
        lines=[LineInput(item_id=plan_world.meals.item_id, quantity=30)],
    )
    distribution = make_distribution()
    services.load_crate(
        db_session, actor=plan_world.lead, distribution_id=distribution.id, code=crate.code
    )
    db_session.commit()
    return crate, distribution


def test_a_loaded_crate_names_its_van_and_run(
    db_session: Any, plan_world: PlanWorld, loaded: tuple[Crate, Distribution]
) -> None:
    crate, distribution = loaded
    holder = find_holder(db_session, crate)
    assert holder is not None
    assert holder.description.startswith(
        f"On {plan_world.van.name}, Lunch at {plan_world.place.name}"
    )
    assert holder.values["distribution_id"] == distribution.id


def test_a_loaded_crate_cannot_be_checked_in(
    db_session: Any, plan_world: PlanWorld, admin: User, loaded: tuple[Crate, Distribution]
) -> None:
    crate, distribution = loaded
    with pytest.raises(Conflict, match=f"cannot be checked in: On {plan_world.van.name}"):
        inventory.check_in_crate(
            db_session, actor=admin, crate=crate, site_id=plan_world.warehouse.id
        )
    db_session.rollback()
    assert list(services.on_the_van(db_session, distribution).crates) == [crate.id]


def test_taken_off_the_van_or_handed_out_it_is_held_no_more(
    db_session: Any, plan_world: PlanWorld, loaded: tuple[Crate, Distribution]
) -> None:
    crate, distribution = loaded
    services.unload_crate(
        db_session, actor=plan_world.lead, distribution_id=distribution.id, crate_id=crate.id
    )
    assert find_holder(db_session, crate) is None
    services.load_crate(
        db_session, actor=plan_world.lead, distribution_id=distribution.id, code=crate.code
    )
    services.set_off(db_session, actor=plan_world.lead, distribution_id=distribution.id)
    assert find_holder(db_session, crate) is not None
    services.record_run(
        db_session,
        actor=plan_world.lead,
        distribution_id=distribution.id,
        served=services.Served(adults=30, minors=0, families=0),
        loose={},
        crates_back=set(),
    )
    assert crate.state == CrateState.DISTRIBUTED
    assert find_holder(db_session, crate) is None


def test_the_crate_page_shows_the_van_and_offers_no_check_in(
    client_as: Callable[[Role], FlaskClient],
    plan_world: PlanWorld,
    loaded: tuple[Crate, Distribution],
) -> None:
    crate, distribution = loaded
    browser = client_as(Role.COORDINATOR)
    browser.post("/inventory/scan/site", data={"site_id": plan_world.warehouse.id})
    page = browser.get(f"/inventory/crates/{crate.code}").get_data(as_text=True)
    assert "On a van" in page and f"On {plan_world.van.name}, Lunch" in page
    assert "Check in at" not in page and "In stock" not in page
    assert f"/logistics/distributions/{distribution.id}#loading" in page
    response = browser.post(
        f"/inventory/crates/{crate.code}/check-in",
        data={"site_id": plan_world.warehouse.id, "event_id": uuid.uuid4().hex},
    )
    assert response.status_code == 409
    assert "Take it off the van on its run" in response.get_data(as_text=True)
    run_page = browser.get(f"/logistics/distributions/{distribution.id}").get_data(as_text=True)
    assert f'href="/inventory/crates/{crate.code}"' in run_page


def test_the_api_refuses_to_move_a_loaded_crate(
    client: FlaskClient,
    api_token: Callable[[User], dict[str, str]],
    admin: User,
    plan_world: PlanWorld,
    loaded: tuple[Crate, Distribution],
) -> None:
    crate, _ = loaded
    response = client.post(
        f"/api/v1/crates/{crate.code}/move",
        json={"site_id": plan_world.warehouse.id},
        headers=api_token(admin),
    )
    assert response.status_code == 409
    assert plan_world.van.name in response.json["message"]
