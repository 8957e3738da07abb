"""Consumption between full tanks, checked against a series worked out by hand, through
the computation itself, the service and database, and the API."""

import random
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from flask.testing import FlaskClient

from app.models import User
from logistics import queries
from logistics.consumption import Reading, measure
from logistics.models import FillUp, Vehicle

# A van with an 80-litre tank, fuel at 1.70 EUR a litre. Worked out by hand:
#
#  #  day        km      litres  cost     tank     note
#  1  1 Mar   10,000    50.00    85.00   full     first full tank: the count starts here;
#                                                   its litres filled a tank of unknown level
#  2  5 Mar   10,400    20.00    34.00   partial  carried to the next full tank
#  3  9 Mar   10,800    62.00   105.40   full     A: 10,000 -> 10,800 = 800 km,
#                                                   20.00 + 62.00 = 82.00 l, 34.00 + 105.40
#                                                   = 139.40 EUR: 82.00 / 800 = 10.25 l/100 km,
#                                                   13,940 / 800 = 17.425 -> 17.43 cents/km
#  4  14 Mar  11,300    45.50    77.35   full     B: 500 km, 45.50 l, 77.35 EUR: 9.10 l/100 km,
#                                                   7,735 / 500 = 15.47 cents/km
#  5  20 Mar  11,900    30.00    51.00   partial  carried... but the next fill-up was missed:
#     (a fill-up here was not recorded)
#  6  28 Mar  12,700    40.00    68.00   full     "missed": the count starts again here, and
#                                                   #5's 30 litres are dropped
#  7  2 Apr   13,100    42.00    71.40   full     C: 400 km, 42.00 l, 71.40 EUR: 10.50 l/100 km,
#                                                   17.85 cents/km
#  8  6 Apr   13,350    25.00    42.50   partial  "missed" on a partial: no start until the
#                                                   next full tank
#  9  10 Apr  13,700    35.00    59.50   full     the count starts again here
# 10  15 Apr  14,300    20.50    34.85   partial  carried to the next full tank
# 11  18 Apr  14,600    40.25    68.43   full     D: 13,700 -> 14,600 = 900 km, 20.50 + 40.25
#                                                   = 60.75 l, 34.85 + 68.43 = 103.28 EUR:
#                                                   60.75 / 900 = 6.75 l/100 km,
#                                                   10,328 / 900 = 11.4755... -> 11.48 cents/km
#
# Over A to D: 800 + 500 + 400 + 900 = 2,600 km; 82.00 + 45.50 + 42.00 + 60.75 = 230.25 l;
# 139.40 + 77.35 + 71.40 + 103.28 = 391.43 EUR. 230.25 / 2,600 = 8.8557... -> 8.86 l/100 km
# (not the mean of the four, 9.15); 39,143 / 2,600 = 15.055 -> 15.06 cents/km.
SERIES = [
    (date(2025, 3, 1), 10_000, "50.00", 8500, True, False),
    (date(2025, 3, 5), 10_400, "20.00", 3400, False, False),
    (date(2025, 3, 9), 10_800, "62.00", 10540, True, False),
    (date(2025, 3, 14), 11_300, "45.50", 7735, True, False),
    (date(2025, 3, 20), 11_900, "30.00", 5100, False, False),
    (date(2025, 3, 28), 12_700, "40.00", 6800, True, True),
    (date(2025, 4, 2), 13_100, "42.00", 7140, True, False),
    (date(2025, 4, 6), 13_350, "25.00", 4250, False, True),
    (date(2025, 4, 10), 13_700, "35.00", 5950, True, False),
    (date(2025, 4, 15), 14_300, "20.50", 3485, False, False),
    (date(2025, 4, 18), 14_600, "40.25", 6843, True, False),
]
EXPECTED_INTERVALS = [
    # start km, end km, centilitres, cents, l/100 km, cents/km
    (10_000, 10_800, 8200, 13940, "10.25", "17.43"),
    (10_800, 11_300, 4550, 7735, "9.10", "15.47"),
    (12_700, 13_100, 4200, 7140, "10.50", "17.85"),
    (13_700, 14_600, 6075, 10328, "6.75", "11.48"),
]


def readings() -> list[Reading]:
    return [
        Reading(day, km, int(Decimal(litres) * 100), cents, full, missed)
        for day, km, litres, cents, full, missed in SERIES
    ]


def check(consumption: Any) -> None:
    found = [
        (
            interval.start_km,
            interval.end_km,
            interval.litres_cl,
            interval.cost_cents,
            str(interval.litres_per_100km),
            str(interval.cost_per_km_cents),
        )
        for interval in consumption.intervals
    ]
    assert found == EXPECTED_INTERVALS
    assert consumption.distance_km == 2600
    assert consumption.litres_cl == 23025
    assert consumption.cost_cents == 39143
    assert consumption.litres_per_100km == Decimal("8.86")
    assert consumption.cost_per_km_cents == Decimal("15.06")


def test_the_hand_worked_series() -> None:
    check(measure(readings()))


@pytest.fixture
def series(
    db_session: Any, make_vehicle: Callable[..., Vehicle], fill: Callable[..., FillUp]
) -> Vehicle:
    """The series recorded through the service, days out of order (a receipt typed in
    late): each reading fits between those of earlier and later days."""
    vehicle = make_vehicle(tank_litres=80, odometer_km=10_000)
    for day, km, litres, cents, full, missed in random.Random(7).sample(SERIES, len(SERIES)):
        fill(vehicle, day, km, litres, cents, full_tank=full, missed_previous=missed)
    return vehicle


def test_the_series_recorded_gives_the_same_figures(db_session: Any, series: Vehicle) -> None:
    check(queries.consumption_of(db_session, series.id))


def test_the_api_gives_the_same_figures(
    client: FlaskClient,
    admin: User,
    series: Vehicle,
    api_token: Callable[[User], dict[str, str]],
) -> None:
    response = client.get(f"/api/v1/vehicles/{series.id}/consumption", headers=api_token(admin))
    assert response.status_code == 200, response.json
    body = response.json
    assert body["distance_km"] == 2600
    assert body["litres"] == 230.25
    assert body["cost_cents"] == 39143
    assert body["litres_per_100km"] == 8.86
    assert body["cost_per_km_cents"] == 15.06
    assert [interval["litres_per_100km"] for interval in body["intervals"]] == [
        10.25,
        9.1,
        10.5,
        6.75,
    ]
    assert body["intervals"][0]["start_date"] == "2025-03-01"
    assert body["intervals"][3]["end_date"] == "2025-04-18"


def test_the_vehicle_page_shows_the_figures(
    login: Callable[[User], FlaskClient], admin: User, series: Vehicle
) -> None:
    page = login(admin).get(f"/logistics/vehicles/{series.id}").get_data(as_text=True)
    assert "8.86 l/100 km" in page and "€0.15 per km" in page
    assert "Measured over 2,600 km, between full tanks (4 intervals)." in page
    assert "<svg" in page and 'role="img"' in page


def test_voiding_a_fill_up_takes_it_out_of_the_figures(
    db_session: Any, series: Vehicle, admin: User
) -> None:
    from logistics import services

    fourth = db_session.query(FillUp).filter_by(vehicle_id=series.id, odometer_km=11_300).one()
    services.void_fill_up(db_session, actor=admin, fill_up_id=fourth.id, reason="twice")
    # Without #4, A's end (#3, 10,800) runs to #5 (partial) and #6 (missed): only A, C, D.
    consumption = queries.consumption_of(db_session, series.id)
    assert [interval.start_km for interval in consumption.intervals] == [10_000, 12_700, 13_700]


def test_nothing_to_measure_before_two_full_tanks() -> None:
    partial_first = [
        Reading(date(2025, 1, 1), 100, 2000, 3400, False, False),
        Reading(date(2025, 1, 2), 300, 3000, 5100, True, False),
    ]
    assert measure(partial_first).intervals == []
    assert measure(partial_first).litres_per_100km is None
    topped_up = [*partial_first, Reading(date(2025, 1, 2), 300, 500, 850, True, False)]
    assert measure(topped_up).intervals == []
