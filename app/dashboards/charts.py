"""Chart geometry: numbers in, positions out. The SVG markup is in templates/dashboards/.

Two shapes cover every dashboard:
- ``BarChart``: one horizontal bar per category, its label above it and its
  value after it (readable at 390 px: the label has the whole width);
- ``ColumnChart``: one column per period (month, day), optionally stacked by
  series, with a y-axis of round ticks.

Every chart carries a title and a description (the SVG's ``<title>`` and
``<desc>``) and the rows of the data table shown beside it. A series is told
apart by its pattern and its name in the legend and table, never by colour
alone; each tone's colour keeps 3:1 contrast against white (WCAG 1.4.11).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

# The viewBox: the SVG scales to its box, so these are units, not pixels.
WIDTH = 360
ROW = 42  # one bar: label line + bar
BAR = 14
LABEL_CHARS = 40
COLUMN_HEIGHT = 180  # plot area of a column chart
AXIS = 44  # room for the y-axis labels on the left
BOTTOM = 28  # room for the x labels


@dataclass(frozen=True)
class Category:
    """One row of a bar chart (and of its table)."""

    key: str
    label: str
    value: int
    url: str = ""
    tone: str = ""


@dataclass(frozen=True)
class Bar:
    category: Category
    y: float
    width: float
    label_y: float
    value_x: float
    short_label: str

    @property
    def value_y(self) -> float:
        return self.y + BAR - 2


@dataclass(frozen=True)
class BarChart:
    id: str
    title: str
    description: str
    value_label: str
    bars: list[Bar]
    height: float
    total: int

    @property
    def width(self) -> int:
        return WIDTH

    @property
    def rows(self) -> list[Category]:
        return [bar.category for bar in self.bars]

    @property
    def empty(self) -> bool:
        return self.total == 0


def _short(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def bar_chart(
    chart_id: str,
    title: str,
    description: str,
    categories: list[Category],
    *,
    value_label: str,
) -> BarChart:
    """Bars scaled to the largest value; a zero still shows its label and "0"."""
    top = max((c.value for c in categories), default=0)
    room = WIDTH - 64  # leave space for the value after the longest bar
    bars = []
    for index, category in enumerate(categories):
        y = index * ROW
        width = room * category.value / top if top else 0.0
        if category.value and width < 2:
            width = 2.0  # a non-zero value is never invisible
        bars.append(
            Bar(
                category=category,
                y=y + 21,
                width=round(width, 1),
                label_y=y + 15,
                value_x=round(width + 6, 1),
                short_label=_short(category.label),
            )
        )
    return BarChart(
        id=chart_id,
        title=title,
        description=description,
        value_label=value_label,
        bars=bars,
        height=max(len(bars), 1) * ROW,
        total=sum(c.value for c in categories),
    )


def nice_ceiling(value: int) -> int:
    """The smallest 1, 2 or 5 × 10^k at or above ``value`` (at least 1)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    tone: str


@dataclass(frozen=True)
class Segment:
    series: Series
    value: int
    y: float
    height: float


@dataclass(frozen=True)
class Column:
    label: str  # full label (table, tooltip)
    tick: str  # short label under the axis, or "" to skip
    x: float
    width: float
    total: int
    segments: list[Segment]
    values: list[int]  # per series, in the chart's series order
    tick_x: float = 0.0
    tick_anchor: str = "middle"  # "end" for the last label of a crowded axis


@dataclass(frozen=True)
class Tick:
    value: int
    y: float

    @property
    def label_y(self) -> float:
        return self.y + 4.5


@dataclass(frozen=True)
class ColumnChart:
    id: str
    title: str
    description: str
    period_label: str
    series: list[Series]
    columns: list[Column]
    ticks: list[Tick]
    total: int
    width: int = WIDTH
    height: int = COLUMN_HEIGHT + BOTTOM + 8
    plot_top: int = 8
    plot_left: int = AXIS
    plot_bottom: int = COLUMN_HEIGHT + 8
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def axis_x(self) -> int:
        return self.plot_left - 4

    @property
    def tick_y(self) -> int:
        return self.plot_bottom + 19

    @property
    def stacked(self) -> bool:
        return len(self.series) > 1

    @property
    def empty(self) -> bool:
        return self.total == 0


def column_chart(
    chart_id: str,
    title: str,
    description: str,
    periods: list[tuple[str, str]],
    series: list[Series],
    values: dict[str, list[int]],
    *,
    period_label: str,
    ticks_every: int = 1,
) -> ColumnChart:
    """Columns for ``periods`` (full label, short label), stacked by ``series``.

    ``values[series.key][i]`` is the value of that series in period i.
    """
    totals = [sum(values[s.key][i] for s in series) for i in range(len(periods))]
    top = nice_ceiling(max(totals, default=0))
    plot_width = WIDTH - AXIS - 8
    slot = plot_width / max(len(periods), 1)
    width = max(min(slot * 0.7, 48), 2)
    bottom = COLUMN_HEIGHT + 8
    crowded = slot < 60
    columns = []
    for i, (label, short) in enumerate(periods):
        x = AXIS + slot * i + (slot - width) / 2
        segments = []
        level = float(bottom)
        for s in series:
            value = values[s.key][i]
            height = COLUMN_HEIGHT * value / top
            if value and height < 1.5:
                height = 1.5
            level -= height
            if value:
                segments.append(Segment(s, value, round(level, 1), round(height, 1)))
        columns.append(
            Column(
                label=label,
                # Counted back from the last period, so the latest always has its label.
                tick=short if (len(periods) - 1 - i) % ticks_every == 0 else "",
                x=round(x, 1),
                width=round(width, 1),
                total=totals[i],
                segments=segments,
                values=[values[s.key][i] for s in series],
                tick_x=round(x + width if crowded and i == len(periods) - 1 else x + width / 2, 1),
                tick_anchor="end" if crowded and i == len(periods) - 1 else "middle",
            )
        )
    ticks = [Tick(v, round(bottom - COLUMN_HEIGHT * v / top, 1)) for v in _tick_values(top)]
    return ColumnChart(
        id=chart_id,
        title=title,
        description=description,
        period_label=period_label,
        series=series,
        columns=columns,
        ticks=ticks,
        total=sum(totals),
    )


def _tick_values(top: int) -> list[int]:
    if top <= 4:
        return list(range(top + 1))
    return [0, top // 2, top] if top % 2 == 0 else [0, top]
