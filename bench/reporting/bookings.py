"""About 1,000,000 bookings over the network built by data.py (see its module text for the mix).

Bookings are generated clinic by clinic in start order, so courses of care and "first visit"
flags come out right, and streamed into the database; the completed visits are kept (as
``Network.visits``) for the clinical records. Booking ids are the insertion order (an empty table
numbers rows 1, 2, ...), which ``load_bookings`` checks.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bench.reporting.common import bulk_insert
from bench.reporting.data import COURSE_SHARE, DAYS_AHEAD, DAYS_BACK, HOURS, OPEN_COURSES, SEED, Network, holidays
from clinic_app.extensions import db
from clinic_app.scheduling.models import Booking

SOURCES = (("online", 55), ("api", 5), ("staff", 33), ("walk_in", 5), ("import", 2))
MEAN_LEAD_DAYS = 9


def load_bookings(network: Network, total: int) -> int:
    """Insert ``total`` bookings (about: whole places per practitioner); fills network.visits."""
    count = bulk_insert(Booking.__table__, generate(network, total))
    if db.session.scalar(select(func.max(Booking.id))) != count:
        raise RuntimeError("booking ids are not the insertion order; the clinical records would be wrong")
    return count


def generate(network: Network, total: int) -> Iterator[dict]:
    rng = random.Random(SEED + 1)
    staff = sum(len(people) for people in network.practitioners.values())
    per_practitioner = max(1, total // staff)
    closed = set(holidays(network.today))
    first = network.today - timedelta(days=DAYS_BACK)
    days = [first + timedelta(days=n) for n in range(DAYS_BACK + DAYS_AHEAD)]
    weekdays = [day for day in days if day.weekday() < 5 and day not in closed]
    pools = _patient_pools(network)
    now = datetime.now(UTC)
    n = 0
    for clinic_id, zone_name in network.clinics:
        slots = _clinic_slots(rng, network, clinic_id, ZoneInfo(zone_name), weekdays, per_practitioner)
        patients = _patients_for(rng, pools[clinic_id], len(slots))
        for slot, (patient_id, new, visit_no) in zip(slots, patients, strict=True):
            n += 1
            row = _row(rng, n, clinic_id, network, slot, patient_id, new, now)
            if row["status"] == "completed":
                network.visits.append((n, patient_id, slot[0], slot[2], slot[3], visit_no, clinic_id))
            yield row


def _patient_pools(network: Network) -> dict[int, list[int]]:
    size = len(network.patients) // len(network.clinics)
    return {cid: network.patients[k * size:(k + 1) * size] for k, (cid, _) in enumerate(network.clinics)}


def _clinic_slots(rng, network: Network, clinic_id: int, zone: ZoneInfo, weekdays: list[date],
                  per_practitioner: int) -> list[tuple]:
    """(start, service, practitioner, practitioner's user) for the clinic, in start order: each
    practitioner's places at random, outside their weeks off."""
    slots = []
    for pid, uid in network.practitioners[clinic_id]:
        away = {monday + timedelta(days=k) for monday in network.time_off[pid] for k in range(5)}
        places = [(day, hour) for day in weekdays if day not in away for hour in HOURS]
        for day, hour in rng.sample(places, min(per_practitioner, len(places))):
            service = network.assessment_id if rng.random() < 0.25 else network.follow_up_id
            slots.append((datetime.combine(day, time(hour), tzinfo=zone).astimezone(UTC), service, pid, uid))
    slots.sort(key=lambda slot: (slot[0], slot[2]))
    return slots


def _patients_for(rng, pool: list[int], count: int) -> Iterator[tuple[int, bool, int]]:
    """(patient, first visit to Back Solution?, visit number) for each of ``count`` bookings:
    a new course of care one time in seven, else a visit in one of the latest courses."""
    courses: deque[int] = deque(maxlen=OPEN_COURSES)
    visits: dict[int, int] = {}
    unseen = iter(pool)
    for _ in range(count):
        if not courses or rng.random() < COURSE_SHARE:
            patient = next(unseen, None) or rng.choice(pool)
            courses.append(patient)
        else:
            patient = rng.choice(courses)
        visits[patient] = visits.get(patient, 0) + 1
        yield patient, visits[patient] == 1, visits[patient]


def _row(rng, n: int, clinic_id: int, network: Network, slot: tuple, patient_id: int, new: bool,
         now: datetime) -> dict:
    start, service_id, practitioner_id, _ = slot
    minutes, buffer = (45, 15) if service_id == network.assessment_id else (30, 0)
    lead = timedelta(days=min(120.0, rng.expovariate(1 / MEAN_LEAD_DAYS)), minutes=rng.randrange(60, 600))
    created = min(start - lead, now)
    status, cancelled_at = _outcome(rng, start, created, now)
    return dict(
        reference=f"R{n:011d}", clinic_id=clinic_id, practitioner_id=practitioner_id, service_id=service_id,
        patient_id=patient_id, start_at=start, end_at=start + timedelta(minutes=minutes),
        blocked_until=start + timedelta(minutes=minutes + buffer), status=status,
        source=rng.choices([s for s, _ in SOURCES], [w for _, w in SOURCES])[0], pain_area="lower back",
        new_patient=new, manage_token_hash=f"{n:064x}", sequence=0, created_at=created, created_by_id=None,
        cancelled_at=cancelled_at, cancelled_by="patient" if cancelled_at else "", cancellation_reason="",
    )


def _outcome(rng, start: datetime, created: datetime, now: datetime) -> tuple[str, datetime | None]:
    roll = rng.random()
    if start >= now:
        if roll < 0.10:
            return "cancelled", created + (now - created) * rng.random()
        return "booked", None
    if roll < 0.12:
        if roll < 0.04:  # late: under 24 hours before the start
            return "cancelled", max(created, start - timedelta(hours=rng.uniform(0.5, 23.5)))
        return "cancelled", created + max(timedelta(0), start - timedelta(hours=24) - created) * rng.random()
    if roll < 0.18:
        return "no_show", None
    return "completed", None
