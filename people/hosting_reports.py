"""Hosting's section of the reports and of the partner report (registered with
logistics.report_sections): nights, people hosted and not placed, hosts active, per week
and per month, as a chart with its tables and CSV. Counts only."""

from collections.abc import Mapping

from flask_babel import format_date
from flask_babel import gettext as _

from app.extensions import Session
from app.i18n import tick
from logistics.charts import column_chart
from logistics.report_sections import ReportSection
from logistics.reports import Period
from people import queries


def report_context(session: Session, period: Period) -> Mapping[str, object]:
    weeks = queries.hosting_figures(session, period, monthly=False)
    return {
        "weeks": weeks,
        "months": queries.hosting_figures(session, period, monthly=True),
        "total": queries.hosting_total(session, period),
        "chart": column_chart(
            [(format_date(week.start, "d MMM"), week.placed.total) for week in weeks], tick
        ),
    }


def partner_rows(session: Session, period: Period) -> list[list[object]]:
    total = queries.hosting_total(session, period)
    return [
        [_("Nights of citizen hosting"), total.nights],
        [_("People hosted"), total.placed.total],
        [_("Adults hosted"), total.placed.adults],
        [_("Minors hosted"), total.placed.minors],
        [_("Children under 10 hosted"), total.placed.children_under_10],
        [_("People not placed"), total.not_placed],
        [_("Hosts active"), total.hosts_active],
    ]


SECTION = ReportSection(
    template="people/hosting/_report.html",
    partner_template="people/hosting/_partner_report.html",
    context=report_context,
    partner_rows=partner_rows,
)
