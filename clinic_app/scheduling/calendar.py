"""Everything a clinic's free times for one service depend on, read in one statement.

Free times need the clinic's opening hours and holiday closures, who offers the service there
(active practitioners with hours at the clinic), their weekly hours, breaks, dated hours and time
off, and their bookings. Asked one table at a time that is nine round trips before the engine
(scheduling.rules.available_slots) runs; here each table is one branch of a UNION ALL, all of
the same shape, and the rows are sorted into the engine's inputs in Python.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache

from sqlalchemy import Date, Integer, Time, bindparam, cast, exists, literal_column, null, select, union_all

from clinic_app.clinics.models import ClinicClosure, OpeningHours
from clinic_app.clock import UTCDateTime
from clinic_app.extensions import db
from clinic_app.scheduling.models import (
    ACTIVE_STATUSES,
    Booking,
    DatedHours,
    Practitioner,
    ScheduleBreak,
    TimeOff,
    WorkingHours,
    clinic_services,
    practitioner_services,
)
from clinic_app.scheduling.rules import PractitionerDay, WallInterval

# No visit is longer than this: the busy branch can then use the (practitioner, start) index.
LONGEST_VISIT = timedelta(hours=12)

WEEKLY, BREAK, DATED, TIME_OFF, OPENING, CLOSURE, BUSY = range(7)


@dataclass
class ClinicCalendar:
    """The engine's inputs for one clinic and service over a window of days."""

    schedules: list[PractitionerDay] = field(default_factory=list)
    opening: dict[int, list[WallInterval]] = field(default_factory=lambda: defaultdict(list))
    closures: set[date] = field(default_factory=set)
    busy: dict[int, list[tuple[datetime, datetime]]] = field(default_factory=lambda: defaultdict(list))


def read_calendar(
    clinic_id: int,
    service_id: int,
    first_day: date,
    days: int,
    window: tuple[datetime, datetime],
    practitioner_id: int | None = None,
    with_bookings: bool = True,
) -> ClinicCalendar:
    """The calendar of the practitioners offering the service at the clinic (only
    ``practitioner_id`` when given); none when the clinic does not offer the service."""
    statement = _statement(practitioner_id is not None, with_bookings)
    parameters = {
        "clinic_id": clinic_id, "service_id": service_id, "first_day": first_day,
        "last_day": first_day + timedelta(days=days), "window_start": window[0], "window_end": window[1],
        "busy_from": window[0] - LONGEST_VISIT,
    }
    if practitioner_id is not None:
        parameters["practitioner_id"] = practitioner_id
    return _sorted_out(db.session.execute(statement, parameters).all())


@cache
def _statement(one_practitioner: bool, with_bookings: bool):
    """The UNION ALL, built once per shape with bound parameters: building and keying a
    seven-branch statement on every request cost more than running it."""
    offering = _offering(one_practitioner)
    return union_all(*_branches(offering, with_bookings))


def _offering(one_practitioner: bool):
    """Ids of active practitioners with hours at the clinic who offer the service, when the
    clinic offers it."""
    clinic_id, service_id = bindparam("clinic_id", type_=Integer()), bindparam("service_id", type_=Integer())
    query = (
        select(WorkingHours.practitioner_id)
        .join(Practitioner, Practitioner.id == WorkingHours.practitioner_id)
        .join(practitioner_services, practitioner_services.c.practitioner_id == WorkingHours.practitioner_id)
        .where(WorkingHours.clinic_id == clinic_id, Practitioner.active.is_(True),
               practitioner_services.c.service_id == service_id,
               exists().where(clinic_services.c.clinic_id == clinic_id, clinic_services.c.service_id == service_id))
    )
    if one_practitioner:
        query = query.where(WorkingHours.practitioner_id == bindparam("practitioner_id", type_=Integer()))
    return query.distinct().scalar_subquery()


def _row(kind: int, practitioner_id=None, weekday=None, on_date=None, starts=None, ends=None,
         start_at=None, end_at=None):
    """One branch's columns, NULL (typed, so that every branch has the first one's types) where
    the table has no such value."""
    return select(
        literal_column(str(kind), Integer).label("kind"),
        practitioner_id if practitioner_id is not None else cast(null(), Integer),
        weekday if weekday is not None else cast(null(), Integer),
        on_date if on_date is not None else cast(null(), Date),
        starts if starts is not None else cast(null(), Time),
        ends if ends is not None else cast(null(), Time),
        start_at if start_at is not None else cast(null(), UTCDateTime),
        end_at if end_at is not None else cast(null(), UTCDateTime),
    )


def _branches(offering, with_bookings: bool) -> list:
    clinic_id = bindparam("clinic_id", type_=Integer())
    first_day, last_day = bindparam("first_day", type_=Date()), bindparam("last_day", type_=Date())
    start, end = bindparam("window_start", type_=UTCDateTime()), bindparam("window_end", type_=UTCDateTime())
    branches = [
        _row(WEEKLY, WorkingHours.practitioner_id, WorkingHours.weekday, starts=WorkingHours.starts,
             ends=WorkingHours.ends).where(WorkingHours.clinic_id == clinic_id,
                                           WorkingHours.practitioner_id.in_(offering)),
        _row(BREAK, ScheduleBreak.practitioner_id, ScheduleBreak.weekday, starts=ScheduleBreak.starts,
             ends=ScheduleBreak.ends).where(ScheduleBreak.practitioner_id.in_(offering)),
        _row(DATED, DatedHours.practitioner_id, on_date=DatedHours.on_date, starts=DatedHours.starts,
             ends=DatedHours.ends).where(DatedHours.practitioner_id.in_(offering), DatedHours.clinic_id == clinic_id,
                                         DatedHours.on_date.between(first_day, last_day)),
        _row(TIME_OFF, TimeOff.practitioner_id, start_at=TimeOff.start_at, end_at=TimeOff.end_at).where(
            TimeOff.practitioner_id.in_(offering), TimeOff.start_at < end, TimeOff.end_at > start),
        _row(OPENING, weekday=OpeningHours.weekday, starts=OpeningHours.opens, ends=OpeningHours.closes).where(
            OpeningHours.clinic_id == clinic_id),
        _row(CLOSURE, on_date=ClinicClosure.closed_on).where(
            ClinicClosure.clinic_id == clinic_id, ClinicClosure.closed_on.between(first_day, last_day)),
    ]
    if with_bookings:
        branches.append(_row(BUSY, Booking.practitioner_id, start_at=Booking.start_at, end_at=Booking.blocked_until)
                        .where(Booking.practitioner_id.in_(offering), Booking.status.in_(ACTIVE_STATUSES),
                               Booking.start_at < end, Booking.start_at > bindparam("busy_from", type_=UTCDateTime()),
                               Booking.blocked_until > start))
    return branches


def _sorted_out(rows) -> ClinicCalendar:
    calendar = ClinicCalendar()
    weekly: dict[int, dict[int, list]] = defaultdict(lambda: defaultdict(list))
    breaks: dict[int, dict[int, list]] = defaultdict(lambda: defaultdict(list))
    dated: dict[int, dict[date, list]] = defaultdict(lambda: defaultdict(list))
    time_off: dict[int, list] = defaultdict(list)
    for kind, practitioner_id, weekday, on_date, starts, ends, start_at, end_at in rows:
        if kind == WEEKLY:
            weekly[practitioner_id][weekday].append(WallInterval(starts, ends))
        elif kind == BREAK:
            breaks[practitioner_id][weekday].append(WallInterval(starts, ends))
        elif kind == DATED:
            dated[practitioner_id][on_date].append(WallInterval(starts, ends))
        elif kind == TIME_OFF:
            time_off[practitioner_id].append((start_at, end_at))
        elif kind == OPENING:
            calendar.opening[weekday].append(WallInterval(starts, ends))
        elif kind == CLOSURE:
            calendar.closures.add(on_date)
        else:
            calendar.busy[practitioner_id].append((start_at, end_at))
    calendar.schedules = [
        PractitionerDay(pid, weekly[pid], breaks.get(pid, {}), dated.get(pid, {}), time_off.get(pid, []))
        for pid in sorted(weekly)
    ]
    return calendar
