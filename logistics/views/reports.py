"""Reports of distributions and vans for a period (?from=, ?to=, ?team=): the page with
its charts and tables, a CSV of each table, and the aggregate figures a coordinator
shares with partner organisations, printable and as CSV. Counts and totals only."""

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from flask import Response, current_app, render_template, request
from flask_babel import format_date, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.clock import local_today
from app.errors import InvalidInput
from app.exports import csv_response
from app.extensions import db
from app.forms import read_date
from app.i18n import tick
from app.inputs import database_int
from app.money import whole_euros
from app.permissions import requires
from inventory.models import Unit
from logistics import queries, reports
from logistics.charts import Chart, category_chart, column_chart
from logistics.models import Team
from logistics.report_sections import SECTIONS, sections_for
from logistics.reports import HandedOut, MonthFuelCost, Period, Served, WeekServed
from logistics.views.common import bp


def whole(value: int) -> str:
    """A count as a person reads it in their language: 1,250 or 1 250."""
    return format_decimal(value, format="#,##0")


def hundredths(value: int) -> str:
    """Cents as euros, centilitres as litres, for a spreadsheet: 12.50."""
    return f"{Decimal(value) / 100:.2f}"


def handed_out_label(row: HandedOut) -> str:
    """The category, and its unit unless things are counted one by one."""
    category = row.category.label
    if row.unit == Unit.PIECE:
        return category
    return _("%(category)s (%(unit)s)", category=category, unit=row.unit.label)


# --- the period asked for -------------------------------------------------------------


def read_team(args: Mapping[str, str], teams: Sequence[Team]) -> int | None:
    raw = (args.get("team") or "").strip()
    if not raw:
        return None
    try:
        team_id = database_int(raw)
    except ValueError:
        team_id = None
    if team_id not in {team.id for team in teams}:
        raise InvalidInput(_("This filter is not known."), field="team")
    return team_id


def read_period(args: Mapping[str, str], teams: Sequence[Team]) -> Period:
    """The period of the URL, the default one if it names no day; InvalidInput (a 422
    with its message) if it names a wrong one."""
    start, end = read_date(args, "from"), read_date(args, "to")
    team_id = read_team(args, teams)
    if start is None and end is None:
        return reports.default_period(db.session, team_id)
    return reports.make_period(start, end, team_id)


def asked_period(teams: Sequence[Team]) -> tuple[Period, InvalidInput | None]:
    """For a page: the period asked for or, if it is wrong, the default one and why."""
    try:
        return read_period(request.args, teams), None
    except InvalidInput as error:
        return reports.default_period(db.session), error


def team_of(period: Period, teams: Sequence[Team]) -> Team | None:
    return next((team for team in teams if team.id == period.team_id), None)


def csv_period(name: str, teams: Sequence[Team] | None = None) -> tuple[Period, str]:
    """The period of a CSV download, and the file's name, which says the period."""
    period = read_period(request.args, queries.list_teams(db.session) if teams is None else teams)
    return period, f"{name}-{period.start.isoformat()}-{period.end.isoformat()}.csv"


# --- charts ---------------------------------------------------------------------------


# One chart per unit: pieces, packs, kilograms and litres are not drawn on one scale.
HANDED_OUT_TITLES = {
    Unit.PIECE: _l("Pieces handed out per category"),
    Unit.PAIR: _l("Pairs handed out per category"),
    Unit.PACK: _l("Packs handed out per category"),
    Unit.KG: _l("Kilograms handed out per category"),
    Unit.LITRE: _l("Litres handed out per category"),
}


def people_chart(weeks: list[WeekServed]) -> Chart:
    return column_chart(
        [(format_date(week.monday, "d MMM"), week.served.people) for week in weeks], tick
    )


def handed_out_charts(rows: list[HandedOut]) -> list[tuple[str, Chart]]:
    """A chart of the categories for each unit handed out, titled with the unit."""
    return [
        (
            str(title),
            category_chart(
                [(row.category.label, row.quantity) for row in rows if row.unit == unit],
                tick,
            ),
        )
        for unit, title in HANDED_OUT_TITLES.items()
        if any(row.unit == unit for row in rows)
    ]


def fuel_cost_chart(months: list[MonthFuelCost]) -> Chart:
    return column_chart(
        [
            (format_date(month.month, "MMM yy"), month.per_distribution_cents or 0)
            for month in months
        ],
        whole_euros,
    )


# --- pages ----------------------------------------------------------------------------


def page_context(
    period: Period, teams: Sequence[Team], error: InvalidInput | None
) -> dict[str, object]:
    """What both report pages show of the period and its form, and whether the default
    period ends at the latest distribution done instead of today."""
    by_default = error is not None or not (request.args.get("from") or request.args.get("to"))
    return {
        "period": period,
        "teams": teams,
        "team": team_of(period, teams),
        "error": error,
        "default_weeks": reports.DEFAULT_WEEKS,
        "ends_at_latest": by_default and period.end < local_today(),
        "whole": whole,
    }


@bp.get("/reports")
@requires("reports.view")
def reports_page() -> tuple[str, int]:
    """People served, what was handed out and fuel, for a period; a wrong date shows the
    default period with the message."""
    teams = queries.list_teams(db.session)
    period, error = asked_period(teams)
    weeks = reports.people_served_by_week(db.session, period)
    handed_out = reports.handed_out_by_category(db.session, period)
    fuel_costs = reports.fuel_cost_per_distribution(db.session, period)
    page = render_template(
        "logistics/reports.html",
        **page_context(period, teams, error),
        weeks=weeks,
        people_chart=people_chart(weeks),
        total=reports.total_served(db.session, period),
        places=reports.people_served_by_place(db.session, period),
        handed_out=handed_out,
        handed_out_charts=handed_out_charts(handed_out),
        fuel=reports.fuel_by_vehicle_month(db.session, period),
        fuel_costs=fuel_costs,
        fuel_cost_chart=fuel_cost_chart(fuel_costs),
        sections=sections_for(db.session, period),
    )
    return page, 422 if error else 200


@bp.get("/reports/partners")
@requires("reports.view")
def partner_report() -> tuple[str, int]:
    """Aggregate figures to share with partner organisations: nothing about anyone."""
    teams = queries.list_teams(db.session)
    period, error = asked_period(teams)
    figures = reports.partner_figures(db.session, period)
    page = render_template(
        "logistics/partners.html",
        **page_context(period, teams, error),
        figures=figures,
        organisation=current_app.config["ORGANISATION_NAME"],
        handed_out_charts=handed_out_charts(figures.handed_out),
        sections=sections_for(db.session, period),
    )
    return page, 422 if error else 200


# --- CSV downloads --------------------------------------------------------------------


def served_header() -> list[str]:
    return [_("Distributions"), _("Adults"), _("Minors"), _("People"), _("Families")]


def served_cells(served: Served) -> list[int]:
    return [served.distributions, served.adults, served.minors, served.people, served.families]


@bp.get("/reports/people-by-week.csv")
@requires("reports.view")
def people_by_week_csv() -> Response:
    period, filename = csv_period("people-by-week")
    rows = (
        [week.code, week.monday.isoformat(), *served_cells(week.served)]
        for week in reports.people_served_by_week(db.session, period)
    )
    return csv_response(filename, [_("Week"), _("Monday"), *served_header()], rows)


@bp.get("/reports/people-by-place.csv")
@requires("reports.view")
def people_by_place_csv() -> Response:
    period, filename = csv_period("people-by-place")
    rows = (
        [place.place, *served_cells(place.served)]
        for place in reports.people_served_by_place(db.session, period)
    )
    return csv_response(filename, [_("Place"), *served_header()], rows)


def handed_out_rows(rows: Iterable[HandedOut]) -> Iterable[list[object]]:
    return ([row.category.label, row.unit.label, row.quantity] for row in rows)


@bp.get("/reports/handed-out.csv")
@requires("reports.view")
def handed_out_csv() -> Response:
    period, filename = csv_period("handed-out")
    rows = handed_out_rows(reports.handed_out_by_category(db.session, period))
    return csv_response(filename, [_("Category"), _("Unit"), _("Handed out")], rows)


@bp.get("/reports/fuel-by-vehicle.csv")
@requires("reports.view")
def fuel_by_vehicle_csv() -> Response:
    period, filename = csv_period("fuel-by-vehicle")
    rows = (
        [
            row.vehicle,
            row.month.strftime("%Y-%m"),
            hundredths(row.litres_cl),
            hundredths(row.cost_cents),
            row.fill_ups,
        ]
        for row in reports.fuel_by_vehicle_month(db.session, period)
    )
    header = [_("Vehicle"), _("Month"), _("Litres"), _("Cost"), _("Fill-ups")]
    return csv_response(filename, header, rows)


def per_distribution_cell(month: MonthFuelCost) -> str:
    cents = month.per_distribution_cents
    return "" if cents is None else hundredths(cents)


@bp.get("/reports/fuel-per-distribution.csv")
@requires("reports.view")
def fuel_per_distribution_csv() -> Response:
    period, filename = csv_period("fuel-per-distribution")
    rows = (
        [
            month.month.strftime("%Y-%m"),
            hundredths(month.cost_cents),
            month.distributions,
            per_distribution_cell(month),
        ]
        for month in reports.fuel_cost_per_distribution(db.session, period)
    )
    header = [_("Month"), _("Fuel cost"), _("Distributions"), _("Fuel cost per distribution")]
    return csv_response(filename, header, rows)


def partner_rows(period: Period, team: Team | None) -> list[list[object]]:
    figures = reports.partner_figures(db.session, period)
    served = figures.served
    rows: list[list[object]] = [
        [_("Organisation"), current_app.config["ORGANISATION_NAME"]],
        [_("From"), period.start.isoformat()],
        [_("To"), period.end.isoformat()],
        [_("Team"), team.name if team else _("All teams")],
        [_("Distributions"), served.distributions],
        [_("People served"), served.people],
        [_("Adults"), served.adults],
        [_("Minors"), served.minors],
        [_("Families"), served.families],
        [_("Distribution points"), figures.places],
        [_("Kilometres driven (whole fleet)"), figures.km_driven],
        [_("Litres of fuel (whole fleet)"), hundredths(figures.litres_cl)],
    ]
    handed_out = [
        [_("Handed out: %(what)s", what=handed_out_label(row)), row.quantity]
        for row in figures.handed_out
    ]
    added = [line for section in SECTIONS for line in section.partner_rows(db.session, period)]
    return rows + handed_out + added


@bp.get("/reports/partners.csv")
@requires("reports.view")
def partner_report_csv() -> Response:
    teams = queries.list_teams(db.session)
    period, filename = csv_period("partners", teams)
    team = team_of(period, teams)
    return csv_response(filename, [_("Figure"), _("Value")], partner_rows(period, team))
