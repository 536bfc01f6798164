"""Adherence, retention, effect and early-warning rules, as tables."""

from datetime import date, timedelta

import pytest

from clinic_app.adherence.rules import (
    AlertReason,
    CheckIn,
    Feeling,
    RiskReason,
    alert_reasons,
    effect_by_exercise,
    risk_reasons,
    streak,
    weekly_adherence,
)

START = date(2026, 11, 2)  # a Monday


def day(n: int) -> date:
    """Day n of the programme, the prescription day being day 0."""
    return START + timedelta(days=n)


def did(n: int, pain: int = 5, feeling: Feeling | None = Feeling.SAME, exercises=(1,)) -> CheckIn:
    return CheckIn(day(n), pain, feeling, frozenset(exercises))


def skipped(n: int, pain: int = 5) -> CheckIn:
    return CheckIn(day(n), pain, None, frozenset())


@pytest.mark.parametrize(
    ("checkins", "today", "expected"),
    [
        ([], 0, [(1, 0, 1)]),
        ([did(0), did(1), did(2)], 6, [(1, 3, 7)]),
        ([did(0), did(0), skipped(1)], 2, [(1, 1, 3)]),  # two check-ins one day count once
        ([did(n) for n in range(9)], 9, [(1, 7, 7), (2, 2, 3)]),
        ([did(-1), did(11)], 9, [(1, 0, 7), (2, 0, 3)]),  # before the programme and after today
    ],
    ids=["nothing yet", "three days then stopped", "one day twice", "into week two", "outside the window"],
)
def test_weekly_adherence_counts_days_exercised_per_programme_week(checkins, today, expected):
    weeks = weekly_adherence(START, checkins, day(today))
    assert [(w.week, w.days_exercised, w.days_elapsed) for w in weeks] == expected


def test_weekly_adherence_is_empty_before_the_programme_starts():
    assert weekly_adherence(START, [], day(-1)) == []


def test_effect_by_exercise_counts_feelings_and_pain_change_from_the_previous_check_in():
    patient_a = [did(0, 6, Feeling.BETTER, (1, 2)), did(1, 4, Feeling.BETTER, (1,)), did(2, 5, Feeling.WORSE, (2,))]
    patient_b = [did(0, 7, Feeling.SAME, (2,)), skipped(1, 7), did(2, 8, Feeling.WORSE, (2,))]
    effects = effect_by_exercise([patient_a, patient_b])
    one, two = effects[1], effects[2]
    assert (one.check_ins, one.better, one.same, one.worse, one.mean_pain_change) == (2, 2, 0, 0, -2.0)
    # exercise 2: a 6 (first, no change), a 5 after 4 (+1), a 7 (first), an 8 after 7 (+1)
    assert (two.check_ins, two.better, two.same, two.worse, two.mean_pain_change) == (4, 1, 1, 2, 1.0)
    assert two.share(Feeling.WORSE) == 0.5


@pytest.mark.parametrize(
    ("checkins", "today", "booked", "expected"),
    [
        ([did(0, 6), did(1, 5), did(2, 4)], 3, False, []),
        ([did(0, 6), did(1, 5), did(2, 4)], 5, False, [RiskReason.QUIET]),
        ([], 3, False, [RiskReason.QUIET]),
        ([did(0, 5), did(1, 5), did(2, 6)], 2, False, [RiskReason.NOT_IMPROVING]),
        ([did(0, 5), did(1, 4, Feeling.WORSE)], 1, False, [RiskReason.WORSE_AFTER_EXERCISE]),
        ([did(0, 5), skipped(1, 4)], 1, False, []),
        ([did(0, 5), did(1, 5), did(2, 6, Feeling.WORSE)], 9, True, []),
    ],
    ids=["improving", "quiet three days", "never checked in", "pain flat then up", "worse after exercising",
         "worse feeling needs exercise", "next visit booked"],
)
def test_patients_at_risk_of_dropping_out(checkins, today, booked, expected):
    assert risk_reasons(START, checkins, booked, day(today)) == expected


@pytest.mark.parametrize(
    ("checkins", "expected"),
    [
        ([did(0, 8)], []),
        ([did(0, 9)], [AlertReason.SEVERE_PAIN]),
        ([did(0, 5, Feeling.WORSE), did(1, 5, Feeling.WORSE)], [AlertReason.WORSE_TWICE]),
        ([did(0, 5, Feeling.WORSE), did(1, 5, Feeling.SAME), did(2, 5, Feeling.WORSE)], []),
        ([did(1, 10, Feeling.WORSE), did(0, 3, Feeling.WORSE)], [AlertReason.SEVERE_PAIN, AlertReason.WORSE_TWICE]),
    ],
    ids=["8 is not an alert", "9 is", "worse twice", "worse, same, worse", "order by day"],
)
def test_alerts_for_severe_pain_or_worse_twice_in_a_row(checkins, expected):
    assert alert_reasons(checkins) == expected


@pytest.mark.parametrize(
    ("checkins", "today", "expected"),
    [
        ([did(0), did(1), did(2)], 2, 3),
        ([did(0), did(1), did(2)], 3, 3),  # today not logged yet
        ([did(0), did(1), did(2)], 4, 0),
        ([did(0), skipped(1), did(2)], 2, 1),
    ],
)
def test_streak_counts_consecutive_exercise_days(checkins, today, expected):
    assert streak(checkins, day(today)) == expected
