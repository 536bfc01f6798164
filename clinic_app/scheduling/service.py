"""Services, practitioner profiles and weekly schedules: what staff set up so patients can
book. Flush, never commit: the caller commits."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import time

from sqlalchemy import select

from clinic_app.accounts.models import Role, User
from clinic_app.clinics.models import Clinic
from clinic_app.errors import ValidationFailed
from clinic_app.extensions import db
from clinic_app.scheduling.models import Practitioner, ScheduleBreak, Service, WorkingHours


@dataclass(frozen=True)
class ServiceDetails:
    slug: str
    name: str
    duration_minutes: int
    buffer_after_minutes: int = 0
    new_patients_only: bool = False
    description: str = ""


@dataclass(frozen=True)
class PractitionerProfile:
    display_name: str
    credentials: str = ""
    bio: str = ""
    photo_url: str = ""
    specialities: str = ""


@dataclass(frozen=True)
class WeeklyInterval:
    """Hours on a weekday (0 = Monday), in the clinic's wall-clock time."""

    weekday: int
    starts: time
    ends: time


def create_service(details: ServiceDetails, clinics: Iterable[Clinic] = ()) -> Service:
    if db.session.scalar(select(Service.id).where(Service.slug == details.slug)) is not None:
        raise ValidationFailed("A service with this short name already exists.", "slug")
    if not 5 <= details.duration_minutes <= 480:
        raise ValidationFailed("A visit lasts between 5 minutes and 8 hours.", "duration_minutes")
    service = Service(
        slug=details.slug,
        name=details.name,
        duration_minutes=details.duration_minutes,
        buffer_after_minutes=details.buffer_after_minutes,
        new_patients_only=details.new_patients_only,
        description=details.description,
        clinics=list(clinics),
    )
    db.session.add(service)
    db.session.flush()
    return service


def list_services(active_only: bool = True) -> list[Service]:
    query = select(Service).order_by(Service.new_patients_only.desc(), Service.name)
    if active_only:
        query = query.where(Service.active.is_(True))
    return list(db.session.scalars(query))


def create_practitioner(user: User, profile: PractitionerProfile, services: Iterable[Service] = ()) -> Practitioner:
    """The bookable profile of a practitioner's account."""
    if user.role != Role.PRACTITIONER:
        raise ValidationFailed("Only practitioner accounts can have a booking profile.", "user")
    practitioner = Practitioner(user=user, services=list(services), **profile.__dict__)
    db.session.add(practitioner)
    db.session.flush()
    return practitioner


def set_weekly_hours(practitioner: Practitioner, clinic: Clinic, hours: Iterable[WeeklyInterval]) -> None:
    """Replace the practitioner's weekly hours at this clinic. One person cannot be in two
    clinics at once, so hours that overlap their hours elsewhere are refused."""
    hours = list(hours)
    elsewhere = [row for row in practitioner.working_hours if row.clinic_id != clinic.id]
    taken = [WeeklyInterval(row.weekday, row.starts, row.ends) for row in elsewhere]
    for interval in hours:
        if interval.ends <= interval.starts:
            raise ValidationFailed("Each working period must end after it starts.", "hours")
        if any(_overlap(interval, other) for other in taken):
            raise ValidationFailed("These hours overlap other hours of the same practitioner.", "hours")
        taken.append(interval)
    practitioner.working_hours = elsewhere + [_row(practitioner, clinic, interval) for interval in hours]
    db.session.flush()


def set_breaks(practitioner: Practitioner, breaks: Iterable[WeeklyInterval]) -> None:
    """Replace the practitioner's weekly breaks (lunch)."""
    db.session.execute(db.delete(ScheduleBreak).where(ScheduleBreak.practitioner_id == practitioner.id))
    for interval in breaks:
        if interval.ends <= interval.starts:
            raise ValidationFailed("Each break must end after it starts.", "breaks")
        db.session.add(ScheduleBreak(practitioner_id=practitioner.id, weekday=interval.weekday,
                                     starts=interval.starts, ends=interval.ends))
    db.session.flush()


def _overlap(a: WeeklyInterval, b: WeeklyInterval) -> bool:
    return a.weekday == b.weekday and a.starts < b.ends and b.starts < a.ends


def _row(practitioner: Practitioner, clinic: Clinic, interval: WeeklyInterval) -> WorkingHours:
    return WorkingHours(practitioner_id=practitioner.id, clinic_id=clinic.id, weekday=interval.weekday,
                        starts=interval.starts, ends=interval.ends)


def practitioners_at(clinic: Clinic) -> list[Practitioner]:
    """The team patients see on a clinic's page: active practitioners with weekly hours there,
    by name."""
    return list(db.session.scalars(
        select(Practitioner)
        .where(Practitioner.active.is_(True), Practitioner.working_hours.any(WorkingHours.clinic_id == clinic.id))
        .order_by(Practitioner.display_name)
    ))
