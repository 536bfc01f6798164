"""Clinic rules: pure functions over plain values. ``now`` is always passed in."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, available_timezones

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
ZIP_PATTERN = re.compile(r"^[0-9]{5}$")  # ASCII digits only: \d also matches Arabic-Indic digits


@dataclass(frozen=True)
class Interval:
    """An opening interval on a weekday (0 = Monday), in the clinic's local time."""

    weekday: int
    opens: time
    closes: time


@lru_cache(maxsize=1)
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def is_known_timezone(name: str) -> bool:
    return name in _known_zones()


def is_open_at(hours: list[Interval], closed_dates: set[date], zone: str, now: datetime) -> bool:
    """A clinic is open at ``now`` when, on its own wall clock, ``now`` falls inside one of
    that weekday's intervals and the local date is not a holiday closure."""
    local = now.astimezone(ZoneInfo(zone))
    if local.date() in closed_dates:
        return False
    moment = local.time().replace(tzinfo=None)
    return any(interval.weekday == local.weekday() and interval.opens <= moment < interval.closes for interval in hours)


@dataclass(frozen=True)
class OpeningStatus:
    """Whether a clinic is open, and until when or from when, on its own wall clock."""

    is_open: bool
    text: str  # "Open now · closes 6 PM", "Closed now · opens 8 AM tomorrow"


def hour_label(moment: time) -> str:
    """ "6 PM", or "5:30 PM" when not on the hour."""
    return moment.strftime("%-I %p" if moment.minute == 0 else "%-I:%M %p")


def opening_status(hours: list[Interval], closed_dates: set[date], zone: str, now: datetime) -> OpeningStatus:
    """Open now and until when (the end of the interval, or of the run of intervals that follow
    on without a gap); else when it next opens within a week: today, tomorrow or on a weekday,
    holiday closures skipped. All on the clinic's wall clock."""
    local = now.astimezone(ZoneInfo(zone))
    today, moment = local.date(), local.time().replace(tzinfo=None)
    if today not in closed_dates:
        todays = sorted((i.opens, i.closes) for i in hours if i.weekday == today.weekday())
        for opens, closes in todays:
            if opens <= moment < closes:
                for next_opens, next_closes in todays:  # an interval that starts as this one ends
                    if next_opens == closes:
                        closes = next_closes
                return OpeningStatus(True, f"Open now · closes {hour_label(closes)}")
    for offset in range(8):
        day = today + timedelta(days=offset)
        if day in closed_dates:
            continue
        starts = sorted(i.opens for i in hours if i.weekday == day.weekday() and (offset or i.opens > moment))
        if starts:
            when = "today" if offset == 0 else "tomorrow" if offset == 1 else WEEKDAY_NAMES[day.weekday()]
            return OpeningStatus(False, f"Closed now · opens {hour_label(starts[0])} {when}")
    return OpeningStatus(False, "Closed now")


def local_date(zone: str, now: datetime) -> date:
    """The calendar date on the clinic's wall at ``now``."""
    return now.astimezone(ZoneInfo(zone)).date()


def weekly_schedule(hours: list[Interval]) -> list[tuple[str, list[tuple[time, time]]]]:
    """Each weekday's name with its intervals in order; an empty list means closed."""
    return [
        (
            name,
            sorted((i.opens, i.closes) for i in hours if i.weekday == weekday),
        )
        for weekday, name in enumerate(WEEKDAY_NAMES)
    ]


def zone_abbreviation(zone: str, now: datetime) -> str:
    """The abbreviation in force at ``now``: MST all year in Phoenix, EST or EDT in New York."""
    return now.astimezone(ZoneInfo(zone)).tzname() or zone


def directions_url(latitude: float, longitude: float) -> str:
    query = urlencode({"api": 1, "destination": f"{latitude:.6f},{longitude:.6f}"})
    return f"https://www.google.com/maps/dir/?{query}"


def apple_directions_url(latitude: float, longitude: float) -> str:
    return "https://maps.apple.com/?" + urlencode({"daddr": f"{latitude:.6f},{longitude:.6f}"})


def slug_for(name: str) -> str:
    """A lowercase, hyphenated ASCII slug for a clinic name."""
    ascii_name = name.encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-")[:80] or "clinic"


def is_served(nearest_open_miles: float | None, service_radius_miles: float) -> bool:
    """A search is served when an open clinic lies within the service radius."""
    return nearest_open_miles is not None and nearest_open_miles <= service_radius_miles
