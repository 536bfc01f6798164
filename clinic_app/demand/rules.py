"""Demand rules: pure functions."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CoarsePoint:
    area: str
    latitude: float
    longitude: float


def coarse_point(latitude: float, longitude: float, zip_code: str = "") -> CoarsePoint:
    """Blur a searched place so that it can describe demand but never a person: the ZIP's
    first three digits when there is one, else a cell of 0.1 degree (about 7 miles)."""
    lat, lng = round(latitude, 1), round(longitude, 1)
    area = f"ZIP {zip_code[:3]}" if len(zip_code) >= 3 else f"{lat:.1f},{lng:.1f}"
    return CoarsePoint(area, lat, lng)
