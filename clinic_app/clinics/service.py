"""Clinic operations. They flush, never commit: the caller owns the transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from clinic_app.clinics.models import PUBLIC_STATUSES, Clinic, ClinicClosure, ClinicStatus, OpeningHours
from clinic_app.clinics.rules import (
    ZIP_PATTERN,
    Interval,
    OpeningStatus,
    is_known_timezone,
    is_open_at,
    local_date,
    opening_status,
    slug_for,
)
from clinic_app.errors import ValidationFailed
from clinic_app.extensions import db
from clinic_app.geo.geocoding import locate_zip
from clinic_app.geo.states import US_STATES

# Pages under /clinics/ that a clinic's slug must not shadow.
RESERVED_SLUGS = frozenset({"nearest", "opening-alerts"})


@dataclass(frozen=True)
class ClinicDetails:
    """Everything an editor can set on a clinic. Blank coordinates or zone come from the ZIP."""

    name: str
    status: str
    address_line1: str
    city: str
    state: str
    zip_code: str
    address_line2: str = ""
    latitude: float | None = None
    longitude: float | None = None
    timezone: str = ""
    phone: str = ""
    email: str = ""
    accepting_new_patients: bool = True
    description: str = ""
    slug: str = ""
    hours: tuple[Interval, ...] = field(default_factory=tuple)
    closures: tuple[tuple[date, str], ...] = field(default_factory=tuple)


def create_clinic(details: ClinicDetails) -> Clinic:
    clinic = Clinic()
    _apply(clinic, details)
    db.session.add(clinic)
    db.session.flush()
    return clinic


# A clinic that has never opened opens only through its rollout (clinic_app/rollout/opening.py),
# which checks the opening checklist and tells everyone who asked to hear, exactly once.
NOT_YET_OPENED = frozenset({ClinicStatus.PLANNED, ClinicStatus.COMING_SOON})


def update_clinic(clinic: Clinic, details: ClinicDetails) -> Clinic:
    if details.status == ClinicStatus.OPEN and clinic.status in NOT_YET_OPENED:
        raise ValidationFailed(
            "Open a new clinic from its page in the rollout pipeline: it checks the opening checklist "
            "and e-mails the people who asked to hear when it opens.",
            "status",
        )
    _apply(clinic, details)
    db.session.flush()
    return clinic


def open_to_patients(clinic: Clinic) -> None:
    """The clinic becomes open: bookable, and shown in the nearest-clinic search. Only the rollout's
    opening calls this for a never-opened clinic, after its checklist (see NOT_YET_OPENED above)."""
    clinic.status = ClinicStatus.OPEN
    db.session.flush()


def get_clinic(clinic_id: int) -> Clinic | None:
    return db.session.get(Clinic, clinic_id)


def get_public_clinic(clinic_id: int, with_hours: bool = True) -> Clinic | None:
    query = select(Clinic).where(Clinic.id == clinic_id, Clinic.status.in_(PUBLIC_STATUSES))
    return db.session.scalar(query.options(selectinload(Clinic.opening_hours)) if with_hours else query)


def get_clinic_by_slug(slug: str, public_only: bool = True, with_hours: bool = True) -> Clinic | None:
    """The clinic at this address; ``with_hours`` loads its opening hours and closures with it
    (the clinic's page shows them; the booking pages do not need them)."""
    query = select(Clinic).where(Clinic.slug == slug)
    if with_hours:
        query = query.options(selectinload(Clinic.opening_hours), selectinload(Clinic.closures))
    if public_only:
        query = query.where(Clinic.status.in_(PUBLIC_STATUSES))
    return db.session.scalar(query)


def list_clinics(statuses=PUBLIC_STATUSES) -> list[Clinic]:
    """Clinics in these statuses, by state then city, with their hours loaded in one query."""
    return list(
        db.session.scalars(
            select(Clinic)
            .where(Clinic.status.in_(statuses))
            .options(selectinload(Clinic.opening_hours), selectinload(Clinic.closures))
            .order_by(Clinic.state, Clinic.city, Clinic.name)
        )
    )


def clinic_hours(clinic: Clinic) -> list[Interval]:
    return [Interval(h.weekday, h.opens, h.closes) for h in clinic.opening_hours]


def clinic_opening_status(clinic: Clinic, now: datetime) -> OpeningStatus:
    """ "Open now · closes 6 PM" or "Closed now · opens 8 AM tomorrow" (rules.opening_status)."""
    if clinic.status != ClinicStatus.OPEN:
        return OpeningStatus(False, "Closed now")
    closed = {closure.closed_on for closure in clinic.closures}
    return opening_status(clinic_hours(clinic), closed, clinic.timezone, now)


def is_clinic_open(clinic: Clinic, now: datetime) -> bool:
    if clinic.status != ClinicStatus.OPEN:
        return False
    closed = {closure.closed_on for closure in clinic.closures}
    return is_open_at(clinic_hours(clinic), closed, clinic.timezone, now)


def _apply(clinic: Clinic, details: ClinicDetails) -> None:
    latitude, longitude, zone = _resolve_location(details)
    slug = details.slug.strip() or clinic.slug or slug_for(f"{details.name} {details.city}")
    if slug in RESERVED_SLUGS:
        raise ValidationFailed("That web address is used by the site itself; choose another.", "slug")
    _ensure_unique_slug(slug, clinic.id)
    clinic.slug = slug
    clinic.name = details.name.strip()
    if details.status not in set(ClinicStatus):
        raise ValidationFailed("Choose one of the listed statuses.", "status")
    clinic.status = ClinicStatus(details.status)
    clinic.address_line1 = details.address_line1.strip()
    clinic.address_line2 = details.address_line2.strip()
    clinic.city = details.city.strip()
    clinic.state = details.state
    clinic.zip_code = details.zip_code
    clinic.latitude, clinic.longitude, clinic.timezone = latitude, longitude, zone
    clinic.phone = details.phone.strip()
    clinic.email = details.email.strip().lower()
    clinic.accepting_new_patients = details.accepting_new_patients
    clinic.description = details.description.strip()
    _replace_hours(clinic, details.hours)
    _replace_closures(clinic, details.closures)


def _resolve_location(details: ClinicDetails) -> tuple[float, float, str]:
    """Check state, ZIP and zone; fill blank coordinates and zone from the ZIP's centre."""
    state = details.state.upper()
    if state not in US_STATES:
        raise ValidationFailed("Choose a US state.", "state")
    if not ZIP_PATTERN.match(details.zip_code):
        raise ValidationFailed("Enter a 5-digit ZIP code.", "zip_code")
    location = locate_zip(details.zip_code)
    if location is None:
        raise ValidationFailed(f"{details.zip_code} is not a US ZIP code.", "zip_code")
    if location.state != state:
        raise ValidationFailed(
            f"ZIP {details.zip_code} is in {US_STATES.get(location.state, location.state)}, not {US_STATES[state]}.",
            "zip_code",
        )
    zone = details.timezone.strip() or location.timezone
    if not is_known_timezone(zone):
        raise ValidationFailed("Enter an IANA time zone such as America/Chicago.", "timezone")
    if (details.latitude is None) != (details.longitude is None):
        raise ValidationFailed("Give both latitude and longitude, or leave both blank.", "latitude")
    if details.latitude is None or details.longitude is None:  # both, as checked above
        return location.latitude, location.longitude, zone
    return details.latitude, details.longitude, zone


def _ensure_unique_slug(slug: str, clinic_id: int | None) -> None:
    taken = db.session.scalar(select(Clinic.id).where(Clinic.slug == slug, Clinic.id != clinic_id))
    if taken is not None:
        raise ValidationFailed("Another clinic already uses this web address.", "slug")


def _replace_hours(clinic: Clinic, hours: tuple[Interval, ...]) -> None:
    clinic.opening_hours.clear()
    db.session.flush()  # delete old rows before inserting ones with the same unique key
    clinic.opening_hours.extend(OpeningHours(weekday=i.weekday, opens=i.opens, closes=i.closes) for i in hours)


def _replace_closures(clinic: Clinic, closures: tuple[tuple[date, str], ...]) -> None:
    clinic.closures.clear()
    db.session.flush()
    clinic.closures.extend(ClinicClosure(closed_on=day, reason=reason) for day, reason in closures)


def count_clinics_by_status() -> dict[str, int]:
    rows = db.session.execute(select(Clinic.status, func.count()).group_by(Clinic.status)).all()
    return {status: count for status, count in rows}


def states_with_open_clinics() -> list[str]:
    return list(
        db.session.scalars(
            select(Clinic.state).where(Clinic.status == ClinicStatus.OPEN).distinct().order_by(Clinic.state)
        )
    )


def get_clinic_with_staff(clinic_id: int) -> Clinic | None:
    """A clinic with its staff loaded, ordered by role then name."""
    return db.session.scalar(select(Clinic).where(Clinic.id == clinic_id).options(selectinload(Clinic.staff)))


def upcoming_closures(clinic: Clinic, now: datetime, count: int = 5) -> list[ClinicClosure]:
    """The next holiday closures from today on the clinic's own calendar."""
    today = local_date(clinic.timezone, now)
    return [closure for closure in clinic.closures if closure.closed_on >= today][:count]


def add_closure(clinic: Clinic, closed_on: date, reason: str = "") -> ClinicClosure:
    """Close the clinic for a whole day (its own calendar); no times are offered that day."""
    if any(closure.closed_on == closed_on for closure in clinic.closures):
        raise ValidationFailed("The clinic is already closed that day.", "closed_on")
    closure = ClinicClosure(closed_on=closed_on, reason=reason.strip())
    clinic.closures.append(closure)
    db.session.flush()
    return closure


def remove_closure(clinic: Clinic, closure_id: int) -> bool:
    """Reopen a closed day; False when the clinic has no such closure."""
    closure = next((c for c in clinic.closures if c.id == closure_id), None)
    if closure is None:
        return False
    clinic.closures.remove(closure)
    db.session.flush()
    return True
