"""A week of free times for the time step (booking and moving a visit): one availability
query of seven days, not the whole horizon at once."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app

from clinic_app.booking.timetable import DAYS_SHOWN, Week, build_week, first_day_shown
from clinic_app.clinics.models import Clinic
from clinic_app.scheduling.availability import free_slots
from clinic_app.scheduling.models import Service
from clinic_app.scheduling.rules import first_available


def free_week(clinic: Clinic, service: Service, practitioner_id: int | None, now: datetime,
              first_day: date | None = None, day: date | None = None) -> Week:
    """The week from ``first_day``; without one, the first week from today with a free time."""
    today = now.astimezone(ZoneInfo(clinic.timezone)).date()
    last_day = today + timedelta(days=current_app.config["BOOKING_HORIZON_DAYS"])
    start = first_day_shown(first_day, today, last_day)
    slots = _week_slots(clinic, service, practitioner_id, start, now)
    if first_day is None and not slots:
        start, slots = _first_week_with_times(clinic, service, practitioner_id, start, last_day, now)
    return build_week(start, slots, clinic.timezone, today, last_day, day)


def parse_day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def _first_week_with_times(clinic, service, practitioner_id, start, last_day, now):
    """The next week with a free time; the week of ``start`` again when none has."""
    week = start + timedelta(days=DAYS_SHOWN)
    while week <= last_day:
        slots = _week_slots(clinic, service, practitioner_id, week, now)
        if slots:
            return week, slots
        week += timedelta(days=DAYS_SHOWN)
    return start, []


def _week_slots(clinic, service, practitioner_id, first_day, now):
    slots = free_slots(clinic, service, first_day, DAYS_SHOWN, now, practitioner_id)
    return slots if practitioner_id else first_available(slots)
