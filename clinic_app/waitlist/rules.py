"""Waitlist rules: pure functions, ``now`` passed in."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def before_date_problem(before: date | None, today: date) -> str | None:
    """A "before" date helps only when some day before it is still to come."""
    if before is not None and before <= today:
        return "Choose a date after today, or leave this empty."
    return None


def expiry(now: datetime, before: date | None, zone: ZoneInfo, days: int) -> datetime:
    """An entry waits ``days`` days, or until its "before" date begins on the clinic's clock
    if that comes first: after then no time it could be offered helps."""
    limit = now + timedelta(days=days)
    if before is None:
        return limit
    return min(limit, datetime.combine(before, time(0), zone))


def is_waiting(left_at: datetime | None, expires_at: datetime, now: datetime) -> bool:
    """On the list: not left and not expired. Offers also need the entry confirmed."""
    return left_at is None and expires_at > now


def time_suits(before: date | None, local_day: date) -> bool:
    """A freed time suits an entry when it falls on a day before the entry's "before" date."""
    return before is None or local_day < before


def last_waiting_day(expires_at: datetime, zone: ZoneInfo) -> date:
    """The last day, on the clinic's clock, on which the entry is still waiting."""
    return (expires_at - timedelta(microseconds=1)).astimezone(zone).date()
