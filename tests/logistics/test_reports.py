"""Reports of distributions and vans: figures worked out by hand from distributions run
through the services (planned, loaded, set off, recorded) and fill-ups and trips
recorded through theirs, on the pages and in the CSVs."""

import csv
import html
import io
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.clock import local_today
from app.errors import InvalidInput
from app.models import Role, User
from inventory.models import Item, Site, SiteKind, StockItem
from inventory.services import LineInput, get_stock_item, receive_loose
from logistics import charts, reports, services
from logistics.models import Distribution, FillUp, Team, Vehicle
from tests.logistics.conftest import PlanWorld
from tests.logistics.factories import add_team, distribution_input, start_trip

MARCH = "from=2025-03-01&to=2025-03-31"
CSV_NAMES = (
    "people-by-week",
    "people-by-place",
    "handed-out",
    "fuel-by-vehicle",
    "fuel-per-distribution",
    "partners",
)

# Loaded, handed out, brought back (the rest is written off).
Outcome = tuple[StockItem, int, int, int]


def run_distribution(
    db_session: Any,
    world: PlanWorld,
    admin: User,
    day: date,
    served: tuple[int, int, int],
    outcomes: list[Outcome],
    *,
    team: Team | None = None,
    place: Site | None = None,
) -> Distribution:
    """A distribution planned (on its day), picked, loaded, set off and recorded."""
    distribution = services.plan_distribution(
        db_session,
        actor=admin,
        team_id=(team or world.team).id,
        day=day,
        data=distribution_input(
            (place or world.place).id, vehicle_id=world.van.id, lead_id=world.lead.id
        ),
        today=day,
    )
    for stock_item, loaded, _, _ in outcomes:
        services.set_pick_line(
            db_session,
            actor=admin,
            distribution_id=distribution.id,
            item_id=stock_item.item_id,
            quantity=loaded,
        )
        services.load_loose(
            db_session,
            actor=world.lead,
            distribution_id=distribution.id,
            stock_item_id=stock_item.id,
            quantity=loaded,
        )
    services.set_off(db_session, actor=world.lead, distribution_id=distribution.id)
    services.record_run(
        db_session,
        actor=world.lead,
        distribution_id=distribution.id,
        served=services.Served(*served),
        loose={
            stock_item.id: services.LooseOutcome(handed_out, returned)
            for stock_item, _, handed_out, returned in outcomes
        },
        crates_back=set(),
    )
    db_session.commit()
    return distribution


def trip(
    db_session: Any, admin: User, van: Vehicle, out: tuple[str, int], back: tuple[str, int]
) -> None:
    """A trip out at a UTC moment with an odometer reading, and back in."""
    started = start_trip(db_session, admin, van, out[1], moment=datetime.fromisoformat(out[0]))
    services.check_in_vehicle(
        db_session,
        actor=admin,
        trip_id=started.id,
        odometer_km=back[1],
        moment=datetime.fromisoformat(back[0]),
    )
    db_session.commit()


@dataclass
class ReportWorld:
    plan: PlanWorld
    other_team: Team


@pytest.fixture
def report_world(
    db_session: Any,
    admin: User,
    plan_world: PlanWorld,
    make_site: Callable[..., Site],
    make_item: Callable[..., Item],
    make_vehicle: Callable[..., Vehicle],
    fill: Callable[..., FillUp],
) -> ReportWorld:
    """March and April 2025, worked out by hand:

    | day          | team  | place      | adults/minors/families | handed out           |
    | Mon 3 March  | plan  | plan place | 40 / 10 / 4            | 45 meals, 18 l water |
    | Tue 4 March  | other | plan place | 5 / 5 / 1              | 5 meals              |
    | Wed 5 March  | plan  | =HYPERLINK | 30 / 5 / 2             | 30 meals             |
    | Tue 18 March | plan  | plan place | 20 / 0 / 0             | 10 soaps             |
    | Wed 2 April  | plan  | plan place | 10 / 2 / 1             | 10 meals             |
    A distribution planned for 4 March and cancelled counts nowhere.

    Fuel: the van 40 l for 68.00 (4 March), 30.5 l for 51.85 (20 March), 10 l for 17.00
    (25 March, voided), 20 l for 34.00 (10 April); the "=Minibus" 25 l for 45.00
    (10 March). Trips of the van: 40 km on 3 March, 30 km leaving at 00:30 on 1 April
    in France (still 31 March in UTC), 100 km on 5 April."""
    world = plan_world
    soap = get_stock_item(db_session, make_item(category="hygiene").id)
    receive_loose(
        db_session,
        actor=admin,
        site_id=world.warehouse.id,
        line=LineInput(item_id=soap.item_id, quantity=50),
    )
    other_team = add_team(db_session, "Dunkerque", world.warehouse.id)
    odd_place = make_site(kind=SiteKind.DISTRIBUTION_POINT, name='=HYPERLINK("http://x")')
    db_session.commit()
    meals, water = world.meals, world.water
    run = partial(run_distribution, db_session, world, admin)
    run(date(2025, 3, 3), (40, 10, 4), [(meals, 50, 45, 5), (water, 20, 18, 0)])
    run(date(2025, 3, 4), (5, 5, 1), [(meals, 5, 5, 0)], team=other_team)
    run(date(2025, 3, 5), (30, 5, 2), [(meals, 30, 30, 0)], place=odd_place)
    run(date(2025, 3, 18), (20, 0, 0), [(soap, 10, 10, 0)])
    run(date(2025, 4, 2), (10, 2, 1), [(meals, 10, 10, 0)])
    cancelled = services.plan_distribution(
        db_session,
        actor=admin,
        team_id=world.team.id,
        day=date(2025, 3, 4),
        data=distribution_input(world.place.id, label="Evening"),
        today=date(2025, 3, 4),
    )
    services.cancel_distribution(db_session, actor=admin, distribution_id=cancelled.id)
    db_session.commit()

    van = world.van
    minibus = make_vehicle(name="=Minibus", tank_litres=70)
    drive = partial(trip, db_session, admin, van)
    drive(("2025-03-03T08:00+00:00", 10_050), ("2025-03-03T16:00+00:00", 10_090))
    fill(van, date(2025, 3, 4), 10_100, "40", 6800)
    fill(minibus, date(2025, 3, 10), 10_050, "25", 4500)
    fill(van, date(2025, 3, 20), 10_500, "30.5", 5185)
    wrong = fill(van, date(2025, 3, 25), 10_600, "10", 1700)
    services.void_fill_up(db_session, actor=admin, fill_up_id=wrong.id, reason="typed twice")
    db_session.commit()
    drive(("2025-03-31T22:30+00:00", 10_650), ("2025-04-01T08:00+00:00", 10_680))
    drive(("2025-04-05T08:00+00:00", 10_700), ("2025-04-05T18:00+00:00", 10_800))
    fill(van, date(2025, 4, 10), 10_900, "20", 3400)
    return ReportWorld(world, other_team)


def get_csv(client: FlaskClient, path: str) -> list[list[str]]:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def own_part(page: str) -> str:
    """A report page without the sections other packages add (logistics.report_sections)."""
    return page.split('<div class="added-section">')[0]


def table_rows(page: str) -> list[list[str]]:
    """Every row of every table of a page, as the text of its cells (the sections other
    packages add left out)."""
    page = own_part(page)
    return [
        [html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in cells]
        for row in re.findall(r"<tr>(.*?)</tr>", page, re.S)
        if (cells := re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S))
    ]


def row_of(page: str, first_cell: str) -> list[str]:
    found = [row for row in table_rows(page) if row[0] == first_cell]
    assert len(found) == 1, f"no single row {first_cell!r} in {table_rows(page)}"
    return found[0]


# --- periods --------------------------------------------------------------------------


def test_the_default_period_is_the_last_twelve_weeks_up_to_today() -> None:
    period = reports.make_period(None, None, today=date(2025, 3, 31))
    assert (period.start, period.end) == (date(2025, 1, 13), date(2025, 3, 31))
    assert len(period.weeks) == 12 and period.weeks[0] == date(2025, 1, 13)
    assert period.months == [date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)]
    later = reports.make_period(None, date(2025, 3, 30))
    assert later.start == date(2025, 1, 6), "12 weeks up to the end asked for"


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (date(2025, 4, 1), date(2025, 3, 1), "must end on or after"),
        (date(1999, 12, 31), date(2025, 3, 1), "from 2000 to 2999"),
        (date(2025, 1, 1), date(3000, 1, 1), "from 2000 to 2999"),
        (date(2020, 1, 1), date(2023, 1, 5), "at most 3 years"),
    ],
)
def test_a_period_is_bounded(start: date, end: date, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        reports.make_period(start, end)


@pytest.mark.parametrize(
    "query", ["to=0001-01-01", "from=0001-01-01", "to=9999-12-31", "from=9999-12-31"]
)
def test_a_period_at_the_ends_of_the_calendar_is_refused_clearly(
    coordinator: FlaskClient, query: str
) -> None:
    page = coordinator.get(f"/logistics/reports?{query}")
    assert page.status_code == 422
    assert "Choose a date from 2000 to 2999." in page.get_data(as_text=True)
    for url in (
        f"/logistics/reports/people-by-week.csv?{query}",
        f"/logistics/reports/partners?{query}",
    ):
        assert coordinator.get(url).status_code == 422, url


def test_weeks_are_iso_weeks_across_the_new_year(
    db_session: Any, admin: User, plan_world: PlanWorld
) -> None:
    """Wednesday 1 January and Sunday 5 January 2025 are in week 1, which starts on
    Monday 30 December 2024; the database groups them so, SQLite and PostgreSQL alike."""
    meals = plan_world.meals
    for day, adults in ((date(2024, 12, 29), 7), (date(2025, 1, 1), 10), (date(2025, 1, 5), 3)):
        run_distribution(db_session, plan_world, admin, day, (adults, 1, 0), [(meals, 2, 2, 0)])
    period = reports.make_period(date(2024, 12, 23), date(2025, 1, 12))
    weeks = reports.people_served_by_week(db_session, period)
    assert [(week.code, week.monday, week.served.people) for week in weeks] == [
        ("2024-W52", date(2024, 12, 23), 8),
        ("2025-W01", date(2024, 12, 30), 15),
        ("2025-W02", date(2025, 1, 6), 0),
    ]
    fuel_months = reports.fuel_cost_per_distribution(db_session, period)
    assert [(month.month, month.distributions) for month in fuel_months] == [
        (date(2024, 12, 1), 1),
        (date(2025, 1, 1), 2),
    ]


# --- the reports page and its CSVs ----------------------------------------------------


def test_people_served_per_week_on_the_page_and_in_the_csv(
    coordinator: FlaskClient, report_world: ReportWorld
) -> None:
    response = coordinator.get(f"/logistics/reports?{MARCH}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    # Week, distributions, adults, minors, people, families.
    assert row_of(page, "week of 3 March 2025")[1:] == ["3", "75", "20", "95", "7"]
    assert row_of(page, "week of 17 March 2025")[1:] == ["1", "20", "0", "20", "0"]
    assert row_of(page, "week of 31 March 2025")[1:] == ["0", "0", "0", "0", "0"], (
        "2 April is after March"
    )
    assert row_of(page, "Total")[1:] == ["4", "95", "20", "115", "7"]
    assert "<title>3 Mar: 95</title>" in page, "the chart shows people per week"
    french = coordinator.get(f"/logistics/reports?{MARCH}", headers={"Accept-Language": "fr"})
    assert row_of(french.get_data(as_text=True), "semaine du 3 mars 2025")[1] == "3"

    rows = get_csv(coordinator, f"/logistics/reports/people-by-week.csv?{MARCH}")
    assert rows[0] == ["Week", "Monday", "Distributions", "Adults", "Minors", "People", "Families"]
    assert rows[1:] == [
        ["2025-W09", "2025-02-24", "0", "0", "0", "0", "0"],
        ["2025-W10", "2025-03-03", "3", "75", "20", "95", "7"],
        ["2025-W11", "2025-03-10", "0", "0", "0", "0", "0"],
        ["2025-W12", "2025-03-17", "1", "20", "0", "20", "0"],
        ["2025-W13", "2025-03-24", "0", "0", "0", "0", "0"],
        ["2025-W14", "2025-03-31", "0", "0", "0", "0", "0"],
    ]


def test_people_served_per_place_with_a_formula_safe_csv(
    coordinator: FlaskClient, report_world: ReportWorld
) -> None:
    place = report_world.plan.place.name
    page = coordinator.get(f"/logistics/reports?{MARCH}").get_data(as_text=True)
    assert row_of(page, place)[1:] == ["3", "65", "15", "80", "5"]
    rows = get_csv(coordinator, f"/logistics/reports/people-by-place.csv?{MARCH}")
    assert rows == [
        ["Place", "Distributions", "Adults", "Minors", "People", "Families"],
        [place, "3", "65", "15", "80", "5"],
        ['\'=HYPERLINK("http://x")', "1", "30", "5", "35", "2"],
    ]


def test_the_team_filter_keeps_to_one_teams_distributions(
    coordinator: FlaskClient, report_world: ReportWorld
) -> None:
    team = report_world.plan.team.id
    page = coordinator.get(f"/logistics/reports?{MARCH}&team={team}").get_data(as_text=True)
    assert row_of(page, "week of 3 March 2025")[1:] == ["2", "70", "15", "85", "6"]
    assert f'<option value="{team}" selected>' in page
    other = report_world.other_team.id
    rows = get_csv(coordinator, f"/logistics/reports/people-by-week.csv?{MARCH}&team={other}")
    assert rows[2] == ["2025-W10", "2025-03-03", "1", "5", "5", "10", "1"]
    handed = get_csv(coordinator, f"/logistics/reports/handed-out.csv?{MARCH}&team={other}")
    assert handed[1:] == [["Food and drink", "piece", "5"]]


def test_items_handed_out_per_category_and_unit(
    coordinator: FlaskClient, report_world: ReportWorld
) -> None:
    page = coordinator.get(f"/logistics/reports?{MARCH}").get_data(as_text=True)
    assert "<title>Food and drink: 18</title>" in page
    rows = get_csv(coordinator, f"/logistics/reports/handed-out.csv?{MARCH}")
    assert rows == [
        ["Category", "Unit", "Handed out"],
        ["Hygiene", "piece", "10"],
        ["Food and drink", "piece", "80"],
        ["Food and drink", "litre", "18"],
    ]
    spring = get_csv(coordinator, "/logistics/reports/handed-out.csv?from=2025-03-01&to=2025-04-30")
    assert spring[2] == ["Food and drink", "piece", "90"], "2 April's 10 meals as well"


def test_fuel_per_vehicle_and_month_leaves_voided_fill_ups_out(
    coordinator: FlaskClient, report_world: ReportWorld
) -> None:
    van = report_world.plan.van.name
    rows = get_csv(
        coordinator, "/logistics/reports/fuel-by-vehicle.csv?from=2025-03-01&to=2025-04-30"
    )
    assert rows == [
        ["Vehicle", "Month", "Litres", "Cost", "Fill-ups"],
        ["'=Minibus", "2025-03", "25.00", "45.00", "1"],
        [van, "2025-03", "70.50", "119.85", "2"],
        [van, "2025-04", "20.00", "34.00", "1"],
    ]
    page = coordinator.get(f"/logistics/reports?{MARCH}").get_data(as_text=True)
    assert ["=Minibus", "March 2025", "25", "€45.00", "1"] in table_rows(page)
    assert [van, "March 2025", "70.5", "€119.85", "2"] in table_rows(page)


def test_fuel_cost_per_distribution_is_the_months_fuel_over_its_distributions(
    coordinator: FlaskClient, report_world: ReportWorld
) -> None:
    """March: 68.00 + 51.85 + 45.00 = 164.85 over 4 distributions (every team's, the
    team filter notwithstanding) = 41.2125, so 41.21; April: 34.00 over 1."""
    spring = "from=2025-03-01&to=2025-04-30"
    team = report_world.plan.team.id
    rows = get_csv(
        coordinator, f"/logistics/reports/fuel-per-distribution.csv?{spring}&team={team}"
    )
    assert rows == [
        ["Month", "Fuel cost", "Distributions", "Fuel cost per distribution"],
        ["2025-03", "164.85", "4", "41.21"],
        ["2025-04", "34.00", "1", "34.00"],
    ]
    page = coordinator.get(f"/logistics/reports?{spring}").get_data(as_text=True)
    assert row_of(page, "March 2025") == ["March 2025", "€164.85", "4", "€41.21"]
    assert "divided by the distributions done" in page
    february = coordinator.get("/logistics/reports?from=2025-02-01&to=2025-02-28")
    assert row_of(february.get_data(as_text=True), "February 2025")[3] == "—"


def test_every_csv_keeps_to_the_period_and_says_it_in_its_name(
    coordinator: FlaskClient, report_world: ReportWorld
) -> None:
    page = coordinator.get(f"/logistics/reports?{MARCH}").get_data(as_text=True)
    for name in CSV_NAMES:
        link = f"/logistics/reports/{name}.csv?from=2025-03-01&amp;to=2025-03-31"
        assert link in page or name == "partners"
        response = coordinator.get(f"/logistics/reports/{name}.csv?{MARCH}")
        disposition = response.headers["Content-Disposition"]
        assert disposition == f'attachment; filename="{name}-2025-03-01-2025-03-31.csv"'
    assert coordinator.get("/logistics/reports/donors.csv").status_code == 404


def test_nothing_done_shows_empty_tables(
    coordinator: FlaskClient, report_world: ReportWorld
) -> None:
    page = coordinator.get("/logistics/reports?from=2025-02-01&to=2025-02-28").get_data(
        as_text=True
    )
    assert "No distribution was done in this period." in page
    assert "Nothing was handed out in this period." in page
    assert "No fill-up in this period." in page


# --- for partner organisations --------------------------------------------------------


def test_the_partner_page_shows_aggregates_and_nothing_personal(
    coordinator: FlaskClient, report_world: ReportWorld
) -> None:
    page = coordinator.get(f"/logistics/reports/partners?{MARCH}").get_data(as_text=True)
    figures = dict(re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", own_part(page)))
    assert figures == {
        "Distributions": "4",
        "People served": "115",
        "Adults": "95",
        "Minors": "20",
        "Families": "7",
        "Distribution points": "2",
        "Kilometres driven (whole fleet)": "40 km",
        "Litres of fuel (whole fleet)": "95.5",
    }
    assert ["Food and drink", "litre", "18"] in table_rows(page)
    lead = report_world.plan.lead
    assert lead.email not in page and lead.display_name not in page


def test_the_partner_csv_holds_no_personal_data(
    app: Flask, coordinator: FlaskClient, report_world: ReportWorld, admin: User
) -> None:
    rows = get_csv(coordinator, "/logistics/reports/partners.csv?from=2025-03-01&to=2025-04-30")
    # Then come the lines of the sections other packages add (logistics.report_sections).
    assert rows[:16] == [
        ["Figure", "Value"],
        ["Organisation", app.config["ORGANISATION_NAME"]],
        ["From", "2025-03-01"],
        ["To", "2025-04-30"],
        ["Team", "All teams"],
        ["Distributions", "5"],
        ["People served", "127"],
        ["Adults", "105"],
        ["Minors", "22"],
        ["Families", "8"],
        ["Distribution points", "2"],
        ["Kilometres driven (whole fleet)", "170"],
        ["Litres of fuel (whole fleet)", "115.50"],
        ["Handed out: Hygiene", "10"],
        ["Handed out: Food and drink", "90"],
        ["Handed out: Food and drink (litre)", "18"],
    ]
    text = repr(rows)
    for person in (report_world.plan.lead, admin):
        assert person.email not in text and person.display_name not in text


def test_a_team_on_the_partner_csv(coordinator: FlaskClient, report_world: ReportWorld) -> None:
    other = report_world.other_team
    rows = dict(get_csv(coordinator, f"/logistics/reports/partners.csv?{MARCH}&team={other.id}"))
    assert rows["Team"] == "Dunkerque" and rows["People served"] == "10"
    assert rows["Distribution points"] == "1"


# --- what the period form is sent ------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=yesterday", "“yesterday” is not a date."),
        ("from=2025-04-01&to=2025-03-01", "must end on or after the day it starts"),
        ("from=0001-01-01", "Choose a date from 2000 to 2999."),
        ("to=9999-12-31", "Choose a date from 2000 to 2999."),
        ("from=2000-01-01&to=2025-01-01", "at most 3 years"),
        ("team=abc", "This filter is not known."),
        ("team=99999999999", "This filter is not known."),
    ],
)
def test_a_wrong_period_is_explained_and_the_default_shown(
    coordinator: FlaskClient, query: str, message: str
) -> None:
    for path in ("/logistics/reports", "/logistics/reports/partners"):
        response = coordinator.get(f"{path}?{query}")
        assert response.status_code == 422
        page = response.get_data(as_text=True)
        assert message in html.unescape(page) and "Showing the last 12 weeks instead." in page
        today = local_today()
        assert f'name="to" value="{today.isoformat()}"' in page
    csv_response = coordinator.get(f"/logistics/reports/people-by-week.csv?{query}")
    assert csv_response.status_code == 422
    assert message in html.unescape(csv_response.get_data(as_text=True))


def test_the_default_period_counts_today_and_not_thirteen_weeks_ago(
    coordinator: FlaskClient, db_session: Any, admin: User, plan_world: PlanWorld
) -> None:
    today = local_today()
    meals = plan_world.meals
    run_distribution(db_session, plan_world, admin, today, (12, 3, 1), [(meals, 5, 5, 0)])
    long_ago = today - timedelta(weeks=13)
    run_distribution(db_session, plan_world, admin, long_ago, (50, 0, 0), [(meals, 5, 5, 0)])
    page = coordinator.get("/logistics/reports").get_data(as_text=True)
    assert row_of(page, "Total")[1:] == ["1", "12", "3", "15", "1"]
    rows = get_csv(coordinator, "/logistics/reports/people-by-week.csv")
    assert len(rows) == 13 and rows[-1][4:6] == ["3", "15"]


# --- who may read them ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.VOLUNTEER, 403), (Role.COORDINATOR, 200), (Role.TREASURER, 200), (Role.ADMIN, 200)],
)
def test_reports_are_for_coordinators_treasurers_and_admins(
    client_as: Callable[[Role], FlaskClient], role: Role, status: int
) -> None:
    client = client_as(role)
    paths = ["/logistics/reports", "/logistics/reports/partners"]
    paths += [f"/logistics/reports/{name}.csv" for name in CSV_NAMES]
    assert {path: client.get(path).status_code for path in paths} == dict.fromkeys(paths, status)


def test_signed_out_visitors_are_sent_to_sign_in(client: FlaskClient) -> None:
    response = client.get("/logistics/reports/partners.csv")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- charts ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SvgText:
    x: float
    y: float
    anchor: str
    text: str


@dataclass(frozen=True)
class SvgChart:
    title: str
    width: float
    font_size: float
    bars: list[tuple[float, str]]  # each bar's left edge and its title
    texts: list[SvgText]


def charts_of(page: str) -> dict[str, SvgChart]:
    """Every chart of a page by its title: its bars and its texts as drawn."""
    charts = {}
    svg = r'<svg viewBox="0 0 ([\d.]+) [\d.]+"[^>]*aria-label="([^"]*)"[^>]*font-size="([\d.]+)">'
    for width, title, font_size, body in re.findall(svg + "(.*?)</svg>", page, re.S):
        bars = [
            (float(x), html.unescape(name))
            for x, name in re.findall(
                r'<rect class="bar" x="([\d.]+)".*?<title>(.*?)</title>', body
            )
        ]
        texts = [
            SvgText(
                float(x), float(y), anchor, html.unescape(re.sub(r"<title>.*?</title>", "", text))
            )
            for x, y, anchor, text in re.findall(
                r'<text class="tick" x="([\d.]+)" y="([\d.]+)" text-anchor="(\w+)">(.*?)</text>',
                body,
            )
        ]
        charts[html.unescape(title)] = SvgChart(
            html.unescape(title), float(width), float(font_size), bars, texts
        )
    return charts


def spans(texts: list[SvgText], font_size: float) -> list[tuple[float, float]]:
    """Where centred texts run from and to, at about 0.6 of the font size a character."""
    return sorted(
        (text.x - len(text.text) * font_size * 0.3, text.x + len(text.text) * font_size * 0.3)
        for text in texts
    )


def test_categories_are_horizontal_bars_named_on_their_left_one_unit_a_chart(
    coordinator: FlaskClient, report_world: ReportWorld
) -> None:
    page = coordinator.get(f"/logistics/reports?{MARCH}").get_data(as_text=True)
    charts = charts_of(page)
    assert "Handed out per category" not in charts, "no chart adds pieces to litres"
    pieces = charts["Pieces handed out per category"]
    litres = charts["Litres handed out per category"]
    assert not {"Kilograms", "Packs", "Pairs"} & {title.split()[0] for title in charts}
    assert [title for _, title in pieces.bars] == ["Hygiene: 10", "Food and drink: 80"]
    assert [title for _, title in litres.bars] == ["Food and drink: 18"]
    for chart in (pieces, litres):
        names = [text for text in chart.texts if text.anchor == "end"]
        assert [name.text for name in names] == [title.split(":")[0] for _, title in chart.bars]
        left_edge = min(x for x, _ in chart.bars)
        assert all(name.x < left_edge for name in names), "names end left of the bars"
        rows = sorted(name.y for name in names)
        assert all(b - a >= chart.font_size for a, b in itertools.pairwise(rows))


def test_a_long_category_name_is_cut_short_with_its_full_name_on_hover() -> None:
    name = "Hygiène et soins des tout-petits, couches comprises"
    chart = charts.category_chart([(name, 3)], str)
    (label,) = [text for text in chart.labels if text.anchor == "end"]
    assert label.text.endswith("…") and len(label.text) < len(name) and label.title == name
    assert len(label.text) * charts.FONT_SIZE * 0.6 <= charts.NAME_WIDTH


def test_time_labels_are_thinned_out_so_that_none_overlap(
    coordinator: FlaskClient, report_world: ReportWorld
) -> None:
    year = "from=2024-04-01&to=2025-03-31"
    page = coordinator.get(f"/logistics/reports?{year}").get_data(as_text=True)
    for title in (
        "People served per week (weeks from Monday)",
        "Fuel cost per distribution, per month",
    ):
        chart = charts_of(page)[title]
        bottom = max(text.y for text in chart.texts)
        under_bars = [text for text in chart.texts if text.y == bottom]
        assert len(under_bars) >= 4, f"{title}: the time still reads"
        placed = spans(under_bars, chart.font_size)
        assert all(a[1] < b[0] for a, b in itertools.pairwise(placed)), f"{title}: {placed}"
        assert placed[0][0] >= 0 and placed[-1][1] <= chart.width, "inside the chart"


def test_long_time_labels_are_spread_wider() -> None:
    months = [(f"Septembre {year}", 1) for year in range(2000, 2024)]
    chart = charts.column_chart(months, str)
    under_bars = [text for text in chart.labels if text.anchor == "middle"]
    placed = spans(under_bars, charts.FONT_SIZE)
    assert 2 <= len(placed) < len(months)
    assert all(a[1] < b[0] for a, b in itertools.pairwise(placed))


# --- the default period ---------------------------------------------------------------


def test_the_default_period_opens_on_the_latest_distributions_done(
    coordinator: FlaskClient, report_world: ReportWorld
) -> None:
    """Nothing was done in the last 12 weeks: the page shows the 12 weeks up to 2 April
    2025 and says so."""
    page = coordinator.get("/logistics/reports").get_data(as_text=True)
    assert 'name="to" value="2025-04-02"' in page
    assert 'name="from" value="2025-01-13"' in page
    assert row_of(page, "Total")[1:] == ["5", "105", "22", "127", "8"]
    assert "No distribution was done in the last 12 weeks" in page
    assert re.search("the latest one, on (April 2, 2025|2 April 2025)", page)
    rows = get_csv(coordinator, "/logistics/reports/people-by-week.csv")
    assert rows[-1][:3] == ["2025-W14", "2025-03-31", "1"]
    team = report_world.other_team.id
    page = coordinator.get(f"/logistics/reports/partners?team={team}").get_data(as_text=True)
    assert 'name="to" value="2025-03-04"' in page, "the team's latest distribution"


def test_the_default_period_ends_today_when_it_holds_distributions(
    coordinator: FlaskClient, db_session: Any, admin: User, plan_world: PlanWorld
) -> None:
    today = local_today()
    run_distribution(db_session, plan_world, admin, today, (2, 0, 0), [(plan_world.meals, 2, 2, 0)])
    page = coordinator.get("/logistics/reports").get_data(as_text=True)
    assert f'name="to" value="{today.isoformat()}"' in page
    assert "No distribution was done in the last" not in page


# --- the partner report says whose figures they are and for when -------------------------


def test_the_partner_report_names_the_organisation_and_the_period(
    app: Flask, coordinator: FlaskClient, report_world: ReportWorld
) -> None:
    page = html.unescape(
        coordinator.get(f"/logistics/reports/partners?{MARCH}").get_data(as_text=True)
    )
    organisation = app.config["ORGANISATION_NAME"]
    assert f'<p class="organisation">{organisation}</p>' in page
    assert f"<title>{organisation} · " in page
    assert re.search("From (March 1, 2025|1 March 2025) to (March 31, 2025|31 March 2025)", page)
    rows = get_csv(coordinator, f"/logistics/reports/partners.csv?{MARCH}")
    assert rows[1:4] == [
        ["Organisation", organisation],
        ["From", "2025-03-01"],
        ["To", "2025-03-31"],
    ]
