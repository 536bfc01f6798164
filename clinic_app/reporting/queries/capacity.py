"""Available minutes, the denominator of utilisation.

The time a practitioner can be booked is what the booking engine offers as slots:
scheduling.rules.working_intervals (weekly or dated hours, inside the clinic's opening hours,
less breaks), on days the clinic is not closed, less time off. This reads the schedules in five
queries, whatever the range, works out each practitioner's weekday once and multiplies it by the
clinic's open days of that weekday, and walks one by one only the few days that differ (a clock
change, time off, dated hours): the volume of bookings plays no part in it, and a year of a
1,000-practitioner network costs about as much as a week.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from clinic_app.clinics.models import ClinicClosure, OpeningHours
from clinic_app.extensions import db
from clinic_app.reporting.queries.scope import ClinicRef, ReportRange, local_windows
from clinic_app.scheduling.models import DatedHours, Practitioner, ScheduleBreak, TimeOff, WorkingHours
from clinic_app.scheduling.rules import PractitionerDay, WallInterval, wall_to_instant, working_intervals


def available_minutes(report: ReportRange, clinics: list[ClinicRef]) -> dict[int, int]:
    """Per clinic: every active practitioner's bookable minutes on the report's days."""
    return available_minutes_by_period([report], clinics)[0]


def available_minutes_by_period(periods: list[ReportRange], clinics: list[ClinicRef]) -> list[dict[int, int]]:
    """available_minutes for each period, the schedules read once for them all (a trend)."""
    if not periods:
        return []
    ids = [clinic.id for clinic in clinics]
    span = ReportRange(min(p.first_day for p in periods), max(p.last_day for p in periods))
    schedules = _schedules(ids, span)
    opening = _weekly(_rows(OpeningHours, OpeningHours.clinic_id.in_(ids)),
                      owner=lambda row: row.clinic_id, key=lambda row: row.weekday,
                      interval=lambda row: WallInterval(row.opens, row.closes))
    closed = set(db.session.execute(select(ClinicClosure.clinic_id, ClinicClosure.closed_on).where(
        ClinicClosure.clinic_id.in_(ids), ClinicClosure.closed_on.between(span.first_day, span.last_day))))
    time_off = _time_off(span, clinics, {pid for (_, pid) in schedules})
    by_clinic: dict[int, list[PractitionerDay]] = defaultdict(list)
    for (clinic_id, _), schedule in schedules.items():
        by_clinic[clinic_id].append(schedule)
    weekday_minutes = WeekdayMinutes()
    return [_period_minutes(period, clinics, by_clinic, opening, closed, time_off, weekday_minutes)
            for period in periods]


def _period_minutes(report: ReportRange, clinics: list[ClinicRef], by_clinic, opening, closed, time_off,
                    weekday_minutes: WeekdayMinutes) -> dict[int, int]:
    closed_on: dict[int, list[date]] = defaultdict(list)
    for clinic_id, day in sorted(closed):
        if report.first_day <= day <= report.last_day:
            closed_on[clinic_id].append(day)
    calendars: dict[tuple, OpenDays] = {}  # most clinics share their zone and holidays
    minutes = {clinic.id: 0 for clinic in clinics}
    for clinic in clinics:
        key = (clinic.timezone, tuple(closed_on.get(clinic.id, ())))
        if key not in calendars:
            calendars[key] = OpenDays.of(report, ZoneInfo(clinic.timezone), set(key[1]))
        calendar = calendars[key]
        for schedule in by_clinic.get(clinic.id, []):
            minutes[clinic.id] += _practitioner_minutes(
                schedule, calendar, opening.get(clinic.id, {}), ZoneInfo(clinic.timezone),
                time_off.get(schedule.practitioner_id, []), weekday_minutes)
    return minutes


class WeekdayMinutes:
    """A weekday's wall-clock working minutes from weekly hours, breaks and opening hours alone,
    worked out once per distinct combination: most practitioners share standard hours."""

    def __init__(self):
        self.known: dict[tuple, int] = {}

    def __call__(self, schedule: PractitionerDay, day: date, opening: list[WallInterval]) -> int:
        weekday = day.weekday()
        key = (tuple(schedule.weekly.get(weekday, ())), tuple(schedule.breaks.get(weekday, ())), tuple(opening))
        if key not in self.known:
            weekly = PractitionerDay(schedule.practitioner_id, schedule.weekly, schedule.breaks)  # no dated hours
            self.known[key] = sum(_wall_minutes(interval) for interval in working_intervals(weekly, day, opening))
        return self.known[key]


class OpenDays:
    """A clinic's open days in the range, and how many of each weekday are plain days: days
    whose wall-clock hours are their real length (no clock change)."""

    def __init__(self, days: list[date], clock_changes: set[date]):
        self.days = days
        self.open = set(days)
        self.clock_changes = clock_changes & self.open
        self.plain_weekdays: dict[int, int] = defaultdict(int)
        self.by_weekday: dict[int, list[date]] = defaultdict(list)
        for day in days:
            self.by_weekday[day.weekday()].append(day)
            if day not in self.clock_changes:
                self.plain_weekdays[day.weekday()] += 1

    @classmethod
    def of(cls, report: ReportRange, zone: ZoneInfo, closed: set[date]) -> OpenDays:
        days = [report.first_day + timedelta(days=n) for n in range(report.days)]
        return cls([day for day in days if day not in closed], _clock_change_days(zone, days))


def _practitioner_minutes(schedule: PractitionerDay, calendar: OpenDays, opening: dict, zone: ZoneInfo,
                          away: list[tuple[datetime, datetime]], weekday_minutes: WeekdayMinutes) -> int:
    """Most days repeat their weekday: their wall-clock minutes are worked out once and
    multiplied by how many such days there are. A day with a clock change or time off is
    measured in real instants; a day with dated hours has its own intervals."""
    if not calendar.days:
        return 0
    exact_days = calendar.clock_changes | (_local_days(away, zone, calendar.days[0], calendar.days[-1])
                                           & calendar.open)
    special = exact_days | (set(schedule.dated) & calendar.open)
    plain = dict(calendar.plain_weekdays)
    for day in special - calendar.clock_changes:
        plain[day.weekday()] -= 1
    by_key: dict = {}

    def intervals(key, day: date) -> list[WallInterval]:
        if key not in by_key:
            by_key[key] = working_intervals(schedule, day, opening.get(day.weekday(), []))
        return by_key[key]

    total = 0
    for day in sorted(special):
        found = intervals(day if day in schedule.dated else day.weekday(), day)
        if day in exact_days:
            to_instant = _clock_instant(zone) if day in calendar.clock_changes else _fixed_instant(day, zone)
            total += sum(_minutes_at_work(day, interval, to_instant, away) for interval in found)
        else:
            total += sum(_wall_minutes(interval) for interval in found)
    for weekday, count in plain.items():
        if count:  # so some day of this weekday has no dated hours: its hours are the weekly ones
            day = next(day for day in calendar.by_weekday[weekday] if day not in schedule.dated)
            total += count * weekday_minutes(schedule, day, opening.get(weekday, []))
    return total


def _wall_minutes(interval: WallInterval) -> int:
    return (interval.ends.hour * 60 + interval.ends.minute) - (interval.starts.hour * 60 + interval.starts.minute)


def _clock_change_days(zone: ZoneInfo, days: list[date]) -> set[date]:
    """Days whose UTC offset at midnight differs from the next midnight's."""
    changes = set()
    for day in days:
        if datetime.combine(day, time(0), zone).utcoffset() != datetime.combine(
                day + timedelta(days=1), time(0), zone).utcoffset():
            changes.add(day)
    return changes


def _local_days(away: list[tuple[datetime, datetime]], zone: ZoneInfo, first: date, last_day: date) -> set[date]:
    """Every local date from ``first`` to ``last_day`` touched by the time off."""
    touched = set()
    for start, end in away:
        day, last = max(start.astimezone(zone).date(), first), min(end.astimezone(zone).date(), last_day)
        while day <= last:
            touched.add(day)
            day += timedelta(days=1)
    return touched


def _minutes_at_work(day: date, interval: WallInterval, to_instant, away: list[tuple[datetime, datetime]]) -> int:
    """The interval's real length (a clock change counts), less the time off inside it."""
    start, end = to_instant(day, interval.starts), to_instant(day, interval.ends)
    if end <= start:
        return 0
    off = sum((max(timedelta(0), min(end, off_end) - max(start, off_start)) for off_start, off_end in away),
              timedelta(0))
    return int((end - start - off).total_seconds() // 60)


def _clock_instant(zone: ZoneInfo):
    """On a day the clocks change: a wall time skipped by the clocks counts from where the
    clocks land, as the slot grid does."""
    def to_instant(day: date, moment: time) -> datetime:
        return wall_to_instant(day, moment, zone) or datetime.combine(day, moment, tzinfo=zone).astimezone(UTC)
    return to_instant


def _fixed_instant(day: date, zone: ZoneInfo):
    """On any other day the offset holds all day: plain arithmetic, no time-zone lookups."""
    offset = datetime.combine(day, time(12), zone).utcoffset() or timedelta(0)  # a ZoneInfo always has one

    def to_instant(on: date, moment: time) -> datetime:
        return datetime.combine(on, moment, tzinfo=UTC) - offset
    return to_instant


def _schedules(clinic_ids: list[int], report: ReportRange) -> dict[tuple[int, int], PractitionerDay]:
    """{(clinic, practitioner): schedule} for active practitioners with weekly or dated hours."""
    active = select(Practitioner.id).where(Practitioner.active.is_(True))
    weekly = _weekly(_rows(WorkingHours, WorkingHours.clinic_id.in_(clinic_ids),
                           WorkingHours.practitioner_id.in_(active)),
                     owner=lambda row: (row.clinic_id, row.practitioner_id), key=lambda row: row.weekday)
    dated = _weekly(_rows(DatedHours, DatedHours.clinic_id.in_(clinic_ids), DatedHours.practitioner_id.in_(active),
                          DatedHours.on_date.between(report.first_day, report.last_day)),
                    owner=lambda row: (row.clinic_id, row.practitioner_id), key=lambda row: row.on_date)
    practitioners = {pid for (_, pid) in [*weekly, *dated]}
    breaks = _weekly(_rows(ScheduleBreak, ScheduleBreak.practitioner_id.in_(practitioners)),
                     owner=lambda row: row.practitioner_id, key=lambda row: row.weekday)
    return {
        (clinic_id, pid): PractitionerDay(pid, weekly.get((clinic_id, pid), {}), breaks.get(pid, {}),
                                          dated.get((clinic_id, pid), {}))
        for clinic_id, pid in {*weekly, *dated}
    }


def _time_off(report: ReportRange, clinics: list[ClinicRef], practitioner_ids: set[int]) -> dict[int, list]:
    windows = local_windows(report, clinics)
    if not windows:
        return {}
    start, end = min(w[1] for w in windows), max(w[2] for w in windows)
    found: dict[int, list] = defaultdict(list)
    for row in db.session.execute(select(TimeOff.practitioner_id, TimeOff.start_at, TimeOff.end_at).where(
            TimeOff.practitioner_id.in_(practitioner_ids), TimeOff.start_at < end, TimeOff.end_at > start)):
        found[row.practitioner_id].append((row.start_at, row.end_at))
    return {pid: _merged(intervals) for pid, intervals in found.items()}


def _merged(intervals: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Overlapping time off counted once."""
    merged: list[list[datetime]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def _rows(model, *conditions):
    """The table's rows as plain tuples with named columns: schedules are read, never changed,
    and building thousands of ORM objects cost more than the whole arithmetic."""
    return db.session.execute(select(*model.__table__.columns).where(*conditions))


def _weekly(rows, owner, key, interval=lambda row: WallInterval(row.starts, row.ends)) -> dict:
    """{owner(row): {key(row): [interval, ...]}}"""
    grouped: dict = defaultdict(lambda: defaultdict(list))
    for row in rows:
        grouped[owner(row)][key(row)].append(interval(row))
    return grouped
