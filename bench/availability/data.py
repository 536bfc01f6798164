"""The data the availability benchmarks query: one busy clinic, and a million other bookings.

The clinic (``build_clinic``): New York, open Mon-Fri 8-18 and Saturday 9-13; 10 practitioners
offering both services (an assessment of 45 minutes plus a 15-minute buffer, a follow-up of 30
minutes), five working 8-16 and five 10-18 on weekdays with a 45-minute lunch break at staggered
times, three of them also on Saturday mornings; one practitioner on leave for a week, another off
for an afternoon; the clinic closed one weekday for training. The 28 days start on Monday
1 March 2027 (the clocks go forward on the 14th) and "now" is 9:00 that morning, so the
two-hour minimum notice removes the first slots.

Its 2,000 bookings (``clinic_bookings``): 1,750 active visits that never overlap (each
practitioner's day filled in order with random short gaps, then a random sample kept) and 250
cancelled ones at random times, which must not block anything.

The other 998,000 (``other_bookings``): 500 practitioners at 50 other clinics, each with 1,996
visits of one hour (45 minutes + 15 buffer) on weekdays over a year around the window.

Rows are inserted with core ``executemany`` on SQLite and ``COPY`` on PostgreSQL; only the
clinic itself goes through the services (create_clinic, create_practitioner, ...).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, text

from clinic_app.accounts.models import Role, User
from clinic_app.accounts.service import NewAccount, create_account
from clinic_app.clinics.rules import Interval
from clinic_app.clinics.service import ClinicDetails, create_clinic
from clinic_app.extensions import db
from clinic_app.patients.models import Patient
from clinic_app.scheduling.models import Booking, Practitioner, Service, TimeOff, WorkingHours, practitioner_services
from clinic_app.scheduling.service import (
    PractitionerProfile,
    ServiceDetails,
    WeeklyInterval,
    create_practitioner,
    create_service,
    set_breaks,
    set_weekly_hours,
)

ZONE_NAME = "America/New_York"
ZONE = ZoneInfo(ZONE_NAME)
FIRST_DAY = date(2027, 3, 1)
DAYS = 28
NOW = datetime(2027, 3, 1, 9, 0, tzinfo=ZONE).astimezone(UTC)
CLOSED_ON = date(2027, 3, 17)
PRACTITIONERS = 10
CLINIC_BOOKINGS = 2_000
CANCELLED = 250
TOTAL_BOOKINGS = 1_000_000
OTHER_CLINICS = 50
OTHER_PRACTITIONERS = 500
SEED = 20270301
STEP = timedelta(minutes=15)
NO_PASSWORD = "!"  # the other practitioners never sign in: no hash matches this  # noqa: S105


@dataclass(frozen=True)
class ClinicSet:
    clinic_id: int
    assessment_id: int
    follow_up_id: int
    practitioner_ids: tuple[int, ...]
    patient_ids: tuple[int, ...]


def build_clinic() -> ClinicSet:
    """The benchmark clinic, its services, practitioners, schedules and patients (no bookings)."""
    weekdays = tuple(Interval(day, time(8), time(18)) for day in range(5))
    clinic = create_clinic(ClinicDetails(
        name="Bench Clinic", status="open", address_line1="1 Bench Street", city="New York", state="NY",
        zip_code="10001", phone="(555) 010-0001", hours=(*weekdays, Interval(5, time(9), time(13))),
        closures=((CLOSED_ON, "Staff training"),),
    ))
    assessment = create_service(ServiceDetails("bench-assessment", "Assessment", 45, 15), [clinic])
    follow_up = create_service(ServiceDetails("bench-follow-up", "Follow-up", 30, 0), [clinic])
    ids = tuple(_practitioner(clinic, n, [assessment, follow_up]).id for n in range(PRACTITIONERS))
    db.session.add(TimeOff(practitioner_id=ids[3], start_at=_at(date(2027, 3, 8), time(0)),
                           end_at=_at(date(2027, 3, 13), time(0)), reason="Leave"))
    db.session.add(TimeOff(practitioner_id=ids[6], start_at=_at(date(2027, 3, 10), time(13)),
                           end_at=_at(date(2027, 3, 10), time(18)), reason="Course"))
    patients = _insert_patients(1_000)
    db.session.commit()
    return ClinicSet(clinic.id, assessment.id, follow_up.id, ids, patients)


def _practitioner(clinic, n: int, services) -> Practitioner:
    user = create_account(NewAccount(f"bench-practitioner-{n}@example.com", f"Bench Practitioner {n}",
                                     "correct horse battery staple", Role.PRACTITIONER, (clinic.id,)))
    practitioner = create_practitioner(user, PractitionerProfile(display_name=f"Practitioner {n}"), services)
    set_weekly_hours(practitioner, clinic, [WeeklyInterval(day, *hours) for day, hours in weekly_hours(n).items()])
    set_breaks(practitioner, [WeeklyInterval(day, *lunch_break(n)) for day in range(5)])
    return practitioner


def weekly_hours(n: int) -> dict[int, tuple[time, time]]:
    """Practitioner ``n``'s hours by weekday: an early or a late shift, Saturday for three."""
    shift = (time(8), time(16)) if n < 5 else (time(10), time(18))
    hours = {day: shift for day in range(5)}
    if n in (0, 5, 9):
        hours[5] = (time(9), time(13))
    return hours


def lunch_break(n: int) -> tuple[time, time]:
    return ((time(12), time(12, 45)), (time(12, 30), time(13, 15)), (time(13), time(13, 45)))[n % 3]


def _at(day: date, moment: time) -> datetime:
    return datetime.combine(day, moment, tzinfo=ZONE).astimezone(UTC)


def _insert_patients(count: int) -> tuple[int, ...]:
    rows = [dict(first_name="Bench", last_name=f"Patient {n}", email=f"bench-patient-{n}@example.com",
                 phone="555-0100", date_of_birth=date(1970 + n % 40, 1 + n % 12, 1 + n % 28), created_at=NOW)
            for n in range(count)]
    db.session.execute(insert(Patient), rows)
    return tuple(db.session.scalars(select(Patient.id).order_by(Patient.id)))


# --- the clinic's 2,000 bookings --------------------------------------------------------------

def clinic_bookings(clinic: ClinicSet) -> list[dict]:
    """1,750 non-overlapping active visits and 250 cancelled ones, over the 28 days."""
    rng = random.Random(SEED)
    durations = {clinic.assessment_id: (45, 15), clinic.follow_up_id: (30, 0)}
    placements = [
        placement for index, pid in enumerate(clinic.practitioner_ids)
        for placement in _fill_days(rng, index, pid, clinic, durations)
    ]
    if len(placements) < CLINIC_BOOKINGS - CANCELLED:
        raise RuntimeError(f"only {len(placements)} places for bookings; the schedule is too small")
    active = rng.sample(placements, CLINIC_BOOKINGS - CANCELLED)
    cancelled = [_random_cancelled(rng, clinic, durations) for _ in range(CANCELLED)]
    return [_row(n, clinic.clinic_id, *p, clinic.patient_ids) for n, p in enumerate(active + cancelled)]


def _fill_days(rng, index: int, pid: int, clinic: ClinicSet, durations) -> Iterator[tuple]:
    """Back-to-back visits with short random gaps through each working interval of each day."""
    for offset in range(DAYS):
        day = FIRST_DAY + timedelta(days=offset)
        hours = weekly_hours(index).get(day.weekday())
        if hours is None or day == CLOSED_ON or (index == 3 and date(2027, 3, 8) <= day < date(2027, 3, 13)):
            continue
        for starts, ends in _minus_break(hours, lunch_break(index) if day.weekday() < 5 else None):
            if index == 6 and day == date(2027, 3, 10):
                ends = min(ends, time(13))
            wall = datetime.combine(day, starts) + rng.choice((0, 0, 0, 1)) * STEP
            while True:
                service_id = clinic.assessment_id if rng.random() < 0.2 else clinic.follow_up_id
                minutes, buffer = durations[service_id]
                if (wall + timedelta(minutes=minutes)).time() > ends or wall.date() != day:
                    break
                start = wall.replace(tzinfo=ZONE).astimezone(UTC)
                yield (pid, service_id, start, minutes, buffer, "completed" if start < NOW else "booked")
                wall += timedelta(minutes=minutes + buffer) + rng.choice((0, 0, 0, 1)) * STEP


def _minus_break(hours: tuple[time, time], lunch: tuple[time, time] | None) -> list[tuple[time, time]]:
    if lunch is None:
        return [hours]
    return [(hours[0], lunch[0]), (lunch[1], hours[1])]


def _random_cancelled(rng, clinic: ClinicSet, durations) -> tuple:
    day = FIRST_DAY + timedelta(days=rng.randrange(DAYS))
    wall = datetime.combine(day, time(8)) + rng.randrange(36) * STEP
    service_id = rng.choice((clinic.assessment_id, clinic.follow_up_id))
    return (rng.choice(clinic.practitioner_ids), service_id, wall.replace(tzinfo=ZONE).astimezone(UTC),
            *durations[service_id], "cancelled")


def _row(n: int, clinic_id: int, pid: int, service_id: int, start: datetime, minutes: int, buffer: int,
         status: str, patient_ids) -> dict:
    end = start + timedelta(minutes=minutes)
    return dict(
        reference=f"B{n:010d}", clinic_id=clinic_id, practitioner_id=pid, service_id=service_id,
        patient_id=patient_ids[n % len(patient_ids)], start_at=start, end_at=end,
        blocked_until=end + timedelta(minutes=buffer), status=status, source="online", pain_area="",
        new_patient=n % 3 == 0, manage_token_hash=f"{n:064x}", sequence=0, created_at=start - timedelta(days=7),
        created_by_id=None, cancelled_at=start - timedelta(days=1) if status == "cancelled" else None,
        cancelled_by="patient" if status == "cancelled" else "", cancellation_reason="",
    )


# --- the other 998,000 --------------------------------------------------------------------------

def add_other_network(clinic: ClinicSet) -> tuple[list[int], list[int]]:
    """50 more clinics and 500 practitioners (10 each, weekdays 9-17 there); returns
    (clinic ids, practitioner ids). Users and practitioners are bulk-inserted."""
    clinic_ids = []
    for n in range(OTHER_CLINICS):
        other = create_clinic(ClinicDetails(
            name=f"Other Clinic {n}", status="open", address_line1=f"{n} Other Street", city="New York",
            state="NY", zip_code="10001", hours=tuple(Interval(day, time(8), time(18)) for day in range(5)),
        ))
        clinic_ids.append(other.id)
    db.session.execute(insert(User), [
        dict(email=f"other-practitioner-{n}@example.com", full_name=f"Other Practitioner {n}",
             password_hash=NO_PASSWORD, role=Role.PRACTITIONER, active=True, created_at=NOW)
        for n in range(OTHER_PRACTITIONERS)
    ])
    user_ids = db.session.scalars(select(User.id).where(User.email.like("other-practitioner-%")).order_by(User.id))
    db.session.execute(insert(Practitioner), [dict(user_id=uid, display_name=f"Other {uid}") for uid in user_ids])
    known = set(clinic.practitioner_ids)
    ids = [pid for pid in db.session.scalars(select(Practitioner.id).order_by(Practitioner.id)) if pid not in known]
    services = (clinic.assessment_id, clinic.follow_up_id)
    db.session.execute(insert(practitioner_services),
                       [dict(practitioner_id=pid, service_id=s) for pid in ids for s in services])
    db.session.execute(insert(WorkingHours), [
        dict(practitioner_id=pid, clinic_id=clinic_ids[n // 10], weekday=day, starts=time(9), ends=time(17))
        for n, pid in enumerate(ids) for day in range(5)
    ])
    db.session.commit()
    return clinic_ids, ids


def other_bookings(clinic: ClinicSet, clinic_ids: list[int], practitioner_ids: list[int],
                   count: int) -> Iterator[dict]:
    """``count`` one-hour visits spread over the weekdays of a year around the window:
    each practitioner gets count / len(practitioner_ids) of their 2,088 hourly places."""
    rng = random.Random(SEED + 1)
    weekdays = [d for d in (date(2026, 9, 1) + timedelta(days=i) for i in range(365)) if d.weekday() < 5]
    places = [(day, hour) for day in weekdays for hour in range(9, 17)]
    per_practitioner = count // len(practitioner_ids)
    n = CLINIC_BOOKINGS
    for index, pid in enumerate(practitioner_ids):
        for day, hour in rng.sample(places, per_practitioner):
            start = datetime.combine(day, time(hour), tzinfo=ZONE).astimezone(UTC)
            status = "cancelled" if n % 10 == 0 else ("completed" if start < NOW else "booked")
            yield _row(n, clinic_ids[index // 10], pid, clinic.assessment_id, start, 45, 15, status,
                       clinic.patient_ids)
            n += 1


# --- bulk loading -------------------------------------------------------------------------------

def bulk_insert_bookings(rows: Iterable[dict], batch: int = 50_000) -> int:
    """Insert booking rows fast: COPY on PostgreSQL, core executemany elsewhere. Commits."""
    if db.engine.dialect.name == "postgresql":
        return _copy_bookings(rows)
    total, chunk = 0, []
    for row in rows:
        chunk.append(row)
        if len(chunk) == batch:
            total += _execute_many(chunk)
            chunk = []
    total += _execute_many(chunk) if chunk else 0
    return total


def _execute_many(chunk: list[dict]) -> int:
    db.session.execute(insert(Booking.__table__), chunk)
    db.session.commit()
    return len(chunk)


def _copy_bookings(rows: Iterable[dict]) -> int:
    columns = [c.name for c in Booking.__table__.columns if c.name != "id"]
    connection = db.session.connection().connection.driver_connection
    total = 0
    with connection.cursor() as cursor, cursor.copy(f"COPY bookings ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row.get(c) for c in columns])  # columns a row leaves out are NULL
            total += 1
    db.session.commit()
    return total


def analyze() -> None:
    """Fresh planner statistics, as after any large load (autovacuum would do it eventually)."""
    db.session.execute(text("ANALYZE"))
    db.session.commit()


def service_slug(clinic: ClinicSet, service_id: int) -> str:
    return db.session.get(Service, service_id).slug
