"""Two coordinators place two groups in a host's last beds at the same moment, on
PostgreSQL: each thread posts with its own test client and token, and the app commits
for real. Exactly one group is placed; the other is told the beds are gone.

These tests cannot use the rolled-back `db_session`: the module's fixture commits its own
users, team and host, and empties the tables when the module is done."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from app.clock import local_today
from app.extensions import db
from app.models import Role, User
from inventory.models import Site, SiteKind
from logistics.models import Team
from people.models import HostingGroup
from tests.conftest import PASSWORD, truncate_all_but_reference_data
from tests.people.hosting_factories import add_group, add_host, hosting_team
from tests.races import POSTGRES_ONLY, all_at_once, tokens_for

pytestmark = POSTGRES_ONLY

ROUNDS = 5


@dataclass
class World:
    app: Flask
    team_id: int
    actor_id: int
    tokens: list[str]


@pytest.fixture(scope="module")
def world(app: Flask) -> Iterator[World]:
    with app.app_context():
        site = Site(name="Concurrence Paris", kind=SiteKind.WAREHOUSE, city="Paris")
        coordinators = []
        for number in range(2):
            user = User(
                email=f"hosting{number}@relais.test",
                role=Role.HOSTING_COORDINATOR,
                display_name=f"Hosting {number}",
            )
            user.set_password(PASSWORD)
            coordinators.append(user)
        db.session.add_all([site, *coordinators])
        db.session.flush()
        team = hosting_team(db.session, site)
        db.session.commit()
        team_id, actor_id = team.id, coordinators[0].id
        emails = [user.email for user in coordinators]
        db.session.remove()
    try:
        yield World(app, team_id, actor_id, tokens_for(app, emails))
    finally:
        truncate_all_but_reference_data(app)


def a_host_with_two_beds_and_two_groups_of_two(world: World, number: int) -> tuple[int, list[int]]:
    with world.app.app_context():
        actor = db.session.get(User, world.actor_id)
        team = db.session.get(Team, world.team_id)
        host = add_host(db.session, actor, team, beds=2, name=f"Race host {number}")
        groups = [add_group(db.session, actor, team, adults=2) for _ in range(2)]
        db.session.commit()
        ids = host.id, [group.id for group in groups]
        db.session.remove()
        return ids


def place_both_at_once(world: World, host_id: int, group_ids: list[int]) -> list[tuple[int, Any]]:
    def press(token: str, group_id: int) -> Callable[[], tuple[int, Any]]:
        def post() -> tuple[int, Any]:
            response = world.app.test_client().post(
                f"/api/v1/hosting/groups/{group_id}/place",
                json={"host_id": host_id},
                headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"},
            )
            return response.status_code, response.get_json(silent=True)

        return post

    return all_at_once(
        [press(token, group_id) for token, group_id in zip(world.tokens, group_ids, strict=True)]
    )


def test_two_groups_placed_in_a_hosts_last_beds_at_once_one_is_refused(world: World) -> None:
    for number in range(ROUNDS):
        host_id, group_ids = a_host_with_two_beds_and_two_groups_of_two(world, number)
        results = place_both_at_once(world, host_id, group_ids)
        statuses = sorted(status for status, _body in results)
        assert statuses == [200, 409], results
        refused = next(body for status, body in results if status == 409)
        assert "0 beds left that night, too few for 2 people" in refused["message"]
        with world.app.app_context():
            placed = db.session.scalars(
                select(HostingGroup).where(HostingGroup.host_id == host_id)
            ).all()
            assert len(placed) == 1
            assert placed[0].board.night == local_today()
            db.session.remove()
