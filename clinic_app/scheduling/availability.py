"""Free times at a clinic: load schedules and busy intervals (one query each), then ask the
pure engine in scheduling.rules."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from clinic_app.clinics.models import Clinic
from clinic_app.extensions import db
from clinic_app.scheduling.models import (
    ACTIVE_STATUSES,
    Booking,
    DatedHours,
    Practitioner,
    ScheduleBreak,
    Service,
    TimeOff,
    WorkingHours,
)
from clinic_app.scheduling.rules import BookingPolicy, PractitionerDay, Slot, WallInterval, available_slots

# No visit is longer than this: the busy query can then use the (practitioner, start) index.
LONGEST_VISIT = timedelta(hours=12)


def booking_policy() -> BookingPolicy:
    config = current_app.config
    return BookingPolicy(
        slot_interval_minutes=config["SLOT_INTERVAL_MINUTES"],
        min_notice_hours=config["MIN_NOTICE_HOURS"],
        no_same_day=config["NO_SAME_DAY_BOOKING"],
        horizon_days=config["BOOKING_HORIZON_DAYS"],
    )


def staff_booking_policy() -> BookingPolicy:
    """Staff at the desk book and move visits up to the moment they start (a walk-in, a gap
    today): the minimum notice and the no-same-day rule are for patients booking online."""
    return replace(booking_policy(), min_notice_hours=0, no_same_day=False)


def practitioners_offering(clinic: Clinic, service: Service, practitioner_id: int | None = None) -> list[Practitioner]:
    """Active practitioners who offer the service and have hours at the clinic."""
    query = (
        select(Practitioner)
        .join(WorkingHours, WorkingHours.practitioner_id == Practitioner.id)
        .where(WorkingHours.clinic_id == clinic.id, Practitioner.active.is_(True))
        .where(Practitioner.services.any(Service.id == service.id))
        .distinct()
        .order_by(Practitioner.id)
    )
    if practitioner_id is not None:
        query = query.where(Practitioner.id == practitioner_id)
    return list(db.session.scalars(query))


def free_slots(
    clinic: Clinic,
    service: Service,
    first_day: date,
    days: int,
    now: datetime,
    practitioner_id: int | None = None,
    ignore_bookings: bool = False,
    policy: BookingPolicy | None = None,
) -> list[Slot]:
    """Every free slot for the service at the clinic over ``days`` local days."""
    practitioners = practitioners_offering(clinic, service, practitioner_id)
    if not practitioners or clinic not in service.clinics:
        return []
    ids = [p.id for p in practitioners]
    window = _utc_window(clinic.timezone, first_day, days)
    return available_slots(
        zone_name=clinic.timezone,
        first_day=first_day,
        days=days,
        duration_minutes=service.duration_minutes,
        buffer_minutes=service.buffer_after_minutes,
        schedules=_schedules(ids, clinic.id, first_day, days, window),
        opening=_opening(clinic),
        closures={closure.closed_on for closure in clinic.closures},
        busy={} if ignore_bookings else busy_intervals(ids, *window),
        now=now,
        policy=policy or booking_policy(),
    )


def busy_intervals(practitioner_ids: list[int], start: datetime, end: datetime) -> dict[int, list[tuple]]:
    """Each practitioner's active bookings overlapping [start, end), as (start, blocked_until)."""
    rows = db.session.execute(
        select(Booking.practitioner_id, Booking.start_at, Booking.blocked_until).where(
            Booking.practitioner_id.in_(practitioner_ids),
            Booking.status.in_(ACTIVE_STATUSES),
            Booking.start_at < end,
            Booking.start_at > start - LONGEST_VISIT,
            Booking.blocked_until > start,
        )
    )
    busy: dict[int, list[tuple]] = defaultdict(list)
    for practitioner_id, b_start, b_until in rows:
        busy[practitioner_id].append((b_start, b_until))
    return busy


def _utc_window(zone_name: str, first_day: date, days: int) -> tuple[datetime, datetime]:
    zone = ZoneInfo(zone_name)
    start = datetime.combine(first_day, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(first_day + timedelta(days=days), time(0), tzinfo=zone).astimezone(UTC)
    return start, end


def _opening(clinic: Clinic) -> dict[int, list[WallInterval]]:
    opening: dict[int, list[WallInterval]] = defaultdict(list)
    for hours in clinic.opening_hours:
        opening[hours.weekday].append(WallInterval(hours.opens, hours.closes))
    return opening


def _schedules(ids: list[int], clinic_id: int, first_day: date, days: int, window) -> list[PractitionerDay]:
    weekly = _by_practitioner(
        db.session.scalars(select(WorkingHours).where(WorkingHours.practitioner_id.in_(ids),
                                                      WorkingHours.clinic_id == clinic_id)),
        key=lambda row: row.weekday,
    )
    breaks = _by_practitioner(
        db.session.scalars(select(ScheduleBreak).where(ScheduleBreak.practitioner_id.in_(ids))),
        key=lambda row: row.weekday,
    )
    dated = _by_practitioner(
        db.session.scalars(
            select(DatedHours).where(
                DatedHours.practitioner_id.in_(ids),
                DatedHours.clinic_id == clinic_id,
                DatedHours.on_date.between(first_day, first_day + timedelta(days=days)),
            )
        ),
        key=lambda row: row.on_date,
    )
    time_off: dict[int, list[tuple]] = defaultdict(list)
    for row in db.session.scalars(
        select(TimeOff).where(
            TimeOff.practitioner_id.in_(ids), TimeOff.start_at < window[1], TimeOff.end_at > window[0]
        )
    ):
        time_off[row.practitioner_id].append((row.start_at, row.end_at))
    return [
        PractitionerDay(pid, weekly.get(pid, {}), breaks.get(pid, {}), dated.get(pid, {}), time_off.get(pid, []))
        for pid in ids
    ]


def _by_practitioner(rows, key) -> dict[int, dict]:
    """{practitioner_id: {key(row): [WallInterval, ...]}}"""
    grouped: dict[int, dict] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        grouped[row.practitioner_id][key(row)].append(WallInterval(row.starts, row.ends))
    return grouped
