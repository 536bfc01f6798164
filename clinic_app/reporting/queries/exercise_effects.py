"""Does each exercise help? Per exercise, over the courses started on the report's days (the
same courses as the curve): the pain change of the patients who did it against the patients
prescribed it who did not, and how the patients who did it last rated it. One value per
patient, never per check-in, so a patient who logs forty days does not count forty times.

Observational: patients choose what they do (one who finds an exercise painful drops it), so a
difference is an association, not the exercise's effect. Only patients with two check-ins or
more have a pain change: those who stop logging at once are not measured.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, distinct, func, select

from clinic_app.adherence.courses import is_course_start
from clinic_app.adherence.models import CheckInExercise, ExerciseCheckIn
from clinic_app.adherence.rules import Rating
from clinic_app.extensions import db
from clinic_app.reporting.queries.adherence import created_around
from clinic_app.reporting.queries.courses import courses
from clinic_app.reporting.queries.scope import ReportRange
from clinic_app.reporting.statistics import Interval, MeanDifference, mean_difference, wilson_interval
from clinic_app.treatments.models import Exercise, Programme, ProgrammeExercise

# "Did it": logged one set or more on at least this share of the patient's exercise days.
DID_IT_SHARE = 0.5


@dataclass(frozen=True)
class ExerciseComparison:
    exercise: str
    prescribed: int  # patients
    did_it: list[float]  # each patient's pain change (latest minus first check-in)
    did_not: list[float]
    difference: MeanDifference | None  # did it minus did not
    rated: int  # patients who rated it
    ratings: dict[Rating, tuple[int, Interval | None]]  # by their latest rating


def exercise_comparisons(report: ReportRange) -> list[ExerciseComparison]:
    patients = _patient_figures(report)
    done = _done_days(set(patients))
    ratings = _latest_ratings(set(patients))
    found = []
    for exercise_id, name, patient_ids in _prescribed(set(patients)):
        did_it: list[float] = []
        did_not: list[float] = []
        for patient_id in patient_ids:
            exercise_days, change = patients[patient_id]
            if change is None or not exercise_days:
                continue
            group = did_it if done.get((patient_id, exercise_id), 0) >= DID_IT_SHARE * exercise_days else did_not
            group.append(float(change))
        rated = [rating for (patient_id, ex), rating in ratings.items()
                 if ex == exercise_id and patient_id in patient_ids]
        found.append(ExerciseComparison(
            name, len(patient_ids), did_it, did_not, mean_difference(did_it, did_not), len(rated),
            {r: (rated.count(r.value), wilson_interval(rated.count(r.value), len(rated))) for r in Rating}))
    return found


def _course_patients(report: ReportRange):
    placed = courses(created_around(report))
    query = select(placed.c.course_id).where(placed.c.started_on.between(report.first_day, report.last_day))
    if report.clinic_id is not None:
        query = query.where(placed.c.clinic_id == report.clinic_id)
    return query


def _patient_figures(report: ReportRange) -> dict[int, tuple[int, int | None]]:
    """Per course patient: days with an exercise done, and latest minus first check-in pain
    (None with fewer than two check-ins)."""
    entry = ExerciseCheckIn
    first = (select(entry.pain).where(entry.patient_id == Programme.patient_id)
             .order_by(entry.on_date, entry.id).limit(1).correlate(Programme).scalar_subquery())
    last = (select(entry.pain).where(entry.patient_id == Programme.patient_id)
            .order_by(entry.on_date.desc(), entry.id.desc()).limit(1).correlate(Programme).scalar_subquery())
    entries = (select(func.count()).where(entry.patient_id == Programme.patient_id)
               .correlate(Programme).scalar_subquery())
    days = (select(func.count(distinct(entry.on_date))).join(CheckInExercise, CheckInExercise.check_in_id == entry.id)
            .where(entry.patient_id == Programme.patient_id, CheckInExercise.sets_done > 0)
            .correlate(Programme).scalar_subquery())
    rows = db.session.execute(
        select(Programme.patient_id, days, entries, first, last)
        .where(is_course_start(), Programme.patient_id.in_(_course_patients(report))))
    return {patient_id: (exercise_days or 0, last_pain - first_pain if count >= 2 else None)
            for patient_id, exercise_days, count, first_pain, last_pain in rows}


def _prescribed(patient_ids: set[int]) -> list[tuple[int, str, set[int]]]:
    """Each exercise in any version of these patients' programmes, with the patients."""
    if not patient_ids:
        return []
    rows = db.session.execute(
        select(Programme.patient_id, ProgrammeExercise.exercise_id, Exercise.name).distinct()
        .join(ProgrammeExercise, ProgrammeExercise.programme_id == Programme.id)
        .join(Exercise, Exercise.id == ProgrammeExercise.exercise_id)
        .where(Programme.patient_id.in_(patient_ids)))
    by_exercise: dict[int, tuple[str, set[int]]] = {}
    for patient_id, exercise_id, name in rows:
        by_exercise.setdefault(exercise_id, (name, set()))[1].add(patient_id)
    return sorted(((exercise_id, name, ids) for exercise_id, (name, ids) in by_exercise.items()),
                  key=lambda row: (row[1], row[0]))


def _done_days(patient_ids: set[int]) -> dict[tuple[int, int], int]:
    if not patient_ids:
        return {}
    rows = db.session.execute(
        select(ExerciseCheckIn.patient_id, CheckInExercise.exercise_id, func.count())
        .join(CheckInExercise, CheckInExercise.check_in_id == ExerciseCheckIn.id)
        .where(ExerciseCheckIn.patient_id.in_(patient_ids), CheckInExercise.sets_done > 0)
        .group_by(ExerciseCheckIn.patient_id, CheckInExercise.exercise_id))
    return {(patient_id, exercise_id): count for patient_id, exercise_id, count in rows}


def _latest_ratings(patient_ids: set[int]) -> dict[tuple[int, int], str | None]:
    """Each patient's latest rating of each exercise they rated."""
    if not patient_ids:
        return {}
    latest = (select(ExerciseCheckIn.patient_id, CheckInExercise.exercise_id,
                     func.max(ExerciseCheckIn.on_date).label("on_date"))
              .join(CheckInExercise, CheckInExercise.check_in_id == ExerciseCheckIn.id)
              .where(ExerciseCheckIn.patient_id.in_(patient_ids), CheckInExercise.rating.is_not(None))
              .group_by(ExerciseCheckIn.patient_id, CheckInExercise.exercise_id).subquery())
    rows = db.session.execute(
        select(ExerciseCheckIn.patient_id, CheckInExercise.exercise_id, CheckInExercise.rating)
        .join(CheckInExercise, CheckInExercise.check_in_id == ExerciseCheckIn.id)
        .join(latest, and_(latest.c.patient_id == ExerciseCheckIn.patient_id,
                           latest.c.exercise_id == CheckInExercise.exercise_id,
                           latest.c.on_date == ExerciseCheckIn.on_date)))
    return {(patient_id, exercise_id): rating for patient_id, exercise_id, rating in rows}


