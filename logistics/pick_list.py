"""The printed pick list a van's crew takes round the warehouse: for each distribution the
van does that day, what to take shelf by shelf (item category), what is already on the
van, what is left to load and which crates to take for it (with their place in the
warehouse), soonest expiry first.

Loaded and short figures come from the day plan's own checks (logistics.planning), so
the paper agrees with the day board. Crates are shared out like stock, in the order the
distributions start: a crate the lunch run takes is not offered to the evening run."""

import io
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from xml.sax.saxutils import escape

from flask_babel import format_date
from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from app.extensions import Session
from app.pdf_text import ONE_PDF_AT_A_TIME
from inventory.labels import label_fonts
from inventory.models import Category, Crate
from logistics.crate_picking import CratesByItem, share_crates
from logistics.models import (
    Distribution,
    DistributionStatus,
    Vehicle,
)
from logistics.planning import DistributionCheck, LineCheck, day_board
from logistics.services import get_vehicle

# Soonest expiry first, crates that never expire last, then the oldest.
MARGIN = 15 * mm
# Tick box, item, planned, on the van, to load, crates: the 180 mm between the margins.
COLUMNS = (9 * mm, 60 * mm, 18 * mm, 18 * mm, 23 * mm, 52 * mm)
SHORT_BACKGROUND = colors.Color(1, 0.9, 0.9)
HEADING_BACKGROUND = colors.Color(0.9, 0.9, 0.9)


# --- what the pick list shows -----------------------------------------------------------


@dataclass(frozen=True)
class Section:
    """One distribution of the pick list, with the crates to take per stock item."""

    check: DistributionCheck
    crates: CratesByItem


def sections_of(
    session: Session, checks: Sequence[DistributionCheck], shows: Callable[[Distribution], bool]
) -> list[Section]:
    shown = [check for check in checks if shows(check.distribution)]
    crates = share_crates(session, checks, {check.distribution.id for check in shown})
    return [Section(check, crates.get(check.distribution.id, {})) for check in shown]


def pick_list_pdf(
    session: Session, day: date, vehicle_id: int | None, team_id: int | None, locale: str
) -> bytes:
    """The pick list of one van (None: the distributions without a van) for a day, of one
    team or all; cancelled distributions are left out."""
    vehicle = get_vehicle(session, vehicle_id) if vehicle_id is not None else None
    board = day_board(session, day, team_id)

    def shows(distribution: Distribution) -> bool:
        return (
            distribution.vehicle_id == vehicle_id
            and distribution.status != DistributionStatus.CANCELLED
        )

    sections = sections_of(session, board.checks, shows)
    nothing = _("Nothing is planned for %(van)s on this day.", van=van_label(vehicle))
    return render(f"{van_label(vehicle)} · {long_day(day)}", sections, locale, nothing)


def distribution_pick_list_pdf(session: Session, distribution: Distribution, locale: str) -> bytes:
    """The pick list of one distribution, checked with its team's others that day (as on
    its page)."""
    board = day_board(session, distribution.day, distribution.team_id)
    sections = sections_of(session, board.checks, lambda other: other.id == distribution.id)
    title = f"{van_label(distribution.vehicle)} · {long_day(distribution.day)}"
    return render(title, sections, locale, "")


def van_label(vehicle: Vehicle | None) -> str:
    if vehicle is None:
        return _("Without a van")
    return f"{vehicle.name} ({vehicle.plate})"


def long_day(day: date) -> str:
    return format_date(day, "full")


def by_category(lines: Sequence[LineCheck], locale: str) -> list[tuple[Category, list[LineCheck]]]:
    """The lines shelf by shelf: categories in the catalogue's order, items by name."""
    groups: dict[Category, list[LineCheck]] = defaultdict(list)
    for line in lines:
        groups[Category(line.stock_item.item.category)].append(line)
    return [
        (category, sorted(groups[category], key=lambda line: line.stock_item.label(locale)))
        for category in Category
        if category in groups
    ]


def crate_and_place(crate: Crate) -> str:
    """A crate to take and where it is in the warehouse: "7K3M-Q9XA (Shelf B3)"."""
    return f"{crate.display_code} ({crate.place})" if crate.place else crate.display_code


def loose_to_take(line: LineCheck, crates: Sequence[Crate]) -> int:
    """Units still to load that the crates do not hold and the warehouse has."""
    in_crates = sum(
        crate_line.quantity
        for crate in crates
        for crate_line in crate.lines
        if crate_line.stock_item_id == line.stock_item.id
    )
    return max(line.to_load - line.short - in_crates, 0)


# --- the PDF ----------------------------------------------------------------------------


class TickBox(Flowable):
    """An empty square to tick by hand once the line is on the van."""

    SIDE = 4 * mm

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.SIDE, self.SIDE

    def draw(self) -> None:
        self.canv.rect(0, 0, self.SIDE, self.SIDE)


@dataclass(frozen=True)
class Styles:
    title: ParagraphStyle
    subtitle: ParagraphStyle
    text: ParagraphStyle
    cell: ParagraphStyle
    number: ParagraphStyle
    heading: ParagraphStyle
    heading_number: ParagraphStyle
    short: ParagraphStyle
    code: ParagraphStyle
    category: ParagraphStyle


def make_styles() -> Styles:
    fonts = label_fonts()
    text = ParagraphStyle("text", fontName=fonts.regular, fontSize=9.5, leading=12)
    cell = ParagraphStyle("cell", text, fontSize=9, leading=11)
    number = ParagraphStyle("number", cell, alignment=TA_RIGHT)
    heading = ParagraphStyle("heading", cell, fontName=fonts.bold)
    return Styles(
        title=ParagraphStyle("title", text, fontName=fonts.bold, fontSize=15, leading=19),
        subtitle=ParagraphStyle("subtitle", text, fontName=fonts.bold, fontSize=11.5, leading=15),
        text=text,
        cell=cell,
        number=number,
        heading=heading,
        heading_number=ParagraphStyle("heading_number", heading, alignment=TA_RIGHT),
        short=ParagraphStyle("short", number, fontName=fonts.bold, textColor=colors.darkred),
        code=ParagraphStyle("code", cell, fontName=fonts.code),
        category=ParagraphStyle("category", heading, fontSize=10),
    )


def paragraph(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def render(title: str, sections: Sequence[Section], locale: str, nothing: str) -> bytes:
    """A4 portrait; long lists flow over pages with their column headings repeated."""
    buffer = io.BytesIO()
    with ONE_PDF_AT_A_TIME:
        styles = make_styles()
        story: list[Flowable] = []
        for section in sections:
            story += section_story(section, styles, locale)
        if not sections:
            story = [
                paragraph(title, styles.title),
                Spacer(0, 4 * mm),
                paragraph(nothing, styles.text),
            ]
        document = SimpleDocTemplate(
            buffer,
            pagesize=A4,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN,
            bottomMargin=MARGIN + 5 * mm,
            title=f"{_('Pick list')} · {title}",
            creator="Relais",
        )
        footer = footer_drawer(f"{_('Pick list')} · {title}")
        document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def footer_drawer(text: str) -> Callable[[Canvas, SimpleDocTemplate], None]:
    """Each page's foot: what the list is and the page number, for sheets that get mixed."""

    def draw(canvas: Canvas, document: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(label_fonts().regular, 8)
        canvas.drawString(MARGIN, MARGIN, text)
        canvas.drawRightString(A4[0] - MARGIN, MARGIN, _("Page %(number)s", number=document.page))
        canvas.restoreState()

    return draw


def section_story(section: Section, styles: Styles, locale: str) -> list[Flowable]:
    distribution = section.check.distribution
    story: list[Flowable] = [
        CondPageBreak(60 * mm),
        paragraph(
            f"{van_label(distribution.vehicle)} · {long_day(distribution.day)}", styles.title
        ),
        paragraph(
            f"{distribution.starts_at:%H:%M}–{distribution.ends_at:%H:%M} · "
            f"{distribution.label} · {distribution.place.name}",
            styles.subtitle,
        ),
        paragraph(crew_line(distribution), styles.text),
        Spacer(0, 3 * mm),
    ]
    if not distribution.is_open:
        status = distribution.status.label.lower()
        nothing = _("This distribution is %(status)s: nothing to load.", status=status)
        story.append(paragraph(nothing, styles.text))
    elif not section.check.lines:
        story.append(paragraph(_("The pick list is empty."), styles.text))
    else:
        story.append(lines_table(section, styles, locale))
    story.append(Spacer(0, 8 * mm))
    return story


def crew_line(distribution: Distribution) -> str:
    lead = (
        _("Lead: %(name)s", name=distribution.lead.name) if distribution.lead else _("No lead yet.")
    )
    return " · ".join(
        (
            lead,
            _("Team of %(count)s", count=distribution.team_size),
            _("Leaving from %(site)s", site=distribution.departure.name),
        )
    )


def lines_table(section: Section, styles: Styles, locale: str) -> Table:
    header = [
        "",
        paragraph(_("Item"), styles.heading),
        paragraph(_("Planned"), styles.heading_number),
        paragraph(_("On the van"), styles.heading_number),
        paragraph(_("To load"), styles.heading_number),
        paragraph(_("Crates to take"), styles.heading),
    ]
    rows: list[list[object]] = [header]
    commands: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), HEADING_BACKGROUND),
    ]
    for category, lines in by_category(section.check.lines, locale):
        row = len(rows)
        commands += [
            ("SPAN", (0, row), (-1, row)),
            ("BACKGROUND", (0, row), (-1, row), HEADING_BACKGROUND),
            ("NOSPLIT", (0, row), (-1, row + 1)),  # a shelf's heading stays with its first line
        ]
        heading = paragraph(category.label, styles.category)
        rows.append([heading] + [""] * (len(COLUMNS) - 1))
        for line in lines:
            if line.short:
                commands.append(("BACKGROUND", (1, len(rows)), (-1, len(rows)), SHORT_BACKGROUND))
            rows.append(line_row(line, section.crates.get(line.stock_item.id, []), styles, locale))
    table = Table(rows, colWidths=COLUMNS, repeatRows=1)
    table.setStyle(TableStyle(commands))
    return table


def line_row(line: LineCheck, crates: Sequence[Crate], styles: Styles, locale: str) -> list[object]:
    to_load: list[Flowable] = [paragraph(str(line.to_load), styles.number)]
    if line.short:
        to_load.append(paragraph(_("short by %(count)s", count=line.short), styles.short))
    take: list[Flowable] = []
    if crates:
        take.append(paragraph(", ".join(map(crate_and_place, crates)), styles.code))
    loose = loose_to_take(line, crates)
    if loose:
        take.append(paragraph(_("loose: %(count)s", count=loose), styles.cell))
    return [
        TickBox() if line.to_load else "",
        paragraph(line.stock_item.label(locale), styles.cell),
        paragraph(str(line.planned), styles.number),
        paragraph(str(line.loaded), styles.number),
        to_load,
        take,
    ]
