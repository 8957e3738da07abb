"""Bar charts drawn on the server as SVG shapes (the template writes the markup): no
script, nothing from elsewhere. Each chart is shown with a table of the same figures.

Categories are drawn as horizontal bars, their names on the left, so that long names
never run into each other; a series in time keeps its bars upright and labels only as
many of them as fit side by side."""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from app.i18n import labelled

# About a phone's width, so that the labels keep their size there; wider screens show
# the chart at most 40rem wide (static/css/relais.css).
WIDTH = 400
FONT_SIZE = 10
# A character's width as a share of the font size: generous, so that estimates of a
# label's width err on the wide side and labels kept apart really are apart.
CHAR_WIDTH = 0.62
LABEL_GAP = 8

# Upright bars, for series in time.
COLUMN_HEIGHT = 180
COLUMN_LEFT, COLUMN_RIGHT, COLUMN_TOP, COLUMN_BOTTOM = 48, 6, 10, 22

# Horizontal bars, for categories: the names on the left, the value after each bar.
NAME_WIDTH = 150
ROW_HEIGHT, BAR_THICKNESS = 24, 16
ROW_TOP, ROW_BOTTOM, VALUE_ROOM = 20, 6, 48


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    title: str  # shown on hover: the label and the value


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    anchor: str = "middle"
    title: str = ""  # the full name, when the text is cut short


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Rect]
    lines: list[Line]
    labels: list[Text]
    horizontal: bool
    font_size: int = FONT_SIZE


def text_width(text: str) -> float:
    """How wide a label is drawn, estimated from its length."""
    return len(text) * FONT_SIZE * CHAR_WIDTH


def nice_top(value: Decimal) -> Decimal:
    """The round number just above `value` that the scale ends at: 1, 2 or 5 times a power of 10."""
    if value <= 0:
        return Decimal(1)
    magnitude = Decimal(10) ** (value.adjusted())
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def scale_top(points: Sequence[tuple[str, Decimal | int]]) -> Decimal:
    return nice_top(max((Decimal(value) for _, value in points), default=Decimal(0)))


def label_step(labels: Sequence[str], slot: float) -> int:
    """Label every bar, or every other one, or one in three...: as often as the widest
    label leaves room for."""
    widest = max((text_width(label) for label in labels), default=0)
    return max(1, math.ceil((widest + LABEL_GAP) / slot))


def shortened(text: str, width: float) -> str:
    """The text, cut with an ellipsis if it is wider than `width`."""
    most = int(width // (FONT_SIZE * CHAR_WIDTH))
    return text if len(text) <= most else text[: most - 1].rstrip() + "…"


def column_chart(
    points: Sequence[tuple[str, Decimal | int]], format_value: Callable[[Decimal], str]
) -> Chart:
    """Upright bars for (label, value) points in time, from left to right, on a scale
    starting at 0."""
    top = scale_top(points)
    plot_height = COLUMN_HEIGHT - COLUMN_TOP - COLUMN_BOTTOM
    slot = (WIDTH - COLUMN_LEFT - COLUMN_RIGHT) / max(len(points), 1)
    every = label_step([label for label, _ in points], slot)
    bars, labels = [], []
    for index, (label, value) in enumerate(points):
        height = float(Decimal(value) / top) * plot_height
        x = COLUMN_LEFT + index * slot + slot * 0.15
        bars.append(
            Rect(
                x=round(x, 1),
                y=round(COLUMN_TOP + plot_height - height, 1),
                width=round(slot * 0.7, 1),
                height=round(height, 1),
                title=labelled(label, format_value(Decimal(value))),
            )
        )
        middle = x + slot * 0.35
        if index % every == 0 and text_width(label) / 2 <= min(middle, WIDTH - middle):
            labels.append(Text(round(middle, 1), COLUMN_HEIGHT - 6, label))
    lines = []
    for fraction in (0, 0.5, 1):
        y = round(COLUMN_TOP + plot_height * (1 - fraction), 1)
        lines.append(Line(COLUMN_LEFT, y, WIDTH - COLUMN_RIGHT, y))
        tick = format_value(top * Decimal(fraction))
        labels.append(Text(COLUMN_LEFT - 6, y + 4, tick, anchor="end"))
    return Chart(WIDTH, COLUMN_HEIGHT, bars, lines, labels, horizontal=False)


def category_chart(
    points: Sequence[tuple[str, Decimal | int]], format_value: Callable[[Decimal], str]
) -> Chart:
    """Horizontal bars for (name, value) points, top to bottom: each name on the left of
    its bar (cut short if long, the full name on hover), its value after it."""
    top = scale_top(points)
    plot_width = WIDTH - NAME_WIDTH - VALUE_ROOM
    height = ROW_TOP + ROW_HEIGHT * max(len(points), 1) + ROW_BOTTOM
    bars, labels = [], []
    for index, (name, value) in enumerate(points):
        length = float(Decimal(value) / top) * plot_width
        y = ROW_TOP + index * ROW_HEIGHT + (ROW_HEIGHT - BAR_THICKNESS) / 2
        shown = format_value(Decimal(value))
        bars.append(Rect(NAME_WIDTH, y, round(length, 1), BAR_THICKNESS, labelled(name, shown)))
        middle = round(y + BAR_THICKNESS / 2 + FONT_SIZE * 0.35, 1)
        short = shortened(name, NAME_WIDTH - 2 * 6)
        labels.append(
            Text(NAME_WIDTH - 6, middle, short, anchor="end", title=name if short != name else "")
        )
        labels.append(Text(round(NAME_WIDTH + length + 4, 1), middle, shown, anchor="start"))
    lines = []
    for fraction in (0, 0.5, 1):
        x = round(NAME_WIDTH + plot_width * fraction, 1)
        lines.append(Line(x, ROW_TOP - 4, x, height - ROW_BOTTOM))
        labels.append(Text(x, ROW_TOP - 8, format_value(top * Decimal(fraction))))
    return Chart(WIDTH, height, bars, lines, labels, horizontal=True)
