"""Figures over time: the booking figures and available minutes of each clinic for each of a
run of periods, in one query over the per-day figures (and one read of the schedules), so a
trend costs about what a single report costs."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, timedelta

from sqlalchemy import case, func, select

from clinic_app.extensions import db
from clinic_app.reporting.models import DailyBookingFigures as Daily
from clinic_app.reporting.queries.bookings import BookingFigures
from clinic_app.reporting.queries.capacity import available_minutes_by_period
from clinic_app.reporting.queries.scope import ClinicRef, ReportRange, add_up, share

# Longest run of periods a trend is cut into: more points than this are not read on a chart.
MOST_PERIODS = 13


def periods_ending(last_day: date, count: int, days: int) -> list[ReportRange]:
    """``count`` runs of ``days`` whole days, oldest first, the last one ending on ``last_day``."""
    return [ReportRange(last_day - timedelta(days=days * (count - n) - 1),
                        last_day - timedelta(days=days * (count - n - 1))) for n in range(count)]


def periods_of(report: ReportRange) -> list[ReportRange]:
    """The report's days cut into weeks, 4-week runs past 13 weeks, 13-week runs past 26 weeks
    (each period costs a walk of every schedule: bench/README.md); the last period ends on the
    report's last day, and the first may be cut short at its first day."""
    days = 7 if report.days <= 7 * MOST_PERIODS else 28 if report.days <= 28 * 6 else 91
    count = -(-report.days // days)
    periods = periods_ending(report.last_day, count, days)
    first = periods[0]
    periods[0] = ReportRange(max(first.first_day, report.first_day), first.last_day)
    return periods


@dataclass(frozen=True)
class PeriodFigures:
    bookings: BookingFigures
    available_minutes: int

    @property
    def utilisation(self) -> float | None:
        return share(self.bookings.booked_minutes, self.available_minutes)

    @property
    def late_cancellation_rate(self) -> float | None:
        return share(self.bookings.late_cancelled, self.bookings.bookings)


def booking_trend(periods: list[ReportRange], clinics: list[ClinicRef]) -> dict[int, list[PeriodFigures]]:
    """Per clinic, the figures of each period in order."""
    booked = _bookings_by_period(periods, clinics)
    free = available_minutes_by_period(periods, clinics)
    return {c.id: [PeriodFigures(booked.get((c.id, n), BookingFigures()), free[n][c.id])
                   for n in range(len(periods))] for c in clinics}


def total_trend(trend: dict[int, list[PeriodFigures]], clinic_ids: list[int], count: int) -> list[PeriodFigures]:
    """The clinics' figures added up, period by period (the network, a state)."""
    return [PeriodFigures(add_up([trend[c][n].bookings for c in clinic_ids], BookingFigures),
                          sum(trend[c][n].available_minutes for c in clinic_ids)) for n in range(count)]


def _bookings_by_period(periods: list[ReportRange], clinics: list[ClinicRef]) -> dict[tuple[int, int], BookingFigures]:
    if not periods or not clinics:
        return {}
    bucket = case(*((Daily.day.between(p.first_day, p.last_day), n) for n, p in enumerate(periods)), else_=-1)
    names = [figure.name for figure in fields(BookingFigures)]
    query = (
        select(Daily.clinic_id, bucket.label("period"), *(func.coalesce(func.sum(getattr(Daily, n)), 0) for n in names))
        .where(Daily.day.between(periods[0].first_day, periods[-1].last_day))
        .group_by(Daily.clinic_id, bucket)
    )
    if len(clinics) == 1:
        query = query.where(Daily.clinic_id == clinics[0].id)
    return {(row[0], row[1]): BookingFigures(*(int(v) for v in row[2:])) for row in db.session.execute(query)}
