"""Distances on the Earth, and the boxes that bound them. Pure functions.

The reference distance is the geodesic on the WGS-84 ellipsoid (what geopy computes). It is
costly (about 0.1 ms), so the search ranks candidates by the spherical (haversine) distance,
which is within HAVERSINE_ERROR of the geodesic, and computes the geodesic only for the few
that can still be among the nearest.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from geographiclib.geodesic import Geodesic

EARTH_MEAN_RADIUS_MILES = 3958.7613
METRES_PER_MILE = 1609.344
# Haversine on the mean sphere vs the WGS-84 geodesic: the relative error stays below 0.56%
# (flattening 1/298.257); 0.6% leaves a margin. Used to bound which candidates need a geodesic.
HAVERSINE_ERROR = 0.006
# The shortest distance between parallels one degree apart anywhere on WGS-84 is 68.70 miles
# (at the equator); a smaller figure only makes boxes a little larger, never too small.
MIN_MILES_PER_DEGREE_LATITUDE = 68.6


@dataclass(frozen=True)
class Box:
    """A latitude/longitude box; ``longitude`` is None when the box wraps the whole way round."""

    min_latitude: float
    max_latitude: float
    min_longitude: float | None
    max_longitude: float | None


def haversine_miles(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = phi2 - phi1, math.radians(lng2 - lng1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_MEAN_RADIUS_MILES * math.asin(min(1.0, math.sqrt(a)))


def geodesic_miles(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """The WGS-84 geodesic distance, as geopy's ``geodesic(...).miles`` gives it."""
    return Geodesic.WGS84.Inverse(lat1, lng1, lat2, lng2, Geodesic.DISTANCE)["s12"] / METRES_PER_MILE


def bounding_box(latitude: float, longitude: float, radius_miles: float) -> Box:
    """A box holding every point within ``radius_miles`` of the centre (and some beyond).

    Longitude degrees shrink towards the poles, so the box is widest at its edge nearest a
    pole; near a pole, or when it would cross the antimeridian, longitude is not bounded.
    """
    d_lat = radius_miles / MIN_MILES_PER_DEGREE_LATITUDE
    min_lat, max_lat = latitude - d_lat, latitude + d_lat
    if min_lat <= -90 or max_lat >= 90:
        return Box(max(min_lat, -90), min(max_lat, 90), None, None)
    widest = max(abs(min_lat), abs(max_lat))
    miles_per_degree_lng = MIN_MILES_PER_DEGREE_LATITUDE * math.cos(math.radians(widest))
    d_lng = radius_miles / miles_per_degree_lng
    if d_lng >= 180 or longitude - d_lng < -180 or longitude + d_lng > 180:
        return Box(min_lat, max_lat, None, None)
    return Box(min_lat, max_lat, longitude - d_lng, longitude + d_lng)


def nearest_by_geodesic(origin: tuple[float, float], points: list[tuple[int, float, float]], limit: int):
    """The ``limit`` nearest of ``points`` (id, latitude, longitude) by geodesic distance, as
    (id, miles) pairs, nearest first (ties by id): the same answer as measuring every point.

    Points are ranked by haversine; only those whose haversine is within the error bound of
    the ``limit``-th are measured exactly.
    """
    if not points or limit <= 0:
        return []
    lat, lng = origin
    ranked = sorted((haversine_miles(lat, lng, p_lat, p_lng), pid, p_lat, p_lng) for pid, p_lat, p_lng in points)
    cutoff = ranked[min(limit, len(ranked)) - 1][0] * (1 + HAVERSINE_ERROR) / (1 - HAVERSINE_ERROR)
    exact = sorted(
        (geodesic_miles(lat, lng, p_lat, p_lng), pid) for h, pid, p_lat, p_lng in ranked if h <= cutoff + 1e-9
    )
    return [(pid, miles) for miles, pid in exact[:limit]]
