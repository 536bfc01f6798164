"""Head office's overview: the network's key figures for this period against the last, each
with its trend over the periods before, and the clinics whose figures stand out of the funnel.

A period is OVERVIEW_PERIOD_DAYS whole days; this period ends today. Figures about patients are
suppressed below statistics.MIN_PATIENTS.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from clinic_app.extensions import db
from clinic_app.reporting.definitions import CLAIMED_DAY_3_SHARE
from clinic_app.reporting.funnel import Position, network_rate, position
from clinic_app.reporting.queries.courses import course_figures, network_figures
from clinic_app.reporting.queries.outcomes import nprs_figures
from clinic_app.reporting.queries.scope import ClinicRef, ReportRange, report_clinics, share
from clinic_app.reporting.queries.sql import without_jit
from clinic_app.reporting.queries.trends import PeriodFigures, booking_trend, periods_ending, total_trend
from clinic_app.reporting.statistics import MIN_PATIENTS, survival_at

OVERVIEW_PERIOD_DAYS = 28
TREND_PERIODS = 6


@dataclass(frozen=True)
class KeyFigure:
    key: str  # the anchor of its detail on the reports page, and its definition's key
    label: str
    values: list[float | None]  # one per period, oldest first; the last is this period
    cases: list[int]  # what each value rests on (visits, patients, programmes)
    is_share: bool
    about_patients: bool = False  # suppressed below MIN_PATIENTS
    claim: float | None = None
    higher_is_better: bool = True

    def shown(self, index: int) -> float | None:
        """The value, or None when it rests on too few patients to show."""
        return None if self.suppressed(index) else self.values[index]

    def suppressed(self, index: int) -> bool:
        return self.about_patients and 0 < self.cases[index] < MIN_PATIENTS

    @property
    def trend(self) -> list[float | None]:
        return [self.shown(n) for n in range(len(self.values))]


@dataclass(frozen=True)
class Outlier:
    clinic: str
    figure: str
    value: float
    network: float
    cases: int
    position: Position


@dataclass(frozen=True)
class Overview:
    periods: list[ReportRange]
    figures: list[KeyFigure]
    outliers: list[Outlier]


def build_overview(now: datetime) -> Overview:
    """``now``: its UTC date ends this period; the adherence curve counts the days closed on each
    clinic's calendar at that instant."""
    without_jit(db.session)
    today = now.date()
    periods = periods_ending(today, TREND_PERIODS, OVERVIEW_PERIOD_DAYS)
    clinics = report_clinics(ReportRange(periods[0].first_day, today))
    trend = booking_trend(periods, clinics)
    network = total_trend(trend, [c.id for c in clinics], len(periods))
    outcomes = [nprs_figures(period, clinics)[1] for period in periods]
    day_3 = [_day_3(period, clinics, now) for period in periods]
    return Overview(periods, [*_booking_figures(network),
                              KeyFigure("outcomes", "Episodes with pain improved (NPRS)",
                                        [o.improved_share for o in outcomes], [o.episodes for o in outcomes],
                                        True, about_patients=True),
                              KeyFigure("retention", "Still exercising on day 3",
                                        [estimate for estimate, _ in day_3], [cases for _, cases in day_3],
                                        True, about_patients=True, claim=CLAIMED_DAY_3_SHARE)],
                    no_show_outliers(clinics, {c.id: trend[c.id][-1] for c in clinics}))


def _day_3(period: ReportRange, clinics: list[ClinicRef], now: datetime) -> tuple[float | None, int]:
    """The network's Kaplan-Meier estimate of still exercising on day 3, for the courses started in
    ``period``, and what it rests on: the fewer of the patients in the curve and those still
    followed on day 3 (so it is suppressed when either is under 10)."""
    network = network_figures(course_figures(period, clinics, now))
    found = survival_at(network.curve(), 3)
    if found is None:
        return None, 0
    return found.estimate, min(network.curve_patients, found.at_risk)


def _booking_figures(network: list[PeriodFigures]) -> list[KeyFigure]:
    visits = [f.bookings.bookings for f in network]
    outcome_cases = [f.bookings.attended + f.bookings.no_shows for f in network]
    return [
        KeyFigure("bookings", "Bookings", [f.bookings.bookings for f in network], visits, False),
        KeyFigure("utilisation", "Utilisation", [f.utilisation for f in network],
                  [f.available_minutes for f in network], True),
        KeyFigure("no_show_rate", "No-show rate", [f.bookings.no_show_rate for f in network], outcome_cases, True,
                  higher_is_better=False),
        KeyFigure("late_cancellation_rate", "Late-cancellation rate", [f.late_cancellation_rate for f in network],
                  visits, True, higher_is_better=False),
        KeyFigure("new_patients", "New patients", [f.bookings.new_patients for f in network], visits, False),
    ]


def no_show_outliers(clinics: list[ClinicRef], figures: dict[int, PeriodFigures]) -> list[Outlier]:
    """Clinics whose no-show rate this period is outside the network's 99.8% funnel limits."""
    units = [(c, figures[c.id].bookings.no_shows, figures[c.id].bookings.attended + figures[c.id].bookings.no_shows)
             for c in clinics]
    rate = network_rate([(events, cases) for _, events, cases in units])
    if rate is None:
        return []
    found = []
    for clinic, events, cases in units:
        if cases and (band := position(events, cases, rate)) in (Position.ABOVE_998, Position.BELOW_998):
            found.append(Outlier(clinic.name, "No-show rate", share(events, cases) or 0.0, rate, cases, band))
    return sorted(found, key=lambda o: -o.value)
