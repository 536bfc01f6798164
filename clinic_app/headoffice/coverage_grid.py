"""Points on a grid of latitude/longitude cells: which lie within a radius of a place, and
how far the nearest is. Pure functions, for the where-next ranking."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence

from clinic_app.clinics.geometry import (
    EARTH_MEAN_RADIUS_MILES,
    HAVERSINE_ERROR,
    MIN_MILES_PER_DEGREE_LATITUDE,
    bounding_box,
    haversine_miles,
    nearest_by_geodesic,
)

# Past this, the nearest-point search stops growing its box: every point is inside it.
HALF_EARTH_MILES = 12_500.0


class PointGrid:
    """Points in square cells of latitude and longitude degrees, so that those within a radius
    are found by measuring only the points in the cells the radius's bounding box touches."""

    def __init__(self, points: Sequence[tuple[float, float]], cell_miles: float):
        self.points = list(points)
        self.cell_miles = cell_miles
        self.cell_degrees = cell_miles / MIN_MILES_PER_DEGREE_LATITUDE
        cells: dict[tuple[int, int], list[int]] = defaultdict(list)
        for index, (lat, lng) in enumerate(self.points):
            cells[self.cell_of(lat, lng)].append(index)
        self.cells = dict(cells)
        # Radians and cosines, computed once: the within test runs millions of times.
        self.phi = [math.radians(lat) for lat, _ in self.points]
        self.lam = [math.radians(lng) for _, lng in self.points]
        self.cos_phi = [math.cos(phi) for phi in self.phi]

    def cell_of(self, lat: float, lng: float) -> tuple[int, int]:
        return math.floor(lat / self.cell_degrees), math.floor(lng / self.cell_degrees)

    def cells_near(self, lat: float, lng: float, radius_miles: float, occupied=None) -> list[tuple[int, int]]:
        """The cells that the radius's bounding box touches, of those in ``occupied`` (by
        default this grid's own; another grid of the same cell size may share its keys)."""
        cells = self.cells if occupied is None else occupied
        box = bounding_box(lat, lng, radius_miles)
        bounded = box.min_longitude is not None
        low = self.cell_of(box.min_latitude, box.min_longitude if bounded else 0.0)
        high = self.cell_of(box.max_latitude, box.max_longitude if bounded else 0.0)
        if not bounded or (high[0] - low[0] + 1) * (high[1] - low[1] + 1) > len(cells):
            return [key for key in cells if low[0] <= key[0] <= high[0]]
        rows, columns = range(low[0], high[0] + 1), range(low[1], high[1] + 1)
        return [(row, column) for row in rows for column in columns if (row, column) in cells]

    def in_box(self, lat: float, lng: float, radius_miles: float) -> list[int]:
        """Indices of the points in those cells: a superset of the points within the radius."""
        cells = self.cells
        return [index for key in self.cells_near(lat, lng, radius_miles) for index in cells[key]]

    def within(self, lat: float, lng: float, radius_miles: float) -> list[int]:
        """Indices of the points within the radius, in index order."""
        found = list(self._within(lat, lng, radius_miles))
        found.sort()
        return found

    def any_within(self, lat: float, lng: float, radius_miles: float) -> bool:
        return next(self._within(lat, lng, radius_miles), None) is not None

    def _within(self, lat: float, lng: float, radius_miles: float):
        """The haversine test without its arcsine, on radians computed once:
        sin^2(dphi/2) + cos(phi1) cos(phi2) sin^2(dlambda/2) <= sin^2(radius / 2R)."""
        if radius_miles >= math.pi * EARTH_MEAN_RADIUS_MILES:
            return iter(range(len(self.points)))
        limit = math.sin(radius_miles / (2 * EARTH_MEAN_RADIUS_MILES)) ** 2
        phi0, lam0 = math.radians(lat), math.radians(lng)
        cos0, sin, phi, lam, cos_phi = math.cos(phi0), math.sin, self.phi, self.lam, self.cos_phi
        return (
            i for i in self.in_box(lat, lng, radius_miles)
            if sin((phi[i] - phi0) / 2) ** 2 + cos0 * cos_phi[i] * sin((lam[i] - lam0) / 2) ** 2 <= limit
        )

    def nearest_miles(self, lat: float, lng: float) -> float | None:
        """Geodesic miles to the nearest point: the box grows until it holds one, then every
        point that could still be nearer by geodesic is measured exactly."""
        if not self.points:
            return None
        radius = self.cell_miles
        while True:
            inside = self.in_box(lat, lng, radius)
            best = min((haversine_miles(lat, lng, *self.points[i]) for i in inside), default=math.inf)
            if best <= radius or radius >= HALF_EARTH_MILES:
                break
            radius = min(radius * 4, HALF_EARTH_MILES)
        reach = min(best * (1 + HAVERSINE_ERROR) / (1 - HAVERSINE_ERROR) + 1e-6, HALF_EARTH_MILES)
        candidates = [(i, *self.points[i]) for i in self.in_box(lat, lng, reach)]
        return nearest_by_geodesic((lat, lng), candidates, 1)[0][1]
