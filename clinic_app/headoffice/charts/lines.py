"""Figures over time: a line chart of one or more series (network, a state, a clinic) and the
small trend line beside each figure of the overview."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from markupsafe import Markup

from clinic_app.headoffice.charts.svg import (
    Chart,
    Frame,
    Scale,
    document,
    element,
    nice_top,
    path,
    sample,
    x_labels,
    y_axis,
)

MAX_SERIES = 6  # more lines than this cannot be told apart: the table holds the rest


@dataclass(frozen=True)
class Series:
    name: str
    values: list[float | None]  # one per period; None where there is nothing to count


def line_chart(key: str, title: str, periods: list[str], series: list[Series],
               text: Callable[[float | None], str], top: float | None = None) -> Chart:
    """Each series a line over the periods, with a legend; a gap where a value is missing."""
    frame = Frame(height=280, bottom=60)
    shown = series[:MAX_SERIES]
    highest = max([0.0, *(v for s in shown for v in s.values if v is not None)])
    top = top or nice_top(highest)
    x = Scale(0, max(len(periods) - 1, 1), frame.x0, frame.x1)
    y = Scale(0, top, frame.y0, frame.y1)
    body = y_axis(frame, y, top, text)
    body += x_labels(frame, [(x(i), periods[i]) for i in sample(periods, 7)])
    for number, line in enumerate(shown):
        body += _line(line, number, x, y)
    body += _legend(frame, shown)
    summary = _summary(title, periods, shown, text)
    rows = [[period, *("no cases" if s.values[i] is None else text(s.values[i]) for s in series)]
            for i, period in enumerate(periods)]
    return Chart(key, title, summary, document(key, title, summary, frame, body),
                 ["Period", *(s.name for s in series)], rows)


def _line(line: Series, number: int, x: Scale, y: Scale) -> list[Markup]:
    """Runs of consecutive values as paths, with a dot on each value."""
    marks: list[Markup] = []
    run: list[tuple[float, float]] = []
    for index, value in enumerate([*line.values, None]):
        if value is None:
            if run:
                marks.append(element("path", d=path(run), class_=f"line series-{number}"))
            run = []
            continue
        run.append((x(index), y(value)))
        marks.append(element("circle", cx=x(index), cy=y(value), r=2.5, class_=f"dot series-{number}"))
    return marks


def _legend(frame: Frame, shown: list[Series]) -> list[Markup]:
    marks, left = [], frame.x0
    for number, line in enumerate(shown):
        y = frame.height - 12
        marks.append(element("line", x1=left, x2=left + 18, y1=y - 4, y2=y - 4, class_=f"line series-{number}"))
        marks.append(element("text", line.name[:24], x=left + 22, y=y, class_="legend"))
        left += 30 + 7 * min(len(line.name), 24)
    return marks


def _summary(title: str, periods: list[str], shown: list[Series], text) -> str:
    if not periods:
        return f"{title}: nothing to show."
    parts = []
    for line in shown:
        known = [v for v in line.values if v is not None]
        if known:
            parts.append(f"{line.name} from {text(known[0])} to {text(known[-1])}, "
                         f"highest {text(max(known))}, lowest {text(min(known))}")
        else:
            parts.append(f"{line.name}: no cases")
    return f"{title}, {periods[0]} to {periods[-1]}: " + "; ".join(parts) + "."


def sparkline(key: str, label: str, values: list[float | None], text: Callable[[float | None], str],
              periods: list[str], reference: float | None = None) -> Markup:
    """A small trend line with no axes (and a dashed line at ``reference``, a claim); its text
    alternative lists every value."""
    frame = Frame(width=120, height=32, left=2, right=4, top=4, bottom=4)
    known = [v for v in values if v is not None]
    top = nice_top(max([0.0, *known, reference or 0.0]))
    x = Scale(0, max(len(values) - 1, 1), frame.x0, frame.x1)
    y = Scale(0, top, frame.y0, frame.y1)
    body = [element("line", x1=frame.x0, x2=frame.x1, y1=frame.y0, y2=frame.y0, class_="baseline")]
    if reference is not None:
        body.append(element("line", x1=frame.x0, x2=frame.x1, y1=y(reference), y2=y(reference), class_="reference"))
    body += _line(Series(label, values), 0, x, y)
    words = ", ".join(f"{period} {'no cases' if value is None else text(value)}"
                      for period, value in zip(periods, values, strict=True))
    summary = f"Trend of {label.lower()}: {words}." if values else f"No trend of {label.lower()} yet."
    if reference is not None:
        summary += f" Dashed line: the claimed {text(reference)}."
    return document(key, f"{label}, trend", summary, frame, body)
