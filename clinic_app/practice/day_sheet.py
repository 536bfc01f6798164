"""What the practice schedule shows: each practitioner's visits over one or seven local days,
on the clinic's clock. Reads only; the changes go through scheduling.visits and
scheduling.booking."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from clinic_app.accounts.models import User
from clinic_app.accounts.policy import sees_whole_clinic
from clinic_app.clinics.models import Clinic
from clinic_app.extensions import db
from clinic_app.patients.models import Patient
from clinic_app.scheduling.models import ATTENDED, Booking, BookingStatus, Practitioner, WorkingHours
from clinic_app.scheduling.visits import ALLOWED

# Statuses that show the patient has been to a visit.
SEARCH_LIMIT = 20
FARTHEST_DAY_SHOWN = 3660  # days either side of today


@dataclass(frozen=True)
class VisitRow:
    """One visit as the schedule lists it; ``start``/``end`` on the clinic's clock."""

    booking: Booking
    start: datetime
    end: datetime
    returning: bool

    @property
    def next_statuses(self) -> list[str]:
        """The status changes the desk may try from here (mark_visit has the last word)."""
        return [status for status, origins in ALLOWED.items() if self.booking.status in origins]


@dataclass(frozen=True)
class Column:
    practitioner: Practitioner
    days: list[tuple[date, list[VisitRow]]]

    @property
    def visit_count(self) -> int:
        return sum(len(rows) for _, rows in self.days)


def local_window(zone: ZoneInfo, first_day: date, days: int) -> tuple[datetime, datetime]:
    """The UTC instants of local midnight starting ``first_day`` and ``days`` later (a
    spring-forward day is 23 hours long, a fall-back day 25)."""
    start = datetime.combine(first_day, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(first_day + timedelta(days=days), time(0), tzinfo=zone).astimezone(UTC)
    return start, end


def day_shown(requested: date | None, today: date) -> date:
    """The day asked for, or today when none (or an absurd one, years away) was asked for."""
    if requested is None or abs((requested - today).days) > FARTHEST_DAY_SHOWN:
        return today
    return requested


def week_start(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def schedule_practitioners(clinic: Clinic, user: User) -> list[Practitioner]:
    """Whose visits ``user`` sees: a manager, everyone with hours at the clinic; a
    practitioner, themselves."""
    query = select(Practitioner).order_by(Practitioner.display_name, Practitioner.id)
    if not sees_whole_clinic(user):
        return list(db.session.scalars(query.where(Practitioner.user_id == user.id)))
    working_here = select(WorkingHours.practitioner_id).where(WorkingHours.clinic_id == clinic.id)
    booked_here = select(Booking.practitioner_id).where(Booking.clinic_id == clinic.id)
    return list(db.session.scalars(
        query.where(or_(Practitioner.id.in_(working_here), Practitioner.id.in_(booked_here)))
    ))


def build_columns(clinic: Clinic, practitioners: list[Practitioner], first_day: date, days: int) -> list[Column]:
    """Each practitioner's visits (cancelled ones left out) for each local day, by start."""
    zone = ZoneInfo(clinic.timezone)
    bookings = _bookings(clinic.id, [p.id for p in practitioners], *local_window(zone, first_day, days))
    returning = _returning(bookings)
    dates = [first_day + timedelta(days=n) for n in range(days)]
    columns = []
    for practitioner in practitioners:
        rows = [_row(b, zone, b.id in returning) for b in bookings if b.practitioner_id == practitioner.id]
        columns.append(Column(practitioner, [(d, [r for r in rows if r.start.date() == d]) for d in dates]))
    return columns


def find_visit(clinic_id: int, booking_id: int) -> Booking | None:
    booking = db.session.get(Booking, booking_id)
    return booking if booking is not None and booking.clinic_id == clinic_id else None


def search_clinic_patients(clinic_id: int, text: str) -> list[Patient]:
    """Patients with a booking at this clinic whose name or e-mail contains every word typed."""
    words = [w for w in text.lower().split() if w][:4]
    if not words:
        return []
    at_clinic = select(Booking.patient_id).where(Booking.clinic_id == clinic_id)
    query = select(Patient).where(Patient.id.in_(at_clinic)).order_by(Patient.last_name, Patient.first_name)
    for word in words:
        pattern = "%" + word[:80].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(or_(*(func.lower(column).like(pattern, escape="\\")
                                  for column in (Patient.first_name, Patient.last_name, Patient.email))))
    return list(db.session.scalars(query.limit(SEARCH_LIMIT)))


def clinic_patient(clinic_id: int, patient_id: int) -> Patient | None:
    """The patient, when they have a booking at this clinic (staff book only their own patients
    by record; anyone else is booked as a new patient by their details)."""
    at_clinic = select(Booking.id).where(Booking.clinic_id == clinic_id, Booking.patient_id == patient_id)
    return db.session.get(Patient, patient_id) if db.session.scalar(at_clinic.limit(1)) else None


def _bookings(clinic_id: int, practitioner_ids: list[int], start: datetime, end: datetime) -> list[Booking]:
    return list(db.session.scalars(
        select(Booking)
        .where(Booking.clinic_id == clinic_id, Booking.practitioner_id.in_(practitioner_ids),
               Booking.status != BookingStatus.CANCELLED, Booking.start_at >= start, Booking.start_at < end)
        .options(selectinload(Booking.patient), selectinload(Booking.service))
        .order_by(Booking.start_at)
    ))


def _returning(bookings: list[Booking]) -> set[int]:
    """Visits of patients who said they had been before, or who came to an earlier visit."""
    patient_ids = {b.patient_id for b in bookings}
    first_attended = dict(db.session.execute(
        select(Booking.patient_id, func.min(Booking.start_at))
        .where(Booking.patient_id.in_(patient_ids), Booking.status.in_(ATTENDED))
        .group_by(Booking.patient_id)
    ).all()) if patient_ids else {}
    return {
        b.id for b in bookings
        if not b.new_patient or _before(first_attended.get(b.patient_id), b.start_at)
    }


def _before(moment: datetime | None, other: datetime) -> bool:
    # SQLite hands back aggregates without their zone: they are stored in UTC.
    return moment is not None and (moment if moment.tzinfo else moment.replace(tzinfo=UTC)) < other


def _row(booking: Booking, zone: ZoneInfo, returning: bool) -> VisitRow:
    return VisitRow(booking, booking.start_at.astimezone(zone), booking.end_at.astimezone(zone), returning)
