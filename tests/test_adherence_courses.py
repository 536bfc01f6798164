"""Adherence courses on the clinic's calendar: one curve per patient from the first
prescription, days counted once closed, stops known only after 3 quiet closed days, and the SQL
(reporting.queries.courses) equal to the pure rule (reporting.definitions.course_follow_up)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from clinic_app.extensions import db
from clinic_app.reporting.definitions import CourseState, course_follow_up, last_closed_day
from clinic_app.reporting.queries.courses import course_figures, network_figures
from clinic_app.reporting.queries.scope import ReportRange, report_clinics
from clinic_app.reporting.statistics import kaplan_meier, survival_at
from clinic_app.treatments.models import Exercise
from tests.factories import make_clinic, make_practitioner
from tests.test_reporting import add_check_in, add_patient, add_programme

NEW_YORK = ZoneInfo("America/New_York")
START = date(2026, 3, 2)  # a Monday; no clock change in the month


def at(day: date, hour: int, zone=NEW_YORK) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=zone).astimezone(UTC)


@pytest.fixture
def clinic(app):
    found = make_clinic(name="A New York", timezone="America/New_York")
    practitioner = make_practitioner(found)
    exercise = Exercise(slug="cat-stretch", name="Cat stretch", category="stretch", instructions="-")
    db.session.add(exercise)
    db.session.flush()
    return found, practitioner, exercise


def course(clinic, exercised: list[int], *, revised_on: int | None = None, checked_in_without_exercise=()):
    """A patient prescribed at 10:00 on START at ``clinic``, exercising on the given days."""
    place, practitioner, exercise = clinic
    patient = add_patient(f"P{random.randrange(10 ** 9)}")
    first = add_programme(patient, practitioner, at(START, 10))
    programmes = [(0, first)]
    if revised_on is not None:
        first.replaced_at = at(START + timedelta(days=revised_on), 11)
        programmes.append((revised_on, add_programme(patient, practitioner, first.replaced_at, version=2)))
    for day in sorted({*exercised, *checked_in_without_exercise}):
        programme = [p for since, p in programmes if since <= day][-1]
        sets = 1 if day in exercised else 0
        add_check_in(programme, START + timedelta(days=day), 4, None, {exercise: sets})
    db.session.commit()
    return patient


def figures(now: datetime):
    report = ReportRange(START - timedelta(days=3), START + timedelta(days=3))
    return network_figures(course_figures(report, report_clinics(report), now))


def test_day_n_closes_only_when_day_n_plus_1_has_ended_on_the_clinics_calendar():
    assert last_closed_day(date(2026, 3, 9)) == date(2026, 3, 7)


def test_a_revision_continues_the_course_instead_of_starting_a_new_denominator(clinic):
    course(clinic, exercised=list(range(0, 16)), revised_on=2)
    found = figures(at(START + timedelta(days=20), 12))
    assert found.courses == 1
    assert (found.stopped, found.followed) == ({16: 1}, {})  # stopped after day 15, known on day 20
    curve = found.curve()
    assert survival_at(curve, 3).estimate == 1.0 and survival_at(curve, 14).estimate == 1.0


def test_an_every_day_exerciser_is_followed_not_stopped_while_the_window_is_open(clinic):
    # Day 3 at 23:00 in New York (04:00 UTC on day 4): days 0-3 done, day 3 not yet closed.
    course(clinic, exercised=[0, 1, 2, 3])
    found = figures(at(START + timedelta(days=3), 23))
    assert (found.stopped, found.followed) == ({}, {1: 1})  # censored at day 1, the last closed day
    assert survival_at(found.curve(), 1).estimate == 1.0


def test_a_stop_is_known_once_three_quiet_days_have_closed(clinic):
    course(clinic, exercised=[0, 1])
    # Last exercise day 1: stops on day 2, known when days 2-4 are closed (on day 6).
    assert figures(at(START + timedelta(days=5), 12)).followed == {1: 1}
    assert figures(at(START + timedelta(days=6), 1)).stopped == {2: 1}  # 01:00 New York is day 6 there


def test_never_started_is_its_own_count_not_a_stop(clinic):
    course(clinic, exercised=[])
    course(clinic, exercised=[], checked_in_without_exercise=[1])
    early = figures(at(START + timedelta(days=3), 12))
    assert (early.awaiting, early.never_started, early.curve_patients) == (1, 0, 0)
    later = figures(at(START + timedelta(days=4), 12))
    assert (later.never_started, later.stopped) == (1, {0: 1})  # the one who checked in, never exercised


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sql_curve_equals_the_pure_rule_on_generated_histories(clinic, seed):
    rng = random.Random(seed)
    now = at(START + timedelta(days=rng.randrange(2, 30)), rng.randrange(0, 24))
    histories = []
    for _ in range(25):
        days = sorted(rng.sample(range(0, 30), rng.randrange(0, 8)))
        idle = [d for d in rng.sample(range(0, 30), rng.randrange(0, 2)) if d not in days]
        revised = rng.choice([None, 1, 3])
        course(clinic, exercised=days, revised_on=revised, checked_in_without_exercise=idle)
        histories.append((days, idle))
    today = now.astimezone(NEW_YORK).date()
    expected = [course_follow_up(START, [START + timedelta(days=d) for d in days], bool(days or idle), today)
                for days, idle in histories]
    found = figures(now)
    pure_curve = kaplan_meier((f.time, f.state is CourseState.STOPPED) for f in expected
                              if f.time is not None and f.time >= 0)
    assert found.courses == len(expected)
    assert found.never_started == sum(f.state is CourseState.NEVER_STARTED for f in expected)
    assert found.awaiting == sum(f.state is CourseState.AWAITING for f in expected)
    assert [p.row() for p in found.curve()] == [p.row() for p in pure_curve]


def test_exercise_effect_compares_patients_who_did_it_with_those_prescribed_who_did_not(clinic):
    from clinic_app.adherence.models import CheckInExercise, ExerciseCheckIn
    from clinic_app.adherence.rules import Rating
    from clinic_app.reporting.queries.exercise_effects import exercise_comparisons
    from clinic_app.treatments.models import ProgrammeExercise

    place, practitioner, a = clinic
    b = Exercise(slug="knee-hug", name="Knee hug", category="stretch", instructions="-")
    db.session.add(b)
    db.session.flush()
    # (pain, {exercise: (sets, rating)}) per day from START.
    histories = [
        [(6, {a: (1, "harder"), b: (0, None)}), (4, {a: (1, "easier"), b: (0, None)})],  # A only: -2
        [(5, {a: (1, None), b: (1, None)}), (5, {a: (1, None), b: (1, None)})],  # both: 0
        [(7, {a: (0, None), b: (1, "same")}), (8, {a: (0, None), b: (1, None)})],  # B only: +1
        [(3, {a: (0, None), b: (1, None)})],  # one check-in: no change
    ]
    for n, days in enumerate(histories):
        patient = add_patient(f"E{n}")
        programme = add_programme(patient, practitioner, at(START, 10))
        programme.items = [ProgrammeExercise(exercise_id=e.id, position=i, sets=1, reps=10, hold_seconds=0,
                                             times_per_day=1) for i, e in enumerate((a, b))]
        for day, (pain, done) in enumerate(days):
            entry = ExerciseCheckIn(patient_id=patient.id, programme_id=programme.id,
                                    on_date=START + timedelta(days=day), pain=pain)
            entry.exercises = [CheckInExercise(exercise_id=e.id, sets_done=sets, rating=rating)
                               for e, (sets, rating) in done.items()]
            db.session.add(entry)
    db.session.commit()
    found = {row.exercise: row for row in exercise_comparisons(ReportRange(START, START))}
    cat, hug = found["Cat stretch"], found["Knee hug"]
    assert (cat.prescribed, sorted(cat.did_it), cat.did_not) == (4, [-2.0, 0.0], [1.0])
    assert (sorted(hug.did_it), hug.did_not) == ([0.0, 1.0], [-2.0])
    assert cat.difference is None  # one patient did not: no interval
    assert (cat.rated, cat.ratings[Rating.EASIER][0], cat.ratings[Rating.HARDER][0]) == (1, 1, 0)  # the latest
