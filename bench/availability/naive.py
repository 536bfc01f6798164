"""Two honest naive availability searches, as a newcomer might first write them.

Both load the clinic's practitioners and their schedules through the ORM relationships, walk
every 15-minute start of every working-hours row of every day, and keep a start when the
visit fits the clinic's opening hours, misses the practitioner's breaks and time off, and
respects the minimum notice. They differ only in how they ask "is the practitioner free then?":

* ``nested_loop_free_slots``: load the practitioners' bookings once, then for each candidate
  slot loop over every booking (2,000 here) and test the overlap in Python;
* ``query_per_slot_free_slots``: one ``SELECT ... LIMIT 1`` per candidate slot.

Neither knows dated hours, same-day booking rules or clocks skipping an hour inside opening
hours; the benchmark data has none of those, so both must return exactly what
``free_slots`` returns (the benchmark asserts it).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from clinic_app.clinics.models import Clinic
from clinic_app.extensions import db
from clinic_app.scheduling.models import Booking, Practitioner, ScheduleBreak, Service, TimeOff, WorkingHours
from clinic_app.scheduling.rules import Slot

ACTIVE = ("booked", "arrived", "completed", "no_show")


def nested_loop_free_slots(clinic: Clinic, service: Service, first_day: date, days: int, now: datetime) -> list[Slot]:
    practitioners = _practitioners(clinic, service)
    bookings = list(db.session.scalars(
        select(Booking).where(Booking.practitioner_id.in_([p.id for p in practitioners]))
    ))

    def is_free(practitioner, start, end):
        for booking in bookings:
            if (booking.practitioner_id == practitioner.id and booking.status in ACTIVE
                    and booking.start_at < end and start < booking.blocked_until):
                return False
        return True

    return _search(clinic, service, first_day, days, now, practitioners, is_free)


def query_per_slot_free_slots(clinic: Clinic, service: Service, first_day: date, days: int,
                              now: datetime) -> list[Slot]:
    def is_free(practitioner, start, end):
        clash = db.session.scalar(
            select(Booking.id).where(
                Booking.practitioner_id == practitioner.id, Booking.status.in_(ACTIVE),
                Booking.start_at < end, Booking.blocked_until > start,
            ).limit(1)
        )
        return clash is None

    return _search(clinic, service, first_day, days, now, _practitioners(clinic, service), is_free)


def _practitioners(clinic: Clinic, service: Service) -> list[Practitioner]:
    candidates = db.session.scalars(
        select(Practitioner).join(WorkingHours).where(WorkingHours.clinic_id == clinic.id).distinct()
    )
    return sorted((p for p in candidates if p.active and service in p.services), key=lambda p: p.id)


def _search(clinic, service, first_day, days, now, practitioners, is_free) -> list[Slot]:
    zone = ZoneInfo(clinic.timezone)
    earliest = now + timedelta(hours=current_app.config["MIN_NOTICE_HOURS"])
    closed = [closure.closed_on for closure in clinic.closures]
    length = timedelta(minutes=service.duration_minutes)
    blocked = timedelta(minutes=service.duration_minutes + service.buffer_after_minutes)
    slots = []
    for practitioner in practitioners:
        breaks = db.session.scalars(select(ScheduleBreak).where(ScheduleBreak.practitioner_id == practitioner.id)).all()
        time_off = db.session.scalars(select(TimeOff).where(TimeOff.practitioner_id == practitioner.id)).all()
        for offset in range(days):
            day = first_day + timedelta(days=offset)
            if day in closed:
                continue
            for hours in practitioner.working_hours:
                if hours.clinic_id != clinic.id or hours.weekday != day.weekday():
                    continue
                wall = datetime.combine(day, hours.starts)
                while wall + length <= datetime.combine(day, hours.ends):
                    start = wall.replace(tzinfo=zone).astimezone(UTC)
                    if (start >= earliest and _clinic_open(clinic, wall, wall + length)
                            and not _in_break(breaks, wall, wall + length)
                            and not _on_time_off(time_off, start, start + blocked)
                            and is_free(practitioner, start, start + blocked)):
                        slots.append(Slot(start, start + length, practitioner.id))
                    wall += timedelta(minutes=current_app.config["SLOT_INTERVAL_MINUTES"])
    return sorted(slots, key=lambda slot: (slot.start, slot.practitioner_id))


def _clinic_open(clinic, start: datetime, end: datetime) -> bool:
    return any(
        hours.weekday == start.weekday() and hours.opens <= start.time() and end.time() <= hours.closes
        for hours in clinic.opening_hours
    )


def _in_break(breaks, start: datetime, end: datetime) -> bool:
    return any(b.weekday == start.weekday() and b.starts < end.time() and start.time() < b.ends for b in breaks)


def _on_time_off(time_off, start: datetime, end: datetime) -> bool:
    return any(t.start_at < end and start < t.end_at for t in time_off)
