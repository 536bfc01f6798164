"""The claim page's figures: Back Solution's founding claim, both halves, put to the data.

1. "7 in 10 patients stop their prescribed exercises within 2-3 days": the Kaplan-Meier curve
   of still exercising over courses (queries/courses.py), its band, read against the claimed
   30% still exercising on day 3.
2. "... because the exercises don't make them feel better": the reasons patients gave, by the
   day they stopped (queries/stop_reasons.py), with Wilson intervals; and, per exercise, the
   pain change of those who did it against those who did not (queries/exercise_effects.py).

Every figure carries its number of patients; one from fewer than 10 is suppressed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from clinic_app.adherence.stop_questions import NOT_FEELING_BETTER, REASON_LABELS, StopReason
from clinic_app.reporting.definitions import CLAIMED_DAY_3_SHARE, CURVE_DAYS
from clinic_app.reporting.queries.courses import CourseFigures, course_figures, network_figures
from clinic_app.reporting.queries.exercise_effects import ExerciseComparison, exercise_comparisons
from clinic_app.reporting.queries.scope import ReportRange, report_clinics
from clinic_app.reporting.queries.stop_reasons import stop_reason_counts
from clinic_app.reporting.statistics import Interval, SurvivalAt, suppressed, survival_at, wilson_interval

# Days of stopping, grouped for the table: (label, first day, last day); None is never exercised.
STOP_DAY_GROUPS = (("Never exercised", None, None), ("Day 0-3", 0, 3), ("Day 4-7", 4, 7), ("Day 8-14", 8, 14),
                   ("After day 14", 15, 10 ** 6))


@dataclass(frozen=True)
class CurveDay:
    """The curve on one day, for the table and a chart: (day, at_risk, events, estimate, low, high)."""

    day: int
    at_risk: int
    events: int
    estimate: float
    low: float | None
    high: float | None


@dataclass(frozen=True)
class ShareFigure:
    label: str
    count: int
    of: int
    interval: Interval | None

    @property
    def share(self) -> float | None:
        return self.count / self.of if self.of else None

    @property
    def suppressed(self) -> bool:
        return suppressed(self.of)


@dataclass(frozen=True)
class ClaimFigures:
    courses: CourseFigures
    curve: list[CurveDay]  # day 0 to CURVE_DAYS, cut where fewer than 10 are still followed
    day_3: SurvivalAt | None
    verdict: str
    answered: int
    reasons: list[ShareFigure]
    not_feeling_better: ShareFigure
    by_stop_day: list[tuple[str, int, list[int]]]  # (group, answers, count per reason in REASON_LABELS order)
    exercises: list[ExerciseComparison]


def claim_figures(report: ReportRange, now: datetime) -> ClaimFigures:
    courses = network_figures(course_figures(report, report_clinics(report), now))
    points = courses.curve()
    curve = daily_curve(courses)
    day_3 = survival_at(points, 3)
    counts = stop_reason_counts(report)
    answered = sum(counts.values())
    by_reason: Counter[str] = Counter()
    for (_, reason), count in counts.items():
        by_reason[reason] += count
    reasons = [ShareFigure(label, by_reason[reason.value], answered, wilson_interval(by_reason[reason.value], answered))
               for reason, label in REASON_LABELS.items()]
    not_better = sum(by_reason[reason.value] for reason in NOT_FEELING_BETTER)
    return ClaimFigures(courses, curve, day_3, verdict(day_3, courses.curve_patients), answered, reasons,
                        ShareFigure("Didn't help, made it worse or too painful", not_better, answered,
                                    wilson_interval(not_better, answered)),
                        _by_stop_day(counts), exercise_comparisons(report))


def daily_curve(courses: CourseFigures) -> list[CurveDay]:
    """The estimate on each day from 0 to CURVE_DAYS, stopping at the first day with fewer
    than 10 patients still followed (and empty when the curve has fewer than 10)."""
    points = courses.curve()
    if suppressed(courses.curve_patients):
        return []
    found = []
    for day in range(CURVE_DAYS + 1):
        reading = survival_at(points, day)
        if reading is None or suppressed(reading.at_risk):
            break
        events = sum(point.events for point in points if point.day == day)
        found.append(CurveDay(day, reading.at_risk, events, reading.estimate, reading.low, reading.high))
    return found


def verdict(day_3: SurvivalAt | None, patients: int) -> str:
    """What the day-3 band says about the claimed 30%."""
    if day_3 is None or suppressed(patients) or suppressed(day_3.at_risk):
        return "Too few patients followed to day 3 to test the claim (fewer than 10)."
    if day_3.low is None or day_3.high is None:
        return "Nobody had stopped by day 3: the band is undefined, and the claim is not borne out."
    if day_3.high < CLAIMED_DAY_3_SHARE:
        return "Fewer patients were still exercising on day 3 than the claim says: its whole band is below 30%."
    if day_3.low > CLAIMED_DAY_3_SHARE:
        return "More patients were still exercising on day 3 than the claim says: its whole band is above 30%."
    return "The day-3 band includes 30%: these data cannot tell the estimate apart from the claim."


def _by_stop_day(counts: Counter[tuple[int | None, str]]) -> list[tuple[str, int, list[int]]]:
    rows = []
    for label, first, last in STOP_DAY_GROUPS:
        def in_group(day: int | None, first=first, last=last) -> bool:
            return day is None if first is None else day is not None and first <= day <= last
        per_reason = [sum(count for (day, reason), count in counts.items() if in_group(day) and reason == r.value)
                      for r in StopReason]
        rows.append((label, sum(per_reason), per_reason))
    return rows
