"""Bar charts drawn on the server as SVG shapes (the template writes the markup): no
script, nothing from elsewhere. Each chart is shown with a table of the same figures."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

# About a phone's width, so that the labels keep their size there; wider screens show
# the chart at most 40rem wide (static/css/relais.css).
WIDTH, HEIGHT = 400, 180
LEFT, RIGHT, TOP, BOTTOM = 48, 6, 10, 22
MAX_X_LABELS = 6


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str  # under the bar, when there is room
    title: str  # shown on hover: the label and the value
    show_label: bool

    @property
    def label_x(self) -> float:
        return round(self.x + self.width / 2, 1)


@dataclass(frozen=True)
class Gridline:
    y: float
    label: str


@dataclass(frozen=True)
class BarChart:
    bars: list[Bar]
    gridlines: list[Gridline]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    label_y: int = HEIGHT - 6


def nice_top(value: Decimal) -> Decimal:
    """The round number just above `value` that the scale ends at: 1, 2 or 5 times a power of 10."""
    if value <= 0:
        return Decimal(1)
    magnitude = Decimal(10) ** (value.adjusted())
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def bar_chart(
    points: Sequence[tuple[str, Decimal | int]], format_value: Callable[[Decimal], str]
) -> BarChart:
    """Bars for (label, value) points, from left to right, on a scale starting at 0."""
    top = nice_top(max((Decimal(value) for _, value in points), default=Decimal(0)))
    plot_height = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / max(len(points), 1)
    every = -(-len(points) // MAX_X_LABELS)  # label every bar, or every other one...
    bars = []
    for index, (label, value) in enumerate(points):
        height = float(Decimal(value) / top) * plot_height
        bars.append(
            Bar(
                x=round(LEFT + index * slot + slot * 0.15, 1),
                y=round(TOP + plot_height - height, 1),
                width=round(slot * 0.7, 1),
                height=round(height, 1),
                label=label,
                title=f"{label}: {format_value(Decimal(value))}",
                show_label=index % every == 0,
            )
        )
    gridlines = [
        Gridline(
            round(TOP + plot_height * (1 - fraction), 1), format_value(top * Decimal(fraction))
        )
        for fraction in (0, 0.5, 1)
    ]
    return BarChart(bars, gridlines)
