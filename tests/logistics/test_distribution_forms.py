"""Garbage in every field of every distribution form: a message, never a server error."""

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from app.clock import local_today
from logistics.models import Distribution
from tests.logistics.conftest import PlanWorld

FIELDS = [
    "team_id",
    "label",
    "place_site_id",
    "starts_at",
    "ends_at",
    "expected_people",
    "team_size",
    "vehicle_id",
    "lead_id",
    "notes",
    "item_id",
    "gender",
    "size",
    "quantity",
    "code",
    "stock_item_id",
    "crate_id",
    "served_adults",
    "served_minors",
    "served_families",
    "event_id",
]
VALUES = ["", "abc", "-1", "0", "99999999999999999999", "1e3", "12:00+01:00", "🚐" * 300]


@pytest.mark.parametrize("value", VALUES)
def test_garbage_never_breaks_a_distribution_form(
    coordinator: FlaskClient,
    plan_world: PlanWorld,
    make_distribution: Callable[..., Distribution],
    value: str,
) -> None:
    distribution = make_distribution()
    day = local_today().isoformat()
    base = f"/logistics/distributions/{distribution.id}"
    data: dict[str, Any] = {field: value for field in FIELDS}
    data[f"handed_out_{plan_world.meals.id}"] = value
    for url in (
        f"/logistics/day/{day}/generate",
        f"/logistics/day/{day}/new",
        f"{base}/edit",
        f"{base}/lines",
        f"{base}/needs",
        f"{base}/load",
        f"{base}/unload",
        f"{base}/set-off",
        f"{base}/record",
        f"{base}/cancel",
    ):
        response = coordinator.post(url, data=data)
        assert response.status_code < 500, (url, value, response.status_code)
