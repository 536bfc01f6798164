"""The availability engine and the online change window: pure functions, ``now`` passed in,
no database.

Schedules are wall-clock times in the clinic's zone; bookings are absolute (UTC) instants. A
slot is built on the clinic's wall clock, turned into an instant, and checked back: a time
the clocks skip (2:30 on a spring-forward night) is no slot, and a visit lasts its real
duration even across a change.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class WallInterval:
    starts: time
    ends: time


@dataclass(frozen=True)
class PractitionerDay:
    """What one practitioner's schedule says about one clinic: weekly hours there (weekday ->
    intervals), weekly breaks, dated hours that replace the weekly ones, time off (UTC)."""

    practitioner_id: int
    weekly: dict[int, list[WallInterval]]
    breaks: dict[int, list[WallInterval]] = field(default_factory=dict)
    dated: dict[date, list[WallInterval]] = field(default_factory=dict)
    time_off: list[tuple[datetime, datetime]] = field(default_factory=list)


@dataclass(frozen=True)
class BookingPolicy:
    slot_interval_minutes: int = 15
    min_notice_hours: int = 2
    no_same_day: bool = False
    horizon_days: int = 90


class BusyTimes[Instant: (datetime, int)]:
    """Intervals a practitioner is taken, answering "does [start, end) clash?" in O(log n).
    Instants are datetimes, or (inside the engine) integer microseconds since the epoch.

    Among the intervals that start before ``end``, one overlaps exactly when the latest of
    their ends is after ``start``: a running maximum of ends answers that with one bisect.
    """

    def __init__(self, intervals: list[tuple[Instant, Instant]]):
        ordered = sorted(intervals)
        self._starts: list[Instant] = [b_start for b_start, _ in ordered]
        self._latest_end: list[Instant] = []
        for _, b_end in ordered:
            latest = b_end if not self._latest_end or b_end > self._latest_end[-1] else self._latest_end[-1]
            self._latest_end.append(latest)

    def clashes(self, start: Instant, end: Instant) -> bool:
        index = bisect.bisect_left(self._starts, end)
        return index > 0 and self._latest_end[index - 1] > start


@dataclass(frozen=True)
class Slot:
    start: datetime
    end: datetime
    practitioner_id: int


def change_window_open(start_at: datetime, now: datetime, hours: int) -> bool:
    """A visit may still be moved or cancelled online (by the patient: the booking pages, the
    manage link, /my/ and the API) while at least ``hours`` (CHANGE_NOTICE_HOURS) remain before
    it starts: ``start_at - now >= hours``. At exactly ``hours`` before the start it may; a
    microsecond later it may not, and a cancellation then is a late one in the reports. The
    one statement of this rule: everything else calls it."""
    return start_at - now >= timedelta(hours=hours)


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """Half-open intervals overlap when each starts before the other ends; touching is fine."""
    return a_start < b_end and b_start < a_end


def wall_to_instant(day: date, moment: time, zone: ZoneInfo) -> datetime | None:
    """The instant the clinic's clock shows ``moment`` on ``day``; None when the clocks skip it.
    When the clocks show it twice (fall back), the first."""
    local = datetime.combine(day, moment, tzinfo=zone)
    instant = local.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        return None
    return instant


def working_intervals(schedule: PractitionerDay, day: date, opening: list[WallInterval]) -> list[WallInterval]:
    """The practitioner's intervals on ``day``: dated hours or else weekly ones, minus breaks,
    inside the clinic's opening hours."""
    planned = schedule.dated.get(day, schedule.weekly.get(day.weekday(), []))
    intervals = _intersect(planned, opening)
    for gap in schedule.breaks.get(day.weekday(), []):
        intervals = _subtract(intervals, gap)
    return intervals


def bookable_window(zone: ZoneInfo, now: datetime, policy: BookingPolicy) -> tuple[datetime, date]:
    """The earliest instant a visit may start, and the last local date it may be on."""
    today = now.astimezone(zone).date()
    earliest = now + timedelta(hours=policy.min_notice_hours)
    if policy.no_same_day:
        tomorrow = datetime.combine(today + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
        earliest = max(earliest, tomorrow)
    return earliest, today + timedelta(days=policy.horizon_days)


def available_slots(
    *,
    zone_name: str,
    first_day: date,
    days: int,
    duration_minutes: int,
    buffer_minutes: int,
    schedules: list[PractitionerDay],
    opening: dict[int, list[WallInterval]],
    closures: set[date],
    busy: dict[int, list[tuple[datetime, datetime]]],
    now: datetime,
    policy: BookingPolicy = BookingPolicy(),
) -> list[Slot]:
    """Every free slot, by start then practitioner.

    A slot is free when it lies inside the practitioner's hours at this clinic on a day the
    clinic is open and not closed for a holiday, starts on the slot grid, respects the
    minimum notice and the horizon, and neither it nor its buffer overlaps the practitioner's
    time off or another booking's time (that booking's end plus its own buffer).

    The work is in integer microseconds since the epoch: each local day's wall minutes become
    instants by adding the day's one UTC offset (a day when the clocks change is walked a start
    at a time through ``wall_to_instant``, as the rule above states it).
    """
    zone = ZoneInfo(zone_name)
    earliest, last_day = bookable_window(zone, now, policy)
    earliest_us = _epoch_us(earliest)
    length_us, blocked_us = duration_minutes * MINUTE_US, (duration_minutes + buffer_minutes) * MINUTE_US
    taken_by_practitioner = [
        BusyTimes([(_epoch_us(b_start), _epoch_us(b_end)) for b_start, b_end in busy.get(s.practitioner_id, [])]
                  + [(_epoch_us(b_start), _epoch_us(b_end)) for b_start, b_end in s.time_off])
        for s in schedules
    ]
    found: list[tuple[int, int]] = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        if day in closures or day > last_day:
            continue
        clock = _DayClock(day, zone)
        for schedule, taken in zip(schedules, taken_by_practitioner, strict=True):
            for interval in working_intervals(schedule, day, opening.get(day.weekday(), [])):
                for start in clock.grid_starts(interval, length_us, policy.slot_interval_minutes):
                    if start >= earliest_us and not taken.clashes(start, start + blocked_us):
                        found.append((start, schedule.practitioner_id))
    found.sort()
    length = timedelta(minutes=duration_minutes)
    slots = []
    for start_us, practitioner_id in found:
        start = EPOCH + timedelta(microseconds=start_us)
        slots.append(Slot(start, start + length, practitioner_id))
    return slots


def first_available(slots: list[Slot]) -> list[Slot]:
    """One slot per start time, for "first available practitioner"."""
    chosen: dict[datetime, Slot] = {}
    for slot in slots:
        chosen.setdefault(slot.start, slot)
    return list(chosen.values())


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MINUTE_US = 60_000_000
_ONE_US = timedelta(microseconds=1)


def _epoch_us(moment: datetime) -> int:
    return (moment - EPOCH) // _ONE_US


class _DayClock:
    """One local day's wall clock: its midnight as an instant and, when the UTC offset is the
    same at both ends of the day (every day but the two a year when the clocks change), wall
    minutes map to instants by one addition."""

    def __init__(self, day: date, zone: ZoneInfo):
        self.day, self.zone = day, zone
        midnight = datetime.combine(day, time(0), tzinfo=zone)
        next_midnight = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
        self.steady = midnight.utcoffset() == next_midnight.utcoffset()
        self.midnight_us = _epoch_us(midnight)

    def grid_starts(self, interval: WallInterval, length_us: int, step_minutes: int):
        """Starts on the slot grid (from the interval's start), in epoch microseconds, whose
        visit ends inside the interval."""
        first, last = _wall_minutes(interval.starts), _wall_minutes(interval.ends)
        if not self.steady or first is None or last is None:
            yield from self._walked_starts(interval, length_us, step_minutes)
            return
        base, step = self.midnight_us, step_minutes * MINUTE_US
        end = base + last * MINUTE_US
        start = base + first * MINUTE_US
        while start + length_us <= end:
            yield start
            start += step

    def _walked_starts(self, interval: WallInterval, length_us: int, step_minutes: int):
        """A day the clocks change: each wall start turned into an instant on its own (a skipped
        time is no slot; a repeated one is the first), the visit's real length kept."""
        day, zone = self.day, self.zone
        end = _epoch_us(wall_to_instant(day, interval.ends, zone) or _after_gap(day, interval.ends, zone))
        wall = datetime.combine(day, interval.starts)
        while wall.time() < interval.ends and wall.date() == day:
            start = wall_to_instant(day, wall.time(), zone)
            if start is not None and _epoch_us(start) + length_us <= end:
                yield _epoch_us(start)
            wall += timedelta(minutes=step_minutes)


def _wall_minutes(moment: time) -> int | None:
    """Minutes since midnight of a whole-minute wall time (None for one with seconds)."""
    if moment.second or moment.microsecond:
        return None
    return moment.hour * 60 + moment.minute


def _after_gap(day: date, moment: time, zone: ZoneInfo) -> datetime:
    """A skipped wall time's instant: where the clocks land after the jump."""
    return datetime.combine(day, moment, tzinfo=zone).astimezone(UTC)


def _intersect(planned: list[WallInterval], opening: list[WallInterval]) -> list[WallInterval]:
    result = []
    for p in planned:
        for o in opening:
            starts, ends = max(p.starts, o.starts), min(p.ends, o.ends)
            if starts < ends:
                result.append(WallInterval(starts, ends))
    return sorted(result, key=lambda i: i.starts)


def _subtract(intervals: list[WallInterval], gap: WallInterval) -> list[WallInterval]:
    result = []
    for i in intervals:
        if gap.ends <= i.starts or gap.starts >= i.ends:
            result.append(i)
            continue
        if i.starts < gap.starts:
            result.append(WallInterval(i.starts, gap.starts))
        if gap.ends < i.ends:
            result.append(WallInterval(gap.ends, i.ends))
    return result
