"""Network reporting for head office: one definition per figure, computed in one place.

A report covers whole days, ``first_day`` to ``last_day`` inclusive, optionally one clinic.
A visit belongs to the date on its clinic's wall clock when it starts: the query asks, for each
time zone, for ``start_at`` inside that zone's local midnights, so it reads the bookings index
by clinic and start and never converts a row. Every figure is a SQL aggregate grouped by
clinic; the network row adds the clinics up, except where a patient counted once in the
network could appear at two clinics (outcomes), which the network query groups separately.

The figures and their definitions live in the reporting_*.py modules; DEFINITIONS gathers the
plain-English text shown beside each figure on the page.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import and_, case, false, func, or_, select

from clinic_app.clinics.models import Clinic
from clinic_app.extensions import db
from clinic_app.reporting.queries.sql import count_where, seconds_between
from clinic_app.rollout.models import DailyBookingFigures as Daily
from clinic_app.scheduling.models import ACTIVE_STATUSES, ATTENDED, Booking, BookingStatus

# A longer range is refused: the page is for looking at months, not at the whole history.
MAX_RANGE_DAYS = 731
DEFAULT_RANGE_DAYS = 28
# Where a booking came from (Booking.source): the patient themself, on the site or through the
# public API, or staff at the desk (a walk-in included). Anything else (demo data, an import)
# counts as other.
ONLINE_SOURCES = ("online", "api")
STAFF_SOURCES = ("staff", "walk_in")


@dataclass(frozen=True)
class ReportRange:
    first_day: date
    last_day: date  # inclusive
    clinic_id: int | None = None

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1


def default_range(today: date) -> ReportRange:
    """The last 28 days, today included."""
    return ReportRange(today - timedelta(days=DEFAULT_RANGE_DAYS - 1), today)


@dataclass(frozen=True)
class ClinicRef:
    id: int
    name: str
    timezone: str


def report_clinics(report: ReportRange) -> list[ClinicRef]:
    """Every clinic (or the one chosen), by name: a clinic with no visits shows zeros."""
    return _clinics(report.clinic_id)


def _clinics(clinic_id: int | None) -> list[ClinicRef]:
    query = select(Clinic.id, Clinic.name, Clinic.timezone).order_by(Clinic.name, Clinic.id)
    if clinic_id is not None:
        query = query.where(Clinic.id == clinic_id)
    return [ClinicRef(*row) for row in db.session.execute(query)]


def local_windows(report: ReportRange, clinics: list[ClinicRef]) -> list[tuple[list[int], datetime, datetime]]:
    """Per time zone: its clinics and the UTC instants of local midnight at the start of
    ``first_day`` and after ``last_day``."""
    by_zone: dict[str, list[int]] = defaultdict(list)
    for clinic in clinics:
        by_zone[clinic.timezone].append(clinic.id)
    windows = []
    for zone_name, ids in sorted(by_zone.items()):
        zone = ZoneInfo(zone_name)
        start = datetime.combine(report.first_day, time(0), tzinfo=zone).astimezone(UTC)
        end = datetime.combine(report.last_day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
        windows.append((ids, start, end))
    return windows


def in_local_range(clinic_column, instant_column, windows):
    """SQL: the row's instant falls inside its clinic's local days of the report."""
    if not windows:
        return false()
    return or_(*(and_(clinic_column.in_(ids), instant_column >= start, instant_column < end)
                 for ids, start, end in windows))


def share(part: int | float, whole: int | float) -> float | None:
    """A fraction, or None when there is nothing to divide by (shown as a dash)."""
    return part / whole if whole else None


def add_up(rows, cls):
    """The network row of additive counts: each field summed over the clinic rows."""
    return cls(**{f.name: sum(getattr(row, f.name) for row in rows) for f in fields(cls)})


@dataclass(frozen=True)
class BookingFigures:
    bookings: int = 0
    new_patients: int = 0
    cancelled: int = 0
    late_cancelled: int = 0
    attended: int = 0
    no_shows: int = 0
    online: int = 0
    staff: int = 0
    other_source: int = 0
    lead_seconds: int = 0
    booked_minutes: int = 0

    @property
    def no_show_rate(self) -> float | None:
        return share(self.no_shows, self.attended + self.no_shows)

    @property
    def cancellation_rate(self) -> float | None:
        return share(self.cancelled, self.bookings)

    @property
    def online_share(self) -> float | None:
        return share(self.online, self.bookings)

    @property
    def mean_lead_days(self) -> float | None:
        return share(self.lead_seconds, self.bookings * 86400)


def late_cancel_seconds() -> int:
    """Late means inside the window in which online changes are refused (CHANGE_NOTICE_HOURS).
    The per-day figures keep the count under the setting they were written with: after
    changing it, `flask reports rebuild` counts the past under the new one."""
    return current_app.config["CHANGE_NOTICE_HOURS"] * 3600


def booking_figure_columns() -> list:
    """The booking figures as SQL aggregates over a set of bookings, in BookingFigures' order:
    the one definition of each. daily_bookings.py applies them to each clinic's days and keeps
    the results; booking_figures adds those days up."""
    cancelled = Booking.status == BookingStatus.CANCELLED
    late = and_(cancelled, seconds_between(Booking.start_at, Booking.cancelled_at) < late_cancel_seconds())

    return [
        func.count(),
        count_where(and_(~cancelled, Booking.new_patient.is_(True))),
        count_where(cancelled),
        count_where(late),
        count_where(Booking.status.in_(ATTENDED)),
        count_where(Booking.status == BookingStatus.NO_SHOW),
        count_where(Booking.source.in_(ONLINE_SOURCES)),
        count_where(Booking.source.in_(STAFF_SOURCES)),
        count_where(Booking.source.not_in(ONLINE_SOURCES + STAFF_SOURCES)),
        func.coalesce(func.sum(seconds_between(Booking.start_at, Booking.created_at)), 0),
        func.coalesce(func.sum(case((Booking.status.in_(ACTIVE_STATUSES),
                                     seconds_between(Booking.end_at, Booking.start_at) // 60), else_=0)), 0),
    ]


def booking_figures(report: ReportRange, clinics: list[ClinicRef]) -> dict[int, BookingFigures]:
    """Per clinic: its days of the report added up, from the per-day figures kept as bookings
    change (a year of the network is ~70,000 rows, not ~500,000 bookings)."""
    names = [figure.name for figure in fields(BookingFigures)]
    query = (
        select(Daily.clinic_id, *(func.coalesce(func.sum(getattr(Daily, name)), 0) for name in names))
        .where(Daily.day.between(report.first_day, report.last_day))
        .group_by(Daily.clinic_id)
    )
    if report.clinic_id is not None:
        query = query.where(Daily.clinic_id == report.clinic_id)
    found = {row[0]: BookingFigures(*(int(value) for value in row[1:])) for row in db.session.execute(query)}
    return {clinic.id: found.get(clinic.id, BookingFigures()) for clinic in clinics}


DEFINITIONS = {
    "bookings": "Visits that start on a day in the range (the clinic's own calendar day), whatever "
                "became of them: cancelled visits included.",
    "new_patients": "Visits in the range booked as the patient's first visit to Back Solution, not "
                    "cancelled.",
    "cancelled": "Visits in the range that were cancelled, by the patient or the clinic, at any time.",
    "late_cancelled": "Cancelled visits whose cancellation came less than the online-change notice "
                      "(24 hours) before the visit was due to start.",
    "cancellation_rate": "Cancelled visits as a share of all bookings in the range.",
    "no_show_rate": "Visits marked as a no-show, as a share of the visits whose outcome was recorded "
                    "(arrived, seen or no-show). Visits still marked booked are left out. Cases: "
                    "the visits with a recorded outcome.",
    "lead_days": "Mean time from making the booking to the start of the visit, in days, over every "
                 "booking in the range.",
    "online_share": "Bookings the patient made themself (on the website or through the booking "
                    "API) as a share of all bookings in the range. Staff: booked at the desk or on "
                    "the phone, walk-ins included. Other: any other source (imported or demo data).",
    "booked_minutes": "The booked length of each visit in the range that was not cancelled "
                      "(no-shows included: the time was held for them), added up.",
    "available_minutes": "Each active practitioner's working time at the clinic on each day of the "
                         "range: their weekly hours there (or the dated hours that replace them), "
                         "inside the clinic's opening hours, less their weekly breaks and any time "
                         "off, on days the clinic is not closed for a holiday. This is the time the "
                         "booking engine offers as slots, from the schedules as they stand today "
                         "(past schedule changes are not kept).",
    "utilisation": "Booked minutes as a share of available minutes. It can pass 100% when visits "
                   "were booked outside the schedule (staff bookings, since-changed hours).",
    "nprs_patients": "Patients with two or more pain scores (NPRS 0-10, the pain before treatment "
                     "in each visit's note) at visits in the range. The network counts each patient "
                     "once, over all their clinics.",
    "nprs_mean_improvement": "First minus latest pain score in the range, averaged over those "
                             "patients: positive means less pain.",
    "nprs_improved": "Share of those patients whose pain fell by 2 points or more, or by 30% or more "
                     "of the first score (Farrar et al., Pain 2001;94:149-58; Ostelo et al., Spine "
                     "2008;33:90-4).",
    "odi_patients": "Patients with two or more scored Oswestry Disability Index questionnaires "
                    "(0-100%) recorded at visits in the range.",
    "odi_mean_improvement": "First minus latest ODI score in the range, in points, averaged over "
                            "those patients: positive means less disability.",
    "odi_improved": "Share of those patients whose ODI fell by 10 points or more, or by 30% or more "
                    "of the first score (Ostelo et al., Spine 2008;33:90-4).",
    "programmes": "Home exercise programmes prescribed on a day in the range. A programme belongs "
                  "to the clinic of the patient's latest visit (not cancelled) that started at or "
                  "before it was prescribed.",
    "retention": "Of the programmes prescribed at least N days before today (UTC) (the cases), the share "
                 "with an exercise check-in on day N after the prescription or later (the "
                 "prescription day is day 0). A programme never started counts as stopped.",
    "claim": "Back Solution's published claim: only 3 in 10 patients are still exercising 2-3 days "
             "after the visit. Compare with the day-3 share.",
    "effect_check_ins": "Check-ins on a day in the range on which the exercise (or an exercise in "
                        "the category) was done, one set or more.",
    "effect_feeling": "Share of those check-ins on which the patient said the exercises made them "
                      "feel better, the same or worse; a check-in without an answer counts in the "
                      "cases but in none of the three.",
    "effect_pain_change": "Mean change in pain (NPRS) from the same patient's previous check-in: "
                          "negative means less pain. Cases: the check-ins that had a previous one.",
}


def clinic_choices() -> list[tuple[str, str]]:
    """Every clinic as (id, name) for the report's clinic menu."""
    return [(str(clinic.id), clinic.name) for clinic in _clinics(None)]
