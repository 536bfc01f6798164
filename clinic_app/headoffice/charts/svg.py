"""The pieces every chart is drawn with: a Chart (the picture, its text alternative and its
data as a table), linear scales, escaped SVG elements and axes.

Colours, line styles and fonts are classes styled by static/css/charts.css: the page's Content
Security Policy allows no inline style, and print gets its own rules there."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape


@dataclass(frozen=True)
class Chart:
    key: str  # the figure's id on the page and the name of its CSV file
    title: str
    summary: str  # the text alternative: what the picture shows, in words
    svg: Markup
    columns: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class Frame:
    """The drawing area inside the SVG's viewBox, with room for the axes around it."""

    width: float = 640
    height: float = 300
    left: float = 56
    right: float = 16
    top: float = 16
    bottom: float = 40

    @property
    def x0(self) -> float:
        return self.left

    @property
    def x1(self) -> float:
        return self.width - self.right

    @property
    def y0(self) -> float:  # the bottom of the plot, in SVG units (y grows downwards)
        return self.height - self.bottom

    @property
    def y1(self) -> float:
        return self.top


@dataclass(frozen=True)
class Scale:
    """Linear: ``low``..``high`` in data onto ``start``..``end`` in SVG units."""

    low: float
    high: float
    start: float
    end: float

    def __call__(self, value: float) -> float:
        span = self.high - self.low or 1
        return round(self.start + (value - self.low) / span * (self.end - self.start), 1)


def element(tag: str, text: str | Markup = "", **attributes) -> Markup:
    """One SVG element; attribute names with _ become -, ``class_`` becomes class."""
    attrs = "".join(f' {name.rstrip("_").replace("_", "-")}="{escape(value)}"'
                    for name, value in attributes.items() if value is not None)
    if not text:
        return Markup(f"<{tag}{attrs}/>")  # noqa: S704 - every attribute value is escaped
    return Markup(f"<{tag}{attrs}>{escape(text)}</{tag}>")  # noqa: S704 - and the text


def path(points: Sequence[tuple[float, float]], closed: bool = False) -> str:
    """An SVG path through the points."""
    if not points:
        return ""
    moves = " ".join(f"{'M' if i == 0 else 'L'}{x},{y}" for i, (x, y) in enumerate(points))
    return moves + (" Z" if closed else "")


def document(key: str, title: str, summary: str, frame: Frame, body: list[Markup]) -> Markup:
    """The whole picture as one image for assistive technology, named by its title and summary."""
    head = [element("title", title, id=f"{key}-svg-title"), element("desc", summary, id=f"{key}-svg-desc")]
    return Markup(  # noqa: S704 - the key is escaped, the rest are numbers
        f'<svg class="chart" id="{escape(key)}-svg" role="img" viewBox="0 0 {frame.width} {frame.height}" '
        f'aria-labelledby="{escape(key)}-svg-title {escape(key)}-svg-desc" preserveAspectRatio="xMidYMid meet">'
    ) + Markup("").join([*head, *body]) + Markup("</svg>")


def nice_top(value: float) -> float:
    """A round number at or above ``value`` for the top of an axis (1, 2, 2.5, 5 x 10^k)."""
    if value <= 0:
        return 1
    power = 10 ** (len(str(int(value))) - 1) if value >= 1 else 0.1
    while power > value:
        power /= 10
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power


def y_axis(frame: Frame, scale: Scale, top: float, label) -> list[Markup]:
    """Horizontal grid lines with their values at the left: fifths of a top of 5 or 2.5 x 10^k,
    quarters otherwise, so every value is round."""
    leading = top / 10 ** math.floor(math.log10(top)) if top > 0 else 1
    ticks = 5 if round(leading, 3) in (5, 2.5) else 4
    marks = []
    for index in range(ticks + 1):
        value = top * index / ticks
        y = scale(value)
        marks.append(element("line", x1=frame.x0, x2=frame.x1, y1=y, y2=y, class_="grid"))
        marks.append(element("text", label(value), x=frame.x0 - 6, y=y + 4, class_="tick tick-y"))
    return marks


def x_labels(frame: Frame, positions: list[tuple[float, str]]) -> list[Markup]:
    """Labels under the plot at the given x positions."""
    return [element("text", text, x=x, y=frame.y0 + 18, class_="tick tick-x") for x, text in positions]


def percent(value: float | None, places: int = 1) -> str:
    return "" if value is None else f"{value * 100:.{places}f}%"


def sample(items: list, most: int) -> list[int]:
    """At most ``most`` evenly spread indexes of ``items``, the first and last included."""
    if len(items) <= most:
        return list(range(len(items)))
    step = (len(items) - 1) / (most - 1)
    return sorted({round(i * step) for i in range(most)})
