"""Home-exercise adherence and its effect: pure functions, no database, ``today`` passed in.

The questions they answer are Back Solution's own claim, put to the data: "most patients stop
their prescribed exercises within 2-3 days, because the exercises don't make them feel better".

- Adherence: on how many days of each programme week did the patient exercise?
- Retention: a survival curve over courses, in clinic_app/reporting (definitions.py,
  statistics.py, queries/courses.py).
- Effect: per exercise, how often did doing it feel better, the same or worse, and how did pain
  move between one check-in and the next?
- Early warning: which patients look like they are dropping out, and which need a call today?

A check-in is one day's entry by the patient: which exercises were done, pain now (NPRS 0-10)
and whether the exercises made them feel better, the same or worse.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from itertools import pairwise

QUIET_DAYS_AT_RISK = 3
# Pain this high, or "worse" on two check-ins in a row, reaches the practitioner at once.
ALERT_PAIN = 9
FLAT_OR_WORSE_ENTRIES = 3
# Pain this low is not "not improving", however flat: 0, 0, 0 is a patient doing well. 2 is
# below the NPRS's minimal clinically important change from any higher score (Childs et al.,
# Spine 2005;30:1331-4).
NOT_IMPROVING_ABOVE_PAIN = 2


class Feeling(StrEnum):
    BETTER = "better"
    SAME = "same"
    WORSE = "worse"


class Rating(StrEnum):
    """How one exercise felt, asked per exercise done (the day's ``Feeling`` is about them all)."""

    EASIER = "easier"
    SAME = "same"
    HARDER = "harder"  # harder or painful


@dataclass(frozen=True)
class CheckIn:
    on: date
    pain: int
    feeling: Feeling | None = None
    exercises_done: frozenset[int] = field(default_factory=frozenset)

    @property
    def exercised(self) -> bool:
        return bool(self.exercises_done)


@dataclass(frozen=True)
class WeekAdherence:
    week: int  # 1 = the first seven days of the programme
    days_exercised: int
    days_elapsed: int  # 7, or fewer for the week in progress

    @property
    def share(self) -> float:
        return self.days_exercised / self.days_elapsed if self.days_elapsed else 0.0


def weekly_adherence(prescribed_on: date, checkins: Iterable[CheckIn], today: date) -> list[WeekAdherence]:
    """Days with exercise done per programme week, from the prescription day up to ``today``
    (the prescription day counts as day 1). Several check-ins on one day count once."""
    if today < prescribed_on:
        return []
    exercised_days = {c.on for c in checkins if c.exercised and prescribed_on <= c.on <= today}
    elapsed = (today - prescribed_on).days + 1
    weeks = []
    for week in range((elapsed + 6) // 7):
        first = prescribed_on + timedelta(weeks=week)
        days = min(7, elapsed - 7 * week)
        done = sum(1 for offset in range(days) if first + timedelta(days=offset) in exercised_days)
        weeks.append(WeekAdherence(week + 1, done, days))
    return weeks


@dataclass(frozen=True)
class ExerciseEffect:
    exercise_id: int
    check_ins: int
    better: int
    same: int
    worse: int
    mean_pain_change: float | None  # pain at this check-in minus the patient's previous one

    def share(self, feeling: Feeling) -> float:
        return getattr(self, feeling.value) / self.check_ins if self.check_ins else 0.0


def effect_by_exercise(patients_checkins: Iterable[Sequence[CheckIn]]) -> dict[int, ExerciseEffect]:
    """Per exercise, over every check-in on which it was done: how it felt, and the mean change
    in pain since the same patient's previous check-in (none for a patient's first)."""
    feelings: dict[int, dict[Feeling, int]] = defaultdict(lambda: dict.fromkeys(Feeling, 0))
    counts: dict[int, int] = defaultdict(int)
    changes: dict[int, list[int]] = defaultdict(list)
    for checkins in patients_checkins:
        previous = None
        for checkin in sorted(checkins, key=lambda c: c.on):
            for exercise_id in checkin.exercises_done:
                counts[exercise_id] += 1
                if checkin.feeling is not None:
                    feelings[exercise_id][checkin.feeling] += 1
                if previous is not None:
                    changes[exercise_id].append(checkin.pain - previous.pain)
            previous = checkin
    return {
        exercise_id: ExerciseEffect(
            exercise_id,
            count,
            feelings[exercise_id][Feeling.BETTER],
            feelings[exercise_id][Feeling.SAME],
            feelings[exercise_id][Feeling.WORSE],
            sum(changes[exercise_id]) / len(changes[exercise_id]) if changes[exercise_id] else None,
        )
        for exercise_id, count in counts.items()
    }


class RiskReason(StrEnum):
    QUIET = "no_check_in"  # no check-in for QUIET_DAYS_AT_RISK days or more
    NOT_IMPROVING = "pain_flat_or_worse"  # over the last FLAT_OR_WORSE_ENTRIES check-ins
    WORSE_AFTER_EXERCISE = "worse_after_exercise"


class AlertReason(StrEnum):
    SEVERE_PAIN = "severe_pain"  # pain of ALERT_PAIN or more
    WORSE_TWICE = "worse_twice_in_a_row"


def risk_reasons(
    prescribed_on: date, checkins: Sequence[CheckIn], next_visit_booked: bool, today: date
) -> list[RiskReason]:
    """Why this patient looks like they are dropping out of their programme; empty when they do
    not, or when a next visit is already booked (the practitioner will see them anyway)."""
    if next_visit_booked:
        return []
    ordered = sorted(checkins, key=lambda c: c.on)
    reasons = []
    last_day = ordered[-1].on if ordered else prescribed_on
    if (today - last_day).days >= QUIET_DAYS_AT_RISK:
        reasons.append(RiskReason.QUIET)
    recent = ordered[-FLAT_OR_WORSE_ENTRIES:]
    if (len(recent) == FLAT_OR_WORSE_ENTRIES and recent[-1].pain > NOT_IMPROVING_ABOVE_PAIN
            and all(b.pain >= a.pain for a, b in pairwise(recent))):
        reasons.append(RiskReason.NOT_IMPROVING)
    if ordered and ordered[-1].exercised and ordered[-1].feeling is Feeling.WORSE:
        reasons.append(RiskReason.WORSE_AFTER_EXERCISE)
    return reasons


def alert_reasons(checkins: Sequence[CheckIn]) -> list[AlertReason]:
    """What puts this patient on the practitioner's dashboard at once, from the latest check-ins."""
    ordered = sorted(checkins, key=lambda c: c.on)
    reasons = []
    if ordered and ordered[-1].pain >= ALERT_PAIN:
        reasons.append(AlertReason.SEVERE_PAIN)
    if len(ordered) >= 2 and all(c.feeling is Feeling.WORSE for c in ordered[-2:]):
        reasons.append(AlertReason.WORSE_TWICE)
    return reasons


def streak(checkins: Iterable[CheckIn], today: date) -> int:
    """Consecutive days with exercise done, ending today (or yesterday, so a streak is not lost
    before the patient has had the chance to check in today)."""
    days = {c.on for c in checkins if c.exercised}
    day = today if today in days else today - timedelta(days=1)
    count = 0
    while day in days:
        count += 1
        day -= timedelta(days=1)
    return count
