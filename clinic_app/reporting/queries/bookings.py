"""The booking figures: bookings, new patients, cancellations (late ones too), no-shows,
sources, lead time and booked minutes, each a SQL aggregate grouped by clinic (what each means:
clinic_app/reporting/definitions.py). The network row adds the clinics up."""

from __future__ import annotations

from dataclasses import dataclass, fields

from sqlalchemy import and_, case, func, select

from clinic_app.extensions import db
from clinic_app.reporting.definitions import ONLINE_SOURCES, STAFF_SOURCES, change_notice_hours
from clinic_app.reporting.models import DailyBookingFigures as Daily
from clinic_app.reporting.queries.scope import ClinicRef, ReportRange, share
from clinic_app.reporting.queries.sql import change_window_open, count_where, seconds_between
from clinic_app.scheduling.models import ACTIVE_STATUSES, ATTENDED, Booking, BookingStatus


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


def booking_figure_columns() -> list:
    """The booking figures as SQL aggregates over a set of bookings, in BookingFigures' order:
    the one definition of each. projections/daily_bookings.py applies them to each clinic's days and keeps
    the results; booking_figures adds those days up."""
    cancelled = Booking.status == BookingStatus.CANCELLED
    late = and_(cancelled, ~change_window_open(Booking.start_at, Booking.cancelled_at, change_notice_hours()))

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
