"""The clinical charts: the still-exercising curve with its band against the claim, the funnel
plot of clinics' shares against the network rate, and estimates with their intervals."""

from __future__ import annotations

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
    percent,
    x_labels,
    y_axis,
)
from clinic_app.reporting.funnel import control_limits, position


def survival_chart(key: str, title: str, points: list[tuple[int, float, float, float]],
                   claim: float, claim_day: int) -> Chart:
    """Points (day, estimate, low, high), day 0 first: the estimate as a step line, its band
    shaded, and the claimed share as a dashed line with its day marked."""
    frame = Frame(height=260)
    last_point = max([claim_day, *(day for day, *_ in points)])
    last_day = last_point + max(2, last_point // 5)  # room for the last step to show
    x = Scale(0, last_day, frame.x0, frame.x1)
    y = Scale(0, 1, frame.y0, frame.y1)
    body = y_axis(frame, y, 1, lambda v: percent(v, 0))
    body += x_labels(frame, [(x(d), f"day {d}") for d in sorted({0, claim_day, *(p[0] for p in points)})])
    if points:
        body.append(element("path", d=path(_steps(points, 3, x, y) + _steps(points, 2, x, y)[::-1], True),
                            class_="band"))
        body.append(element("path", d=path(_steps(points, 1, x, y)), class_="line series-0"))
    body.append(element("line", x1=frame.x0, x2=frame.x1, y1=y(claim), y2=y(claim), class_="reference"))
    body.append(element("text", f"claimed {percent(claim, 0)} at day {claim_day}", x=frame.x1 - 4,
                        y=y(claim) - 6, class_="reference-label"))
    at_claim = next((p for p in points if p[0] == claim_day), None)
    summary = (f"{title}. " + (f"Day {claim_day}: {percent(at_claim[1])} (95% interval {percent(at_claim[2])} "
                               f"to {percent(at_claim[3])}) against the claimed {percent(claim, 0)}."
                               if at_claim else f"No estimate for day {claim_day} yet."))
    rows = [[str(d), percent(e), percent(lo), percent(hi)] for d, e, lo, hi in points]
    return Chart(key, title, summary, document(key, title, summary, frame, body),
                 ["Day", "Still exercising", "95% interval low", "95% interval high"], rows)


def _steps(points, index: int, x: Scale, y: Scale) -> list[tuple[float, float]]:
    """A step function through the points' ``index``-th value: flat until the next day, the
    last one to the chart's right edge."""
    out = []
    for number, point in enumerate(points):
        end = points[number + 1][0] if number + 1 < len(points) else x.high
        out += [(x(point[0]), y(point[index])), (x(end), y(point[index]))]
    return out


@dataclass(frozen=True)
class FunnelUnit:
    name: str
    events: int
    cases: int


def funnel_chart(key: str, title: str, units: list[FunnelUnit], rate: float, measure: str) -> Chart:
    """Each clinic's share against its cases, with the network rate and the 95% and 99.8%
    control limits (Spiegelhalter 2005) as curves: a clinic outside them is unusual for its size."""
    frame = Frame(height=300, bottom=44)
    most = max([10, *(u.cases for u in units)])
    highest = max([rate, *(u.events / u.cases for u in units if u.cases)])
    curve = [control_limits(n, rate) for n in _curve_sizes(most)]
    top = min(1.0, nice_top(max(highest, *(c.high_998 for c in curve[1:]))))
    x = Scale(0, most, frame.x0, frame.x1)
    y = Scale(0, top, frame.y0, frame.y1)
    body = y_axis(frame, y, top, lambda v: percent(v, 0))
    body += x_labels(frame, [(x(most * i / 4), str(round(most * i / 4))) for i in range(5)])
    body.append(element("text", "cases", x=frame.x1, y=frame.height - 4, class_="tick tick-x"))
    for name, kind in (("low_95", "limit-95"), ("high_95", "limit-95"), ("low_998", "limit-998"),
                       ("high_998", "limit-998")):
        body.append(element("path", d=path([(x(c.n), y(max(0.0, min(getattr(c, name), top)))) for c in curve]),
                            class_=kind))
    body.append(element("line", x1=frame.x0, x2=frame.x1, y1=y(rate), y2=y(rate), class_="reference"))
    rows = []
    for unit in units:
        band = position(unit.events, unit.cases, rate)
        share = unit.events / unit.cases
        body.append(element("circle", element("title", f"{unit.name}: {percent(share)} of {unit.cases}"),
                            cx=x(unit.cases), cy=y(share), r=4, class_=f"point {band.name.lower()}"))
        limits = control_limits(unit.cases, rate)
        rows.append([unit.name, str(unit.cases), str(unit.events), percent(share), percent(limits.low_95),
                     percent(limits.high_95), percent(limits.low_998), percent(limits.high_998), band.value])
    outside = [row[0] for row in rows if "99.8" in row[-1]]
    summary = (f"{title}: {len(units)} clinics against the network's {percent(rate)}. "
               + (f"Outside the 99.8% limits: {', '.join(outside)}." if outside
                  else "No clinic is outside the 99.8% limits."))
    return Chart(key, title, summary, document(key, title, summary, frame, body),
                 ["Clinic", "Cases", measure, "Share", "95% low", "95% high", "99.8% low", "99.8% high",
                  "Against the network"], rows)


def _curve_sizes(most: int) -> list[int]:
    """Case counts where the limits are drawn: dense where they bend, sparse where they flatten."""
    sizes, n = [], 5
    while n < most:
        sizes.append(n)
        n = max(n + 1, round(n * 1.15))
    return [*sizes, most]


@dataclass(frozen=True)
class Estimate:
    label: str
    value: float
    low: float
    high: float
    cases: int


def interval_chart(key: str, title: str, label: str, estimates: list[Estimate], text,
                   zero: float | None = 0) -> Chart:
    """One row per estimate: a dot with its interval as a whisker, and a line at ``zero``."""
    row_height = 24
    frame = Frame(height=40 + row_height * max(len(estimates), 1), left=190, bottom=30)
    low = min([zero or 0, *(e.low for e in estimates)])
    high = max([zero or 0, *(e.high for e in estimates)])
    edge = nice_top(max(abs(low), abs(high)))
    x = Scale(-edge if low < 0 else 0, edge, frame.x0, frame.x1)
    body: list[Markup] = []
    for i in range(5):
        value = x.low + (x.high - x.low) * i / 4
        body.append(element("line", x1=x(value), x2=x(value), y1=frame.y1, y2=frame.y0, class_="grid"))
        body.append(element("text", text(value), x=x(value), y=frame.y0 + 18, class_="tick tick-x"))
    if zero is not None:
        body.append(element("line", x1=x(zero), x2=x(zero), y1=frame.y1, y2=frame.y0, class_="reference"))
    for number, e in enumerate(estimates):
        y = frame.y1 + row_height * number + row_height / 2
        body.append(element("text", e.label[:28], x=frame.x0 - 8, y=y + 4, class_="tick tick-y"))
        body.append(element("line", x1=x(e.low), x2=x(e.high), y1=y, y2=y, class_="whisker"))
        body.append(element("circle", cx=x(e.value), cy=y, r=4, class_="dot series-0"))
    summary = f"{title}: " + ("; ".join(f"{e.label} {text(e.value)} ({text(e.low)} to {text(e.high)}, "
                                         f"{e.cases} cases)" for e in estimates) or "nothing to show") + "."
    rows = [[e.label, str(e.cases), text(e.value), text(e.low), text(e.high)] for e in estimates]
    return Chart(key, title, summary, document(key, title, summary, frame, body),
                 [label, "Cases", "Estimate", "95% interval low", "95% interval high"], rows)
