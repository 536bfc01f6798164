"""Find the clinics nearest a place: an indexed box in SQL, then exact distances for a few.

The box starts small and grows until it holds enough clinics that are provably nearer than
anything outside it, so a dense network costs one small query and a sparse one a few; no
search ever measures every clinic.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from clinic_app.clinics.geocoding import Place
from clinic_app.clinics.geometry import bounding_box, nearest_by_geodesic
from clinic_app.clinics.models import Clinic, ClinicStatus
from clinic_app.demand.rules import is_served
from clinic_app.demand.service import record_search
from clinic_app.extensions import db

FIRST_RADIUS_MILES = 25.0
GROWTH = 4.0
# Beyond this every clinic on Earth is inside the box.
HALF_EARTH_MILES = 12_500.0


@dataclass(frozen=True)
class NearbyClinic:
    clinic: Clinic
    distance_miles: float


def find_nearest_clinics(
    latitude: float,
    longitude: float,
    limit: int = 5,
    radius_miles: float | None = None,
    status: ClinicStatus = ClinicStatus.OPEN,
) -> list[NearbyClinic]:
    """The ``limit`` clinics in ``status`` nearest the point, nearest first, each with its
    geodesic distance; only those within ``radius_miles`` when it is given."""
    ranked = _nearest_ids(latitude, longitude, limit, radius_miles, status)
    return _with_clinics(ranked)[0]


def _with_clinics(*rankings: list[tuple[int, float]]) -> list[list[NearbyClinic]]:
    """Each ranking of (clinic id, miles) as NearbyClinics, loading every clinic they name, with
    its opening hours and closures, in one go (three statements however many rankings)."""
    ids = {clinic_id for ranked in rankings for clinic_id, _ in ranked}
    if not ids:
        return [[] for _ in rankings]
    clinics = db.session.scalars(
        select(Clinic)
        .where(Clinic.id.in_(ids))
        .options(selectinload(Clinic.opening_hours), selectinload(Clinic.closures))
    )
    by_id = {clinic.id: clinic for clinic in clinics}
    return [[NearbyClinic(by_id[clinic_id], miles) for clinic_id, miles in ranked] for ranked in rankings]


def _nearest_ids(latitude, longitude, limit, radius_miles, status) -> list[tuple[int, float]]:
    widest = HALF_EARTH_MILES if radius_miles is None else min(radius_miles, HALF_EARTH_MILES)
    radius = min(FIRST_RADIUS_MILES, widest)
    while True:
        candidates = _candidates_in_box(latitude, longitude, radius, status)
        ranked = nearest_by_geodesic((latitude, longitude), candidates, limit)
        within = [(clinic_id, miles) for clinic_id, miles in ranked if miles <= radius]
        # Everything outside the box is farther than ``radius``, so these are final.
        if len(within) == limit or radius >= widest:
            return within
        radius = min(radius * GROWTH, widest)


def _candidates_in_box(latitude, longitude, radius_miles, status) -> list[tuple[int, float, float]]:
    box = bounding_box(latitude, longitude, radius_miles)
    query = select(Clinic.id, Clinic.latitude, Clinic.longitude).where(
        Clinic.status == status, Clinic.latitude.between(box.min_latitude, box.max_latitude)
    )
    if box.min_longitude is not None:
        query = query.where(Clinic.longitude.between(box.min_longitude, box.max_longitude))
    return [tuple(row) for row in db.session.execute(query)]


@dataclass(frozen=True)
class NearbySearch:
    origin: Place
    results: list[NearbyClinic]
    coming_soon: list[NearbyClinic]
    nearest_open_miles: float | None
    service_radius_miles: float

    @property
    def served(self) -> bool:
        return is_served(self.nearest_open_miles, self.service_radius_miles)


def search_near(
    origin: Place, limit: int, radius_miles: float | None, service_radius_miles: float, now: datetime
) -> NearbySearch:
    """A patient's search: the nearest open clinics, those opening soon within the service
    radius, and an anonymous demand point recording how far the nearest open clinic was."""
    point = (origin.latitude, origin.longitude)
    open_ranked = _nearest_ids(*point, limit, radius_miles, ClinicStatus.OPEN)
    nearest = _nearest_ids(*point, 1, None, ClinicStatus.OPEN) if radius_miles is not None else open_ranked[:1]
    nearest_miles = nearest[0][1] if nearest else None
    soon_ranked = _nearest_ids(*point, 3, service_radius_miles, ClinicStatus.COMING_SOON)
    results, coming_soon = _with_clinics(open_ranked, soon_ranked)
    record_search(origin.latitude, origin.longitude, origin.zip_code, nearest_miles, service_radius_miles, now)
    return NearbySearch(origin, results, coming_soon, nearest_miles, service_radius_miles)
