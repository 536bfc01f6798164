"""What the time step shows: a week of days with free times, and one day's times grouped by
part of the day, on the clinic's wall clock. Pure functions: ``today`` is passed in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from clinic_app.scheduling.rules import Slot

DAYS_SHOWN = 7
PARTS_OF_DAY = (("Morning", time(0), time(12)), ("Afternoon", time(12), time(17)), ("Evening", time(17), time.max))


@dataclass(frozen=True)
class DayChoice:
    day: date
    free_times: int

    @property
    def weekday(self) -> str:
        return self.day.strftime("%a")

    @property
    def date_label(self) -> str:
        return self.day.strftime("%-d %b")


@dataclass(frozen=True)
class TimeChoice:
    """A free start on the clinic's clock; ``iso`` (with its UTC offset) goes into links."""

    start: datetime
    practitioner_id: int

    @property
    def iso(self) -> str:
        return self.start.isoformat()

    @property
    def label(self) -> str:
        return self.start.strftime("%-I:%M %p")

    @property
    def zone_abbreviation(self) -> str:
        return self.start.tzname() or ""

    @property
    def description(self) -> str:
        return describe_start(self.start)


@dataclass(frozen=True)
class Week:
    """The days shown, the day whose times are listed, and those times by part of the day."""

    first_day: date
    days: list[DayChoice]
    chosen: date | None
    parts: list[tuple[str, list[TimeChoice]]]
    previous: date | None
    following: date | None


def describe_start(moment: datetime) -> str:
    """ "Tuesday 24 November 2026 at 9:30 AM MST": as the e-mails say it, on the clinic's clock."""
    return moment.strftime("%A %-d %B %Y at %-I:%M %p ") + (moment.tzname() or "")


def first_day_shown(requested: date | None, today: date, last_day: date) -> date:
    """The requested first day, kept between today and the last bookable day."""
    if requested is None or requested < today:
        return today
    return min(requested, last_day)


def build_week(first_day: date, slots: list[Slot], zone_name: str, today: date, last_day: date,
               requested_day: date | None = None) -> Week:
    """The week from ``first_day``; the chosen day is the requested one when it has free
    times, else the first day that has."""
    times = [TimeChoice(slot.start.astimezone(ZoneInfo(zone_name)), slot.practitioner_id) for slot in slots]
    days = [_day(first_day + timedelta(days=n), times) for n in range(DAYS_SHOWN)]
    days = [day for day in days if day.day <= last_day]
    open_days = [day.day for day in days if day.free_times]
    chosen = requested_day if requested_day in open_days else (open_days[0] if open_days else None)
    following = first_day + timedelta(days=DAYS_SHOWN)
    return Week(
        first_day=first_day,
        days=days,
        chosen=chosen,
        parts=by_part_of_day([t for t in times if t.start.date() == chosen]),
        previous=max(today, first_day - timedelta(days=DAYS_SHOWN)) if first_day > today else None,
        following=following if following <= last_day else None,
    )


def by_part_of_day(times: list[TimeChoice]) -> list[tuple[str, list[TimeChoice]]]:
    """Morning, afternoon and evening, leaving out the parts with no times."""
    parts = [(name, [t for t in times if starts <= t.start.time() < ends]) for name, starts, ends in PARTS_OF_DAY]
    return [(name, chosen) for name, chosen in parts if chosen]


def _day(day: date, times: list[TimeChoice]) -> DayChoice:
    return DayChoice(day, sum(1 for t in times if t.start.date() == day))
