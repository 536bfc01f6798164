"""Free times at a clinic: read its calendar (one statement, scheduling.calendar), then ask the
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
from clinic_app.scheduling.calendar import LONGEST_VISIT, read_calendar
from clinic_app.scheduling.models import ACTIVE_STATUSES, Booking, Practitioner, Service, WorkingHours
from clinic_app.scheduling.rules import BookingPolicy, Slot, available_slots


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
    """Every free slot for the service at the clinic over ``days`` local days (one statement:
    scheduling.calendar)."""
    window = _utc_window(clinic.timezone, first_day, days)
    calendar = read_calendar(clinic.id, service.id, first_day, days, window, practitioner_id,
                             with_bookings=not ignore_bookings)
    if not calendar.schedules:
        return []
    return available_slots(
        zone_name=clinic.timezone,
        first_day=first_day,
        days=days,
        duration_minutes=service.duration_minutes,
        buffer_minutes=service.buffer_after_minutes,
        schedules=calendar.schedules,
        opening=calendar.opening,
        closures=calendar.closures,
        busy=calendar.busy,
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
