"""The points of the small outcome charts on a patient's chart page (pain 0-10, ODI 0-100),
as SVG coordinates. Pure: the template draws them, and a table beside the chart gives the same
numbers to people who do not see the picture."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

WIDTH, HEIGHT, MARGIN = 320, 140, 24


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    value: float
    day: date


@dataclass(frozen=True)
class TrendChart:
    points: list[Point]
    scale_max: float
    gridlines: list[tuple[float, float]]  # (y, value)

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


def trend_chart(series: list[tuple[date, float]], scale_max: float, steps: int = 2) -> TrendChart:
    """Place ``series`` (oldest first) evenly across the chart, 0 at the bottom and
    ``scale_max`` at the top."""
    inner_w, inner_h = WIDTH - 2 * MARGIN, HEIGHT - 2 * MARGIN

    def y_of(value: float) -> float:
        return MARGIN + inner_h * (1 - value / scale_max)

    gap = inner_w / (len(series) - 1) if len(series) > 1 else 0
    points = [Point(MARGIN + (i * gap if len(series) > 1 else inner_w / 2), y_of(value), value, day)
              for i, (day, value) in enumerate(series)]
    grid = [(y_of(scale_max * k / steps), scale_max * k / steps) for k in range(steps + 1)]
    return TrendChart(points, scale_max, grid)
