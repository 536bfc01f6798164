"""The network map's figures: clinics by status, unserved searches by area, and opening-alert
sign-ups by ZIP3 area. Reads only; every count is made in SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import case, func, select

from clinic_app.clinics.models import Clinic, ClinicStatus
from clinic_app.demand.models import DemandPoint, OpeningAlertSignup
from clinic_app.demand.where_next_service import DEMAND_DAYS
from clinic_app.extensions import db

# Beyond these the page would be too long to read and the map too slow to draw; the page says
# so, and the largest come first.
MAX_CLINICS = 2000
MAX_AREAS = 500
# The order statuses are listed in, and the letter each has on the map (not colour alone).
STATUS_ORDER = (
    ClinicStatus.OPEN, ClinicStatus.COMING_SOON, ClinicStatus.PLANNED,
    ClinicStatus.TEMPORARILY_CLOSED, ClinicStatus.CLOSED,
)
STATUS_LETTERS = {
    ClinicStatus.OPEN: "O", ClinicStatus.COMING_SOON: "S", ClinicStatus.PLANNED: "P",
    ClinicStatus.TEMPORARILY_CLOSED: "T", ClinicStatus.CLOSED: "X",
}


@dataclass(frozen=True)
class ClinicOnMap:
    id: int
    name: str
    city: str
    state: str
    status: ClinicStatus
    latitude: float
    longitude: float


@dataclass(frozen=True)
class AreaCount:
    """A count in one area (a ZIP3 or a 0.1-degree cell), placed at its points' mean position."""

    area: str
    count: int
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Listed:
    """The first rows of a longer list, and how many there are in all."""

    rows: list
    total: int

    @property
    def cut(self) -> bool:
        return self.total > len(self.rows)


def network_clinics() -> Listed:
    """Clinics by status (in STATUS_ORDER), then state, city and name; the first MAX_CLINICS."""
    status_order = case({status.value: n for n, status in enumerate(STATUS_ORDER)}, value=Clinic.status)
    rows = db.session.execute(
        select(Clinic.id, Clinic.name, Clinic.city, Clinic.state, Clinic.status, Clinic.latitude, Clinic.longitude)
        .order_by(status_order, Clinic.state, Clinic.city, Clinic.name, Clinic.id)
        .limit(MAX_CLINICS)
    ).all()
    total = db.session.scalar(select(func.count()).select_from(Clinic))
    return Listed([ClinicOnMap(*row[:4], ClinicStatus(row[4]), *row[5:]) for row in rows], total or 0)


def unserved_searches_by_area(today: date) -> Listed:
    """Searches of the last DEMAND_DAYS days that found no open clinic within the service
    radius, per area, most first."""
    count = func.count().label("searches")
    query = (
        select(DemandPoint.area, count, func.avg(DemandPoint.latitude), func.avg(DemandPoint.longitude))
        .where(DemandPoint.searched_on > today - timedelta(days=DEMAND_DAYS), DemandPoint.served.is_(False))
        .group_by(DemandPoint.area)
    )
    return _largest_areas(query, count, DemandPoint.area)


def signups_by_zip3() -> Listed:
    """Opening-alert sign-ups not unsubscribed, per ZIP3 area, most first."""
    zip3 = func.substr(OpeningAlertSignup.zip_code, 1, 3).label("zip3")
    count = func.count().label("signups")
    query = (
        select(zip3, count, func.avg(OpeningAlertSignup.latitude), func.avg(OpeningAlertSignup.longitude))
        .where(OpeningAlertSignup.unsubscribed_at.is_(None))
        .group_by(zip3)
    )
    return _largest_areas(query, count, zip3, prefix="ZIP ")


def _largest_areas(query, count, area, prefix: str = "") -> Listed:
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.execute(query.order_by(count.desc(), area).limit(MAX_AREAS)).all()
    return Listed([AreaCount(prefix + name, n, float(lat), float(lng)) for name, n, lat, lng in rows], total or 0)


def map_data(clinics: Listed, searches: Listed, signups: Listed) -> dict:
    """What static/js/network_map.js draws: the same rows as the page's tables."""
    return {
        "clinics": [
            {"name": c.name, "place": f"{c.city}, {c.state}", "status": c.status.value, "label": c.status.label,
             "letter": STATUS_LETTERS[c.status], "lat": c.latitude, "lng": c.longitude}
            for c in clinics.rows
        ],
        "searches": [{"area": a.area, "count": a.count, "lat": a.latitude, "lng": a.longitude} for a in searches.rows],
        "signups": [{"area": a.area, "count": a.count, "lat": a.latitude, "lng": a.longitude} for a in signups.rows],
    }
