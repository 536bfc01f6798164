"""The next free time at each of a few clinics, for the clinic pages and the nearest-clinic list.

Batched so that a list costs what one clinic costs: the clinics' services, who offers them, the
schedules and the bookings are each read once for all the clinics together (seven queries
whatever the number of clinics), and only a bounded horizon is searched, a day at a time, by the
same pure engine the booking pages use (scheduling.rules.available_slots).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from clinic_app.clinics.models import Clinic, ClinicStatus
from clinic_app.extensions import db
from clinic_app.scheduling.availability import booking_policy, busy_intervals
from clinic_app.scheduling.calendar import read_calendar
from clinic_app.scheduling.models import (
    DatedHours,
    Practitioner,
    ScheduleBreak,
    Service,
    TimeOff,
    WorkingHours,
    clinic_services,
    practitioner_services,
)
from clinic_app.scheduling.rules import PractitionerDay, WallInterval, available_slots

# How far ahead "Next available" looks; a clinic with nothing free that soon shows no time.
NEXT_AVAILABLE_DAYS = 14


@dataclass(frozen=True)
class NextFreeTime:
    """The first free start of a service at a clinic, on the clinic's clock. Plain values, so
    it stays readable after a commit has expired the clinic and service it came from."""

    clinic_slug: str
    service_slug: str
    service_name: str
    start: datetime

    @property
    def label(self) -> str:
        """ "Tue 1 Dec, 9:30 AM" """
        return self.start.strftime("%a %-d %b, %-I:%M %p")

    @property
    def zone_abbreviation(self) -> str:
        return self.start.tzname() or ""

    def booking_query(self) -> dict[str, str]:
        """The booking journey's choices for this time, with the first available practitioner."""
        return {"clinic": self.clinic_slug, "service": self.service_slug, "practitioner": "any",
                "start": self.start.isoformat()}


@dataclass(frozen=True)
class _Search:
    """One clinic's search: its service, who offers it there, and its local days."""

    clinic: Clinic
    service: Service
    practitioner_ids: list[int]
    first_day: date


def next_free_times(clinics: list[Clinic], now: datetime, days: int = NEXT_AVAILABLE_DAYS) -> dict[int, NextFreeTime]:
    """{clinic id: next free time} for the open clinics among ``clinics`` that have one within
    ``days`` local days, for each clinic's first bookable service (the order of the booking
    journey's service step; a clinic not taking new patients skips new-patient-only services)."""
    searches = _searches([c for c in clinics if c.status == ClinicStatus.OPEN], now)
    if not searches:
        return {}
    window = _utc_window(searches, days)
    if len(searches) == 1:  # a clinic's own page: its whole calendar in one statement
        search = searches[0]
        calendar = read_calendar(search.clinic.id, search.service.id, search.first_day, days, window)
        starts = {search.clinic.id: _first_start(search, calendar.schedules, calendar.opening, calendar.closures,
                                                 calendar.busy, now, days)}
    else:
        ids = sorted({pid for search in searches for pid in search.practitioner_ids})
        schedules = _ScheduleBook(searches, ids, window, days)
        busy = busy_intervals(ids, *window)
        starts = {search.clinic.id: _first_start(search, schedules.for_clinic(search), _opening(search.clinic),
                                                 {closure.closed_on for closure in search.clinic.closures}, busy,
                                                 now, days)
                  for search in searches}
    return {
        search.clinic.id: NextFreeTime(search.clinic.slug, search.service.slug, search.service.name, start)
        for search in searches if (start := starts[search.clinic.id]) is not None
    }


def first_bookable_service(clinic: Clinic, services: list[Service], offered: set[int]) -> Service | None:
    """The first of ``services`` (already in the journey's order) someone offers here."""
    for service in services:
        if service.id in offered and (clinic.accepting_new_patients or not service.new_patients_only):
            return service
    return None


def _searches(clinics: list[Clinic], now: datetime) -> list[_Search]:
    if not clinics:
        return []
    ids = [clinic.id for clinic in clinics]
    services = _services_by_clinic(ids)
    offering = _offering(ids)
    searches = []
    for clinic in clinics:
        offered = {service_id for (clinic_id, service_id) in offering if clinic_id == clinic.id}
        service = first_bookable_service(clinic, services.get(clinic.id, []), offered)
        if service is not None:
            today = now.astimezone(ZoneInfo(clinic.timezone)).date()
            searches.append(_Search(clinic, service, sorted(offering[(clinic.id, service.id)]), today))
    return searches


def _services_by_clinic(clinic_ids: list[int]) -> dict[int, list[Service]]:
    """Each clinic's active services, new-patient ones first, then by name (one query)."""
    rows = db.session.execute(
        select(clinic_services.c.clinic_id, Service)
        .join(Service, Service.id == clinic_services.c.service_id)
        .where(clinic_services.c.clinic_id.in_(clinic_ids), Service.active.is_(True))
        .order_by(Service.new_patients_only.desc(), Service.name)
    )
    services: dict[int, list[Service]] = defaultdict(list)
    for clinic_id, service in rows:
        services[clinic_id].append(service)
    return services


def _offering(clinic_ids: list[int]) -> dict[tuple[int, int], set[int]]:
    """{(clinic id, service id): ids of active practitioners with hours there offering it}."""
    rows = db.session.execute(
        select(WorkingHours.clinic_id, practitioner_services.c.service_id, Practitioner.id)
        .join(Practitioner, Practitioner.id == WorkingHours.practitioner_id)
        .join(practitioner_services, practitioner_services.c.practitioner_id == Practitioner.id)
        .where(WorkingHours.clinic_id.in_(clinic_ids), Practitioner.active.is_(True))
        .distinct()
    )
    offering: dict[tuple[int, int], set[int]] = defaultdict(set)
    for clinic_id, service_id, practitioner_id in rows:
        offering[(clinic_id, service_id)].add(practitioner_id)
    return offering


def _utc_window(searches: list[_Search], days: int) -> tuple[datetime, datetime]:
    """From the earliest local midnight to the latest end of the horizon, over all clinics."""
    starts, ends = [], []
    for search in searches:
        zone = ZoneInfo(search.clinic.timezone)
        starts.append(datetime.combine(search.first_day, time(0), tzinfo=zone).astimezone(UTC))
        ends.append(datetime.combine(search.first_day + timedelta(days=days), time(0), tzinfo=zone).astimezone(UTC))
    return min(starts), max(ends)


class _ScheduleBook:
    """Weekly hours, breaks, dated hours and time off of all the practitioners searched,
    one query each, handed out per clinic as the engine's PractitionerDay."""

    def __init__(self, searches: list[_Search], ids: list[int], window: tuple[datetime, datetime], days: int):
        clinic_ids = [search.clinic.id for search in searches]
        first = min(search.first_day for search in searches)
        last = max(search.first_day for search in searches) + timedelta(days=days)
        self.weekly = _grouped(db.session.execute(_columns(WorkingHours, "clinic_id", "weekday").where(
            WorkingHours.practitioner_id.in_(ids), WorkingHours.clinic_id.in_(clinic_ids))),
            lambda row: (row.clinic_id, row.practitioner_id), lambda row: row.weekday)
        self.breaks = _grouped(db.session.execute(_columns(ScheduleBreak, "weekday").where(
            ScheduleBreak.practitioner_id.in_(ids))),
            lambda row: row.practitioner_id, lambda row: row.weekday)
        self.dated = _grouped(db.session.execute(_columns(DatedHours, "clinic_id", "on_date").where(
            DatedHours.practitioner_id.in_(ids), DatedHours.clinic_id.in_(clinic_ids),
            DatedHours.on_date.between(first, last))),
            lambda row: (row.clinic_id, row.practitioner_id), lambda row: row.on_date)
        self.time_off: dict[int, list[tuple]] = defaultdict(list)
        for row in db.session.execute(select(TimeOff.practitioner_id, TimeOff.start_at, TimeOff.end_at).where(
                TimeOff.practitioner_id.in_(ids), TimeOff.start_at < window[1], TimeOff.end_at > window[0])):
            self.time_off[row.practitioner_id].append((row.start_at, row.end_at))

    def for_clinic(self, search: _Search) -> list[PractitionerDay]:
        clinic_id = search.clinic.id
        return [
            PractitionerDay(pid, self.weekly.get((clinic_id, pid), {}), self.breaks.get(pid, {}),
                            self.dated.get((clinic_id, pid), {}), self.time_off.get(pid, []))
            for pid in search.practitioner_ids
        ]


def _columns(model, *names: str):
    """Plain rows, not ORM objects: a few hundred of them are read and thrown away."""
    wanted = ("practitioner_id", *names, "starts", "ends")
    return select(*(getattr(model, name) for name in wanted))


def _grouped(rows, owner, key) -> dict:
    """{owner(row): {key(row): [WallInterval, ...]}}"""
    grouped: dict = defaultdict(lambda: defaultdict(list))
    for row in rows:
        grouped[owner(row)][key(row)].append(WallInterval(row.starts, row.ends))
    return grouped


def _opening(clinic: Clinic) -> dict[int, list[WallInterval]]:
    opening: dict[int, list[WallInterval]] = defaultdict(list)
    for hours in clinic.opening_hours:
        opening[hours.weekday].append(WallInterval(hours.opens, hours.closes))
    return opening


def _first_start(search: _Search, schedules: list[PractitionerDay], opening: dict[int, list[WallInterval]],
                 closures: set[date], busy: dict, now: datetime, days: int) -> datetime | None:
    """The first free start, a day at a time so the search stops at the first day with one."""
    clinic, service = search.clinic, search.service
    policy = booking_policy()
    for offset in range(days):
        slots = available_slots(
            zone_name=clinic.timezone, first_day=search.first_day + timedelta(days=offset), days=1,
            duration_minutes=service.duration_minutes, buffer_minutes=service.buffer_after_minutes,
            schedules=schedules, opening=opening, closures=closures, busy=busy, now=now, policy=policy,
        )
        if slots:
            return slots[0].start.astimezone(ZoneInfo(clinic.timezone))
    return None
