"""Logistics pages as a French reader reads them: a label and its figure with the space
French puts before a colon."""

from collections.abc import Callable

from flask.testing import FlaskClient

from app.clock import local_today
from logistics.models import Distribution
from tests.logistics.conftest import PlanWorld


def test_the_day_boards_counts_have_french_typography(
    coordinator: FlaskClient, plan_world: PlanWorld, make_distribution: Callable[..., Distribution]
) -> None:
    make_distribution(label="Soupe")
    make_distribution(label="Petit déjeuner")
    day = local_today().isoformat()
    page = coordinator.get(f"/logistics/day/{day}", headers={"Accept-Language": "fr"})
    html = page.get_data(as_text=True)
    assert "Prévue\u00a0: 2" in html and "Prévue: 2" not in html
    english = coordinator.get(f"/logistics/day/{day}", headers={"Accept-Language": "en"})
    assert "Planned: 2" in english.get_data(as_text=True)
