"""The network's exercise effects, and each programme's last exercised day, stay equal to the
check-ins they are counted from.

daily_exercise_effects and daily_category_effects (clinic_app/reporting/projections/daily_effects.py) are
recounted on every flush that writes a check-in: checking in again the same day, or logging
yesterday after today (which changes today's change in pain), leaves them exactly as a rebuild
from the check-ins would, and the network report reads the new figures.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from clinic_app.adherence.models import CheckInExercise, ExerciseCheckIn
from clinic_app.adherence.rules import Feeling
from clinic_app.adherence.service import CheckInDetails, patient_today, record_check_in
from clinic_app.audit.service import Actor
from clinic_app.clock import utcnow
from clinic_app.extensions import db
from clinic_app.reporting.models import DailyCategoryEffect, DailyExerciseEffect
from clinic_app.reporting.projections import daily_effects, last_exercised
from clinic_app.reporting.queries.adherence import effect_by_category, effect_by_exercise
from clinic_app.reporting.queries.scope import ReportRange
from clinic_app.treatments.library import seed_exercise_library
from clinic_app.treatments.programmes import Dose, exercise_library, prescribe_programme
from tests.conftest import TEST_DATABASE_URL
from tests.factories import make_booking
from tests.test_report_derived_tables import _a_transaction_waits_on_a_lock


def kept_rows() -> dict:
    rows = {}
    for table, key in ((DailyExerciseEffect, "exercise_id"), (DailyCategoryEffect, "category")):
        for row in db.session.scalars(select(table)):
            rows[(table.__tablename__, row.day, getattr(row, key))] = tuple(
                getattr(row, name) for name in ("check_ins", "better", "same", "worse", "change_total", "changes"))
    return rows


def rebuilt_rows() -> dict:
    daily_effects.rebuild(db.session.connection())
    rows = kept_rows()
    db.session.rollback()
    return rows


@pytest.fixture
def programme(app):
    seed_exercise_library()
    return prescribed()


def prescribed():
    """A patient seen a week ago with a two-exercise programme."""
    visit = make_booking()
    first, second = exercise_library()[:2]
    programme, _ = prescribe_programme(Actor(visit.practitioner.user, "203.0.113.7"), visit.patient,
                                       visit.practitioner, [Dose(first.id, 3, 10), Dose(second.id, 2, 5)], "",
                                       utcnow() - timedelta(days=7))
    db.session.commit()
    return programme


def check_in(programme, on, pain, sets, feeling=Feeling.BETTER):
    done = dict(zip((item.exercise_id for item in programme.items), sets, strict=True))
    record_check_in(programme, CheckInDetails(on, pain, feeling, done), utcnow())
    db.session.commit()


def network_effects(today):
    report = ReportRange(today - timedelta(days=6), today)
    by_exercise = {row.label: row for row in effect_by_exercise(report)}
    return by_exercise, {row.category: row for row in effect_by_category(report)}


def test_checking_in_again_the_same_day_recounts_the_network_effects(programme):
    today = patient_today(programme.patient_id, utcnow())
    first, second = (item.exercise for item in programme.items)
    check_in(programme, today - timedelta(days=1), 6, (3, 0))
    check_in(programme, today, 4, (3, 2), Feeling.WORSE)
    check_in(programme, today, 3, (0, 2), Feeling.SAME)
    assert kept_rows() == rebuilt_rows()

    by_exercise, by_category = network_effects(today)
    yesterdays = by_exercise[first.name]
    assert (yesterdays.check_ins, yesterdays.better, yesterdays.changes) == (1, 1, 0)
    replaced = by_exercise[second.name]
    assert (replaced.check_ins, replaced.same, replaced.worse, replaced.mean_pain_change) == (1, 1, 0, -3)
    category = by_category[second.category]  # today's entry counts once for its category
    assert (category.check_ins, category.same) == ((2 if first.category == second.category else 1), 1)


def test_logging_yesterday_after_today_changes_todays_change_in_pain(programme):
    today = patient_today(programme.patient_id, utcnow())
    first = programme.items[0].exercise
    check_in(programme, today, 5, (3, 0))
    assert network_effects(today)[0][first.name].mean_pain_change is None
    check_in(programme, today - timedelta(days=1), 7, (3, 0))
    assert kept_rows() == rebuilt_rows()
    effect = network_effects(today)[0][first.name]
    assert (effect.check_ins, effect.changes, effect.mean_pain_change) == (2, 1, -2)


def test_a_programme_keeps_its_last_exercised_day_when_today_is_replaced_without_exercise(programme):
    today = patient_today(programme.patient_id, utcnow())
    yesterday = today - timedelta(days=1)
    check_in(programme, yesterday, 6, (3, 0))
    check_in(programme, today, 5, (3, 2))
    db.session.refresh(programme)
    assert programme.last_exercised_on == today
    check_in(programme, today, 5, (0, 0), feeling=None)  # today: nothing done after all
    db.session.refresh(programme)
    assert programme.last_exercised_on == yesterday
    last_exercised.refresh(db.session.connection())
    db.session.refresh(programme)
    assert programme.last_exercised_on == yesterday


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="PostgreSQL only: SQLite lets one transaction write at a time")
def test_two_patients_checking_in_at_once_are_both_counted(app, programme):
    other = prescribed()
    today = patient_today(programme.patient_id, utcnow())
    exercise_id = programme.items[0].exercise_id
    first_flushed, release_first, failures = threading.Event(), threading.Event(), []

    def check_in_apart(chosen, hold: bool) -> None:
        try:
            with app.app_context(), Session(db.engine) as session:
                session.add(ExerciseCheckIn(patient_id=chosen.patient_id, programme_id=chosen.id, on_date=today, pain=3,
                                            feeling="better", exercises=[CheckInExercise(exercise_id=exercise_id,
                                                                                         sets_done=2)]))
                session.flush()  # the day is now locked by this transaction
                if hold:
                    first_flushed.set()
                    release_first.wait(10)
                session.commit()
        except Exception as error:  # noqa: BLE001 - the assertion below reports it
            failures.append(error)

    holder = threading.Thread(target=check_in_apart, args=(programme, True))
    holder.start()
    assert first_flushed.wait(10)
    waiter = threading.Thread(target=check_in_apart, args=(other, False))
    waiter.start()
    assert _a_transaction_waits_on_a_lock(db.engine), "the second check-in never waited for the first"
    release_first.set()
    holder.join(10)
    waiter.join(10)

    assert failures == []
    db.session.expire_all()
    assert kept_rows() == rebuilt_rows()
    assert network_effects(today)[0][programme.items[0].exercise.name].check_ins == 2
