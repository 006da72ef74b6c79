"""Small charts drawn on the server as inline SVG: no script, no library, nothing fetched.

This module works out the geometry; templates/queueing/partials/chart.html draws it. A chart
is as wide as its place on the page, on a phone or a wide screen, and its text keeps its
size: across, every position is a percentage of the plot's width; up and down, pixels. The
value axis' labels sit in a narrow column of their own beside the plot. A page shows each
chart's numbers as a table as well, for screen readers and for reading exact values.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

TOP = 10.0  # room above the highest tick's label
PLOT_HEIGHT = 160.0
BELOW = 26.0  # room below the plot for the category labels
# Category labels are thinned to fit a plot this wide (a phone), and, on a wide screen, this.
NARROW_PX = 260.0
WIDE_PX = 620.0


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float | None]
    kind: str = "bar"  # "bar" or "line"
    tone: str = "a"  # the stylesheet's colour: chart-a, chart-b


@dataclass(frozen=True)
class Bar:
    x: float  # percent of the plot's width
    width: float  # percent
    y: float  # pixels from the top
    height: float  # pixels
    title: str
    tone: str


@dataclass(frozen=True)
class Segment:
    x1: float  # percent
    y1: float
    x2: float  # percent
    y2: float


@dataclass(frozen=True)
class Dot:
    x: float  # percent
    y: float
    title: str


@dataclass(frozen=True)
class Line:
    segments: list[Segment]
    dots: list[Dot]
    tone: str


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class Label:
    x: float  # percent
    text: str


@dataclass(frozen=True)
class Chart:
    title: str
    height: float
    bottom: float  # the zero line, in pixels from the top
    label_y: float  # the category labels' baseline
    bars: list[Bar]
    lines: list[Line]
    ticks: list[Tick]
    labels_narrow: list[Label]
    labels_wide: list[Label]
    legend: list[Series]
    empty: bool  # nothing but zeros and gaps


def nice_scale(highest: float, ticks: int = 4) -> tuple[float, float]:
    """The axis' top and its step: a step of 1, 2, 2.5 or 5 times a power of ten such that
    about `ticks` steps reach `highest` (1 and 1 for nothing, or next to nothing, to show).
    A value a rounding error above a step's multiple ends on that multiple."""
    if highest < 1e-9 or not math.isfinite(highest):
        return 1.0, 1.0
    rough = highest / ticks
    power = 10 ** math.floor(math.log10(rough))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= rough)
    return step * math.ceil(highest / step - 1e-9), step


def _plain(value: float) -> str:
    return f"{value:g}"


def _labels(categories: Sequence[str], plot_px: float) -> list[Label]:
    """Every k-th category's label, k chosen so that the labels do not touch on a plot
    `plot_px` wide."""
    count = len(categories)
    if not count:
        return []
    room = max(40.0, 7.5 * max(len(text) for text in categories) + 12)
    every = max(1, math.ceil(count / max(1.0, plot_px // room)))
    slot = 100 / count
    return [
        Label(round(i * slot + slot / 2, 3), text)
        for i, text in enumerate(categories)
        if i % every == 0
    ]


def chart(
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    value_label: Callable[[float], str] = _plain,
) -> Chart:
    """A chart of one value per category and series: bars side by side within a category,
    lines through its middle (a missing value breaks the line). `value_label` words a value
    for the axis and the tooltips."""
    count = max(1, len(categories))
    slot = 100 / count
    bottom = TOP + PLOT_HEIGHT
    values = [v for s in series for v in s.values if v is not None]
    highest, step = nice_scale(max(values, default=0.0))
    scale = PLOT_HEIGHT / highest

    def y_of(value: float) -> float:
        return round(max(TOP, bottom - value * scale), 2)

    bar_series = [s for s in series if s.kind == "bar"]
    group = slot * 0.72
    width = group / len(bar_series) if bar_series else 0.0
    bars = [
        Bar(
            x=round(i * slot + (slot - group) / 2 + j * width, 3),
            width=round(width * 0.92, 3),
            y=y_of(value),
            height=round(bottom - y_of(value), 2),
            title=f"{categories[i]} · {s.label}: {value_label(value)}",
            tone=s.tone,
        )
        for j, s in enumerate(bar_series)
        for i, value in enumerate(s.values)
        if value is not None
    ]
    lines = [_line(s, categories, slot, y_of, value_label) for s in series if s.kind == "line"]
    ticks = [Tick(y_of(n * step), value_label(n * step)) for n in range(round(highest / step) + 1)]
    return Chart(
        title=title,
        height=bottom + BELOW,
        bottom=bottom,
        label_y=bottom + 18,
        bars=bars,
        lines=lines,
        ticks=ticks,
        labels_narrow=_labels(categories, NARROW_PX),
        labels_wide=_labels(categories, WIDE_PX),
        legend=list(series),
        empty=not any(values),
    )


def _line(
    series: Series,
    categories: Sequence[str],
    slot: float,
    y_of: Callable[[float], float],
    value_label: Callable[[float], str],
) -> Line:
    dots: list[Dot] = []
    segments: list[Segment] = []
    previous: Dot | None = None
    for i, value in enumerate(series.values):
        if value is None:
            previous = None
            continue
        dot = Dot(
            round(i * slot + slot / 2, 3),
            y_of(value),
            f"{categories[i]} · {series.label}: {value_label(value)}",
        )
        if previous is not None:
            segments.append(Segment(previous.x, previous.y, dot.x, dot.y))
        dots.append(dot)
        previous = dot
    return Line(segments, dots, series.tone)
