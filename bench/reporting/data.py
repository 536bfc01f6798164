"""The network the reporting benchmark reads: 300 clinics, their practitioners and hours, 150,000
patients and about 1,000,000 bookings over two years (21 months back, 3 months ahead of today).

- Clinics: ``seed_synthetic_network(300)`` (real ZIP centres, so every US time zone; one in ten
  coming soon, with no staff or bookings). Each open clinic has 3 to 5 practitioners working
  Monday-Friday 9-17 there, with a lunch break 12-13, a week of time off each year, and the clinic
  closed on New Year's Day, Independence Day and Christmas Day.
- Bookings fill each practitioner's hourly places (9, 10, 11, 13, 14, 15, 16 local time) at
  random, never overlapping, so the PostgreSQL exclusion constraint holds. A quarter are
  assessments (45 min + 15 buffer), the rest follow-ups (30 min). Patients come in courses of
  care: at each clinic a booking starts a new course (a new patient from the clinic's pool) about
  one time in seven, or else continues one of the 30 latest courses. Past visits: 12% cancelled
  (a third of them late, under 24 hours ahead), 6% no-shows, the rest completed; future: 10%
  cancelled, the rest booked. Sources: 55% online, 5% API, 33% staff, 5% walk-in, 2% imported.
  Lead time: an exponential of mean 9 days.

Rows go in with COPY on PostgreSQL and executemany on SQLite (common.bulk_insert); only the
services and the head-office account go through the app's services.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bench.reporting.common import HEAD_OFFICE_EMAIL, PASSWORD, bulk_insert
from clinic_app.accounts.models import Role, User, clinic_staff
from clinic_app.accounts.service import NewAccount, create_account
from clinic_app.accounts.two_factor import enrol_with_secret
from clinic_app.clinics.models import Clinic, ClinicClosure, ClinicStatus
from clinic_app.demo.seed import seed_synthetic_network
from clinic_app.extensions import db
from clinic_app.patients.models import Patient
from clinic_app.scheduling.models import (
    Practitioner,
    ScheduleBreak,
    TimeOff,
    WorkingHours,
    practitioner_services,
)
from clinic_app.scheduling.service import ServiceDetails, create_service

SEED = 20261127
CLINICS = 300
PATIENTS = 150_000
DAYS_BACK, DAYS_AHEAD = 640, 90
HOURS = (9, 10, 11, 13, 14, 15, 16)
COURSE_SHARE = 1 / 7  # a booking that starts a new course of care
OPEN_COURSES = 30
NO_PASSWORD = "!"  # practitioners here never sign in: no hash matches this  # noqa: S105


@dataclass
class Network:
    today: date
    assessment_id: int
    follow_up_id: int
    clinics: list[tuple[int, str]]  # (id, time zone) of the open clinics
    practitioners: dict[int, list[tuple[int, int]]]  # clinic -> [(practitioner id, user id)]
    time_off: dict[int, list[date]]  # practitioner -> first days of their weeks off
    patients: list[int]
    visits: list[tuple] = field(default_factory=list)  # completed visits, see bookings()


def build_network(today: date) -> Network:
    """Clinics, services, practitioners with hours, breaks, time off and closures, patients."""
    seed_synthetic_network(CLINICS, seed=SEED)
    db.session.commit()
    rows = db.session.execute(select(Clinic.id, Clinic.timezone).where(Clinic.status == ClinicStatus.OPEN)
                              .order_by(Clinic.id)).all()
    clinics = [(cid, zone) for cid, zone in rows]
    clinic_objects = db.session.scalars(select(Clinic).where(Clinic.status == ClinicStatus.OPEN)).all()
    assessment = create_service(ServiceDetails("bench-assessment", "Assessment", 45, 15), clinic_objects)
    follow_up = create_service(ServiceDetails("bench-follow-up", "Follow-up", 30, 0), clinic_objects)
    _head_office()
    db.session.commit()
    rng = random.Random(SEED)
    practitioners = _practitioners(rng, clinics, (assessment.id, follow_up.id))
    time_off = _schedules(rng, practitioners, today)
    _closures(clinics, today)
    patients = _patients(rng, today)
    return Network(today, assessment.id, follow_up.id, clinics, practitioners, time_off, patients)


def _head_office() -> None:
    user = create_account(NewAccount(HEAD_OFFICE_EMAIL, "Bench Head Office", PASSWORD, Role.HEAD_OFFICE))
    enrol_with_secret(user, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", datetime.now(UTC))


def _practitioners(rng, clinics, service_ids) -> dict[int, list[tuple[int, int]]]:
    plan = [(cid, n) for cid, _ in clinics for n in range(rng.choice((3, 4, 5)))]
    now = datetime.now(UTC)
    bulk_insert(User.__table__, (
        dict(email=f"bench-practitioner-{cid}-{n}@example.com", full_name=f"Practitioner {cid}-{n}",
             password_hash=NO_PASSWORD, role=Role.PRACTITIONER, active=True, created_at=now, session_version=1)
        for cid, n in plan))
    users = dict(db.session.execute(select(User.email, User.id).where(User.email.like("bench-practitioner-%"))).all())
    bulk_insert(clinic_staff, (dict(user_id=users[f"bench-practitioner-{cid}-{n}@example.com"], clinic_id=cid)
                               for cid, n in plan))
    bulk_insert(Practitioner.__table__, (
        dict(user_id=users[f"bench-practitioner-{cid}-{n}@example.com"], display_name=f"Practitioner {cid}-{n}",
             credentials="DPT", bio="", photo_url="", specialities="", active=True) for cid, n in plan))
    by_user = dict(db.session.execute(select(Practitioner.user_id, Practitioner.id)).all())
    found: dict[int, list[tuple[int, int]]] = {}
    for cid, n in plan:
        uid = users[f"bench-practitioner-{cid}-{n}@example.com"]
        found.setdefault(cid, []).append((by_user[uid], uid))
    bulk_insert(practitioner_services, (dict(practitioner_id=pid, service_id=sid)
                                        for staff in found.values() for pid, _ in staff for sid in service_ids))
    return found


def _schedules(rng, practitioners, today: date) -> dict[int, list[date]]:
    """Weekly hours Mon-Fri 9-17 with a break 12-13; a week off (Monday to Friday) in each year."""
    staff = [(cid, pid) for cid, people in practitioners.items() for pid, _ in people]
    bulk_insert(WorkingHours.__table__, (dict(practitioner_id=pid, clinic_id=cid, weekday=day, starts=time(9),
                                              ends=time(17)) for cid, pid in staff for day in range(5)))
    bulk_insert(ScheduleBreak.__table__, (dict(practitioner_id=pid, weekday=day, starts=time(12), ends=time(13))
                                          for _, pid in staff for day in range(5)))
    first = today - timedelta(days=DAYS_BACK)
    weeks = {pid: [_monday(first + timedelta(days=rng.randrange(365 * k, 365 * (k + 1)))) for k in range(2)]
             for _, pid in staff}
    # Read before the insert starts: no query may run on the connection during a COPY.
    zones = {cid: ZoneInfo(zone) for cid, zone in db.session.execute(select(Clinic.id, Clinic.timezone))}
    bulk_insert(TimeOff.__table__, (
        dict(practitioner_id=pid, start_at=_at(monday, time(0), zones[cid]),
             end_at=_at(monday + timedelta(days=5), time(0), zones[cid]), reason="Annual leave")
        for cid, pid in staff for monday in weeks[pid]))
    return weeks


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _at(day: date, moment: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, moment, tzinfo=zone).astimezone(UTC)


def holidays(today: date) -> list[date]:
    first, last = today - timedelta(days=DAYS_BACK), today + timedelta(days=DAYS_AHEAD)
    return [day for year in range(first.year, last.year + 1)
            for day in (date(year, 1, 1), date(year, 7, 4), date(year, 12, 25)) if first <= day <= last]


def _closures(clinics, today: date) -> None:
    bulk_insert(ClinicClosure.__table__, (dict(clinic_id=cid, closed_on=day, reason="Public holiday")
                                          for cid, _ in clinics for day in holidays(today)))


def _patients(rng, today: date) -> list[int]:
    created = datetime.combine(today - timedelta(days=DAYS_BACK + 30), time(12), tzinfo=UTC)
    bulk_insert(Patient.__table__, (
        dict(first_name="Bench", last_name=f"Patient {n}", email=f"bench-patient-{n}@example.com",
             phone="555-0100", date_of_birth=date(1945 + n % 60, 1 + n % 12, 1 + n % 28), user_id=None,
             created_at=created) for n in range(PATIENTS)))
    ids = list(db.session.scalars(select(Patient.id).order_by(Patient.id)))
    rng.shuffle(ids)
    return ids
