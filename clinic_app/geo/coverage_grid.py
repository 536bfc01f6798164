"""Points on a grid of latitude/longitude cells: which lie within a radius of a place, and
how far the nearest is. Pure functions, for the where-next ranking."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence

from clinic_app.geo.geometry import (
    EARTH_MEAN_RADIUS_MILES,
    HAVERSINE_ERROR,
    MIN_MILES_PER_DEGREE_LATITUDE,
    bounding_box,
    haversine_miles,
    nearest_by_geodesic,
)

# Past this, the nearest-point search stops growing its box: every point is inside it.
HALF_EARTH_MILES = 12_500.0
# A cell is taken whole only with room to spare: its corners are pushed out by this many
# degrees (far more than the rounding of lat / cell_degrees that places a point in a cell)
# and must lie this fraction inside the limit (far more than the rounding of the test itself),
# so that every point in it would also pass its own test, to the bit.
CELL_MARGIN_DEGREES = 1e-9
CELL_MARGIN = 1e-9
# Fewer points than this in a cell are measured one by one: cheaper than its four corners.
WHOLE_CELL_MIN_POINTS = 10


class PointGrid:
    """Points in square cells of latitude and longitude degrees, so that those within a radius
    are found by measuring only the points in the cells the radius's bounding box touches, and
    not even those when the cell lies wholly within the radius."""

    def __init__(self, points: Sequence[tuple[float, float]], cell_miles: float):
        self.points = list(points)
        self.cell_miles = cell_miles
        self.cell_degrees = cell_miles / MIN_MILES_PER_DEGREE_LATITUDE
        cells: dict[tuple[int, int], list[int]] = defaultdict(list)
        size, floor = self.cell_degrees, math.floor
        for index, (lat, lng) in enumerate(self.points):
            cells[floor(lat / size), floor(lng / size)].append(index)  # cell_of, inlined
        # Tuples, not lists: the garbage collector stops tracking a tuple of numbers.
        self.cells = {key: tuple(indices) for key, indices in cells.items()}
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
        if box.min_longitude is None or box.max_longitude is None:  # the box goes all the way round
            low, high = self.cell_of(box.min_latitude, 0.0), self.cell_of(box.max_latitude, 0.0)
            return [key for key in cells if low[0] <= key[0] <= high[0]]
        low = self.cell_of(box.min_latitude, box.min_longitude)
        high = self.cell_of(box.max_latitude, box.max_longitude)
        if (high[0] - low[0] + 1) * (high[1] - low[1] + 1) > len(cells):
            return [key for key in cells if low[0] <= key[0] <= high[0]]
        rows, columns = range(low[0], high[0] + 1), range(low[1], high[1] + 1)
        return [(row, column) for row in rows for column in columns if (row, column) in cells]

    def in_box(self, lat: float, lng: float, radius_miles: float) -> list[int]:
        """Indices of the points in those cells: a superset of the points within the radius."""
        cells = self.cells
        return [index for key in self.cells_near(lat, lng, radius_miles) for index in cells[key]]

    def within(self, lat: float, lng: float, radius_miles: float) -> list[int]:
        """Indices of the points within the radius, in index order."""
        cells = self.cells
        whole, partly, origin = self._split_cells(lat, lng, radius_miles, cells)
        found = [index for key in whole for index in cells[key]]
        found.extend(self._measure([index for key in partly for index in cells[key]], origin))
        found.sort()
        return found

    def covered_by(self, places: Sequence[tuple[float, float]], radius_miles: float) -> list[bool]:
        """For each point, whether any of ``places`` lies within the radius. Measured from the
        places (the test is symmetric, to the bit), and a point once covered is not measured
        again: a few hundred clinics, not a box around every point."""
        covered = [False] * len(self.points)
        left = dict(self.cells)
        for lat, lng in places:
            whole, partly, origin = self._split_cells(lat, lng, radius_miles, left)
            for key in whole:
                for index in left.pop(key):
                    covered[index] = True
            for index in self._measure([index for key in partly for index in left[key]], origin):
                covered[index] = True
            for key in partly:
                remaining = tuple(index for index in left[key] if not covered[index])
                if remaining:
                    left[key] = remaining
                else:
                    del left[key]
        return covered

    def _split_cells(self, lat: float, lng: float, radius_miles: float, cells: dict):
        """The cells of ``cells`` that the radius's bounding box touches, as (those wholly
        within the radius, the others), and the origin to measure the others' points from."""
        origin = _Origin(lat, lng, radius_miles)
        if radius_miles >= math.pi * EARTH_MEAN_RADIUS_MILES:
            return list(cells), [], origin
        keys = self.cells_near(lat, lng, radius_miles, cells)
        if bounding_box(lat, lng, radius_miles).min_longitude is None:
            return [], keys, origin
        whole, partly = [], []
        for key in keys:
            if len(cells[key]) >= WHOLE_CELL_MIN_POINTS and self._cell_within(key, origin):
                whole.append(key)
            else:
                partly.append(key)
        return whole, partly, origin

    def _measure(self, indices: list[int], origin: _Origin) -> list[int]:
        """Those of ``indices`` within the radius, by the haversine test without its arcsine,
        on radians computed once: sin^2(dphi/2) + cos(phi1) cos(phi2) sin^2(dlambda/2) <=
        sin^2(radius / 2R)."""
        phi0, lam0, cos0, limit = origin.phi, origin.lam, origin.cos_phi, origin.limit
        sin, phi, lam, cos_phi = math.sin, self.phi, self.lam, self.cos_phi
        return [i for i in indices
                if sin((phi[i] - phi0) / 2) ** 2 + cos0 * cos_phi[i] * sin((lam[i] - lam0) / 2) ** 2 <= limit]

    def _cell_within(self, key: tuple[int, int], origin: _Origin) -> bool:
        """Whether the whole cell lies within the radius: its four corners do. On a bounded
        box (less than half the globe across), the farthest point of a latitude/longitude
        cell from the origin is a corner: along a parallel the distance grows with the
        longitude difference, and along a meridian (a great circle) it has no maximum inside
        an arc this short."""
        row, column = key
        size, margin = self.cell_degrees, CELL_MARGIN_DEGREES
        limit = origin.limit * (1 - CELL_MARGIN)
        for lat in (row * size - margin, (row + 1) * size + margin):
            phi = math.radians(lat)
            north_south = math.sin((phi - origin.phi) / 2) ** 2
            for lng in (column * size - margin, (column + 1) * size + margin):
                east_west = math.sin((math.radians(lng) - origin.lam) / 2) ** 2
                if north_south + origin.cos_phi * math.cos(phi) * east_west > limit:
                    return False
        return True

    def nearest_miles(self, lat: float, lng: float) -> float | None:
        """Geodesic miles to the nearest point (see ``nearest``); None without points."""
        found = self.nearest(lat, lng)
        return None if found is None else found[1]

    def nearest(self, lat: float, lng: float) -> tuple[int, float] | None:
        """(index, geodesic miles) of the nearest point: the box grows until it holds one, then
        every point that could still be nearer by geodesic is measured exactly."""
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
        index, miles = nearest_by_geodesic((lat, lng), candidates, 1)[0]
        return index, miles


class _Origin:
    """The centre of a radius in radians, and the haversine limit of the radius."""

    __slots__ = ("phi", "lam", "cos_phi", "limit")

    def __init__(self, lat: float, lng: float, radius_miles: float):
        self.phi, self.lam = math.radians(lat), math.radians(lng)
        self.cos_phi = math.cos(self.phi)
        self.limit = math.sin(radius_miles / (2 * EARTH_MEAN_RADIUS_MILES)) ** 2
