"""The public directory behind the FHIR API: which clinics, services, practitioners, schedules
and free times exist, read with the same services as the public pages (the nearest-clinic
search, the availability engine)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from clinic_app.clinics.models import PUBLIC_STATUSES, Clinic, ClinicStatus
from clinic_app.clinics.search import find_nearest_clinics
from clinic_app.clinics.service import get_clinic_by_slug, list_clinics
from clinic_app.extensions import db
from clinic_app.fhir.ids import decode_id, decode_record_id
from clinic_app.fhir.params import Near
from clinic_app.scheduling.availability import free_slots
from clinic_app.scheduling.models import Practitioner, Service, WorkingHours
from clinic_app.scheduling.rules import Slot

# Free times are asked for at most this many days at once.
LONGEST_SLOT_WINDOW_DAYS = 14


def public_clinics(near: Near | None = None) -> list[Clinic]:
    """Every public clinic (open, coming soon, temporarily closed), nearest first with ``near``."""
    if near is None:
        return list_clinics()
    found = [nearby for status in PUBLIC_STATUSES
             for nearby in find_nearest_clinics(near.latitude, near.longitude, 100, near.miles, status)]
    return [nearby.clinic for nearby in sorted(found, key=lambda nearby: nearby.distance_miles)]


def clinic_by_slug(slug: str) -> Clinic | None:
    return get_clinic_by_slug(slug[:80])


def bookable_services() -> list[Service]:
    return list(db.session.scalars(select(Service).where(Service.active.is_(True))
                                   .options(selectinload(Service.clinics)).order_by(Service.slug)))


def service_by_slug(slug: str) -> Service | None:
    return db.session.scalar(select(Service).where(Service.slug == slug[:60], Service.active.is_(True)))


def public_clinics_of(service: Service) -> list[Clinic]:
    return [clinic for clinic in service.clinics if clinic.status in PUBLIC_STATUSES]


def active_practitioners() -> list[Practitioner]:
    return list(db.session.scalars(
        select(Practitioner).where(Practitioner.active.is_(True))
        .options(selectinload(Practitioner.services), selectinload(Practitioner.working_hours))
        .order_by(Practitioner.display_name, Practitioner.id)))


def practitioner_by_id(opaque: str, resource_type: str = "Practitioner") -> Practitioner | None:
    record_id = decode_record_id(resource_type, opaque)
    practitioner = db.session.get(Practitioner, record_id) if record_id else None
    return practitioner if practitioner is not None and practitioner.active else None


@dataclass(frozen=True)
class PractitionerAtClinic:
    """A practitioner's weekly work at one public clinic: a PractitionerRole and a Schedule."""

    practitioner: Practitioner
    clinic: Clinic
    hours: list[WorkingHours]

    @property
    def services(self) -> list[Service]:
        return [s for s in self.practitioner.services if s.active and self.clinic in s.clinics]


def practitioners_at_clinics() -> list[PractitionerAtClinic]:
    """Each active practitioner at each public clinic where they have weekly hours."""
    clinics = {clinic.id: clinic for clinic in list_clinics()}
    found = []
    for practitioner in active_practitioners():
        by_clinic: dict[int, list[WorkingHours]] = {}
        for row in practitioner.working_hours:
            by_clinic.setdefault(row.clinic_id, []).append(row)
        found += [PractitionerAtClinic(practitioner, clinics[clinic_id], rows)
                  for clinic_id, rows in sorted(by_clinic.items()) if clinic_id in clinics]
    return found


def practitioner_at_clinic(resource_type: str, opaque: str) -> PractitionerAtClinic | None:
    """The practitioner-at-clinic an id of a PractitionerRole or Schedule names."""
    numbers = decode_id(resource_type, opaque, 2)
    if numbers is None:
        return None
    return next((pair for pair in practitioners_at_clinics()
                 if (pair.practitioner.id, pair.clinic.id) == numbers), None)


@dataclass(frozen=True)
class FreeTime:
    clinic: Clinic
    service: Service
    practitioner: Practitioner
    slot: Slot


def free_times(pair: PractitionerAtClinic, services: list[Service], start: datetime, end: datetime,
               now: datetime) -> list[FreeTime]:
    """The practitioner's free times at the clinic for each service, starting in [start, end),
    from the booking pages' availability engine (only a clinic open for bookings has any)."""
    if pair.clinic.status != ClinicStatus.OPEN:
        return []
    zone = ZoneInfo(pair.clinic.timezone)
    first_day = max(start, now).astimezone(zone).date()
    days = min((end.astimezone(zone).date() - first_day).days + 1, LONGEST_SLOT_WINDOW_DAYS)
    if days <= 0:
        return []
    found = []
    for service in services:
        for slot in free_slots(pair.clinic, service, first_day, days, now, pair.practitioner.id):
            if start <= slot.start < end:
                found.append(FreeTime(pair.clinic, service, pair.practitioner, slot))
    return sorted(found, key=lambda free: (free.slot.start, free.service.slug))


def free_time_by_id(opaque: str, now: datetime) -> tuple[FreeTime, bool] | None:
    """The time a Slot id names, and whether it is still free."""
    numbers = decode_id("Slot", opaque, 4)
    if numbers is None:
        return None
    clinic_id, service_id, practitioner_id, minutes = numbers
    clinic, service = db.session.get(Clinic, clinic_id), db.session.get(Service, service_id)
    practitioner = db.session.get(Practitioner, practitioner_id)
    if clinic is None or service is None or practitioner is None or clinic.status not in PUBLIC_STATUSES:
        return None
    start = datetime.fromtimestamp(minutes * 60, tz=ZoneInfo("UTC"))
    slot = Slot(start, start + timedelta(minutes=service.duration_minutes), practitioner_id)
    pair = PractitionerAtClinic(practitioner, clinic, [])
    free = any(found.slot.start == start for found in free_times(pair, [service], start, slot.end, now))
    return FreeTime(clinic, service, practitioner, slot), free
