"""Sections another package adds to the reports: a package that builds on logistics
(people, with its hosting figures) registers one at start-up. Logistics imports nothing
of that package: the reports page, the partner report and its CSV ask here."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from app.extensions import Session
from logistics.reports import Period


@dataclass(frozen=True)
class ReportSection:
    """A template included on the reports page and one on the partner report, both
    given `section` (what `context` reads for the period), and the lines the section
    adds to the partner report's CSV."""

    template: str
    partner_template: str
    context: Callable[[Session, Period], Mapping[str, object]]
    partner_rows: Callable[[Session, Period], list[list[object]]]


SECTIONS: list[ReportSection] = []


def register_report_section(section: ReportSection) -> None:
    """Called from a package's init_app; the same section twice (one app per test)
    is kept once."""
    if section not in SECTIONS:
        SECTIONS.append(section)


def sections_for(
    session: Session, period: Period
) -> list[tuple[ReportSection, Mapping[str, object]]]:
    return [(section, section.context(session, period)) for section in SECTIONS]
