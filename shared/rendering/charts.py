"""Charts: one definition, one geometry, drawn as inline SVG (HTML) and as vector shapes (PDF).

A chart is laid out once into primitives (rectangles, ring segments, text); `svg.py` and the
PDF renderer each draw those primitives, so both formats show the same picture.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from shared.rendering import formatting as fmt
from shared.rendering import theme


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    display: str  # the value as printed next to the bar
    colour: str


@dataclass(frozen=True)
class BarChart:
    title: str
    bars: tuple[Bar, ...]
    description: str  # for screen readers and the PDF's alt text

    @property
    def is_empty(self) -> bool:
        return not any(b.value > 0 for b in self.bars)


@dataclass(frozen=True)
class Slice:
    label: str
    value: float
    display: str
    colour: str


@dataclass(frozen=True)
class DonutChart:
    title: str
    slices: tuple[Slice, ...]
    centre: str  # the figure in the middle, e.g. the total
    description: str

    @property
    def is_empty(self) -> bool:
        return not any(s.value > 0 for s in self.slices)


@dataclass(frozen=True)
class Series:
    label: str
    values: tuple[float, ...]  # one per column
    colour: str


@dataclass(frozen=True)
class ColumnChart:
    """Stacked columns, one per report of a trend (oldest first): each series a layer."""

    title: str
    columns: tuple[str, ...]  # the labels under the columns
    series: tuple[Series, ...]
    totals: tuple[str, ...]  # the figure printed over each column
    description: str

    @property
    def is_empty(self) -> bool:
        return not any(v > 0 for s in self.series for v in s.values)


Chart = BarChart | DonutChart | ColumnChart


# -- primitives -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rect:
    x: float
    y: float  # top edge, y grows downwards (as in SVG)
    width: float
    height: float
    fill: str


@dataclass(frozen=True)
class Ring:
    cx: float
    cy: float
    outer: float
    inner: float
    start: float  # degrees, clockwise from 12 o'clock
    end: float
    fill: str


@dataclass(frozen=True)
class Text:
    x: float
    y: float  # baseline
    text: str
    size: float
    anchor: str = "start"  # start | middle | end
    bold: bool = False
    fill: str = theme.INK


Primitive = Rect | Ring | Text
WIDTH = 480.0
_BAR_HEIGHT = 16.0
_BAR_GAP = 8.0
_LABEL_WIDTH = 170.0
_VALUE_WIDTH = 110.0


def layout(chart: Chart) -> tuple[float, list[Primitive]]:
    """(height, primitives) of the chart, WIDTH points wide."""
    if isinstance(chart, BarChart):
        return _layout_bars(chart)
    if isinstance(chart, ColumnChart):
        return _layout_columns(chart)
    return _layout_donut(chart)


def _layout_bars(chart: BarChart) -> tuple[float, list[Primitive]]:
    shapes: list[Primitive] = []
    top = 6.0
    biggest = max((b.value for b in chart.bars), default=0) or 1.0
    span = WIDTH - _LABEL_WIDTH - _VALUE_WIDTH
    for i, bar in enumerate(chart.bars):
        y = top + i * (_BAR_HEIGHT + _BAR_GAP)
        shapes.append(Text(_LABEL_WIDTH - 8, y + _BAR_HEIGHT - 4, fmt.clipped(bar.label, 30), 9,
                           "end"))
        length = max(span * bar.value / biggest, 1.5 if bar.value > 0 else 0)
        shapes.append(Rect(_LABEL_WIDTH, y, span, _BAR_HEIGHT, theme.SURFACE))
        if length:
            shapes.append(Rect(_LABEL_WIDTH, y, length, _BAR_HEIGHT, bar.colour))
        shapes.append(Text(_LABEL_WIDTH + span + 6, y + _BAR_HEIGHT - 4, bar.display, 9,
                           bold=True))
    height = top + len(chart.bars) * (_BAR_HEIGHT + _BAR_GAP)
    return height, shapes


def _layout_donut(chart: DonutChart) -> tuple[float, list[Primitive]]:
    shapes: list[Primitive] = []
    radius, inner = 70.0, 44.0
    cx, cy = 90.0, 84.0
    total = sum(s.value for s in chart.slices if s.value > 0) or 1.0
    angle = 0.0
    for s in chart.slices:
        if s.value <= 0:
            continue
        sweep = 360.0 * s.value / total
        shapes.append(Ring(cx, cy, radius, inner, angle, min(angle + sweep, 359.999), s.colour))
        angle += sweep
    shapes.append(Text(cx, cy + 6, chart.centre, 15, "middle", bold=True))
    legend_x, legend_y = 200.0, 30.0
    for i, s in enumerate(chart.slices):
        y = legend_y + i * 22
        shapes.append(Rect(legend_x, y - 10, 12, 12, s.colour))
        share = f"{100 * s.value / total:.0f}%" if s.value > 0 else "0%"
        shapes.append(Text(legend_x + 20, y, fmt.clipped(s.label, 28), 10))
        shapes.append(Text(WIDTH - 8, y, f"{s.display} ({share})", 10, "end", bold=True))
    height = max(2 * cy, legend_y + len(chart.slices) * 22)
    return height, shapes


def _layout_columns(chart: ColumnChart) -> tuple[float, list[Primitive]]:
    shapes: list[Primitive] = []
    plot_top, plot_height = 16.0, 120.0
    count = max(len(chart.columns), 1)
    slot = WIDTH / count
    width = min(slot * 0.6, 48.0)
    sums = [sum(s.values[i] for s in chart.series) for i in range(len(chart.columns))]
    biggest = max(sums, default=0) or 1.0
    base = plot_top + plot_height
    for i, label in enumerate(chart.columns):
        x = i * slot + (slot - width) / 2
        y = base
        for s in chart.series:
            height = plot_height * s.values[i] / biggest
            if height > 0:
                y -= height
                shapes.append(Rect(x, y, width, height, s.colour))
        shapes.append(Text(x + width / 2, y - 4, chart.totals[i], 8, "middle", bold=True))
        shapes.append(Text(x + width / 2, base + 12, fmt.clipped(label, 14), 8, "middle"))
    # The legend: a row of swatches under the columns, wrapping when it is full.
    x, y = 0.0, base + 32
    for s in chart.series:
        label = fmt.clipped(s.label, 26)
        step = 22 + 5.2 * len(label)
        if x + step > WIDTH:
            x, y = 0.0, y + 16
        shapes.append(Rect(x, y - 9, 10, 10, s.colour))
        shapes.append(Text(x + 14, y, label, 8))
        x += step + 10
    return y + 6, shapes


def ring_point(cx: float, cy: float, r: float, degrees: float) -> tuple[float, float]:
    """A point on a circle, angle clockwise from 12 o'clock, y downwards."""
    rad = math.radians(degrees)
    return cx + r * math.sin(rad), cy - r * math.cos(rad)
