"""Home-exercise adherence, put against Back Solution's published claim, in SQL.

These are the SQL forms of clinic_app.adherence.rules.effect_by_exercise, over many patients
at once; tests check that both give the same figures on the same histories. Retention is a
survival curve over courses: queries/courses.py.

A programme belongs to the clinic of the patient's latest visit (not cancelled) that started at
or before the prescription, and to that clinic's calendar day of the prescription; a programme
prescribed before any visit has no clinic and is left out of retention.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from clinic_app.adherence.models import CheckInExercise, ExerciseCheckIn
from clinic_app.adherence.rules import Feeling
from clinic_app.clinics.models import Clinic
from clinic_app.extensions import db
from clinic_app.reporting.models import DailyCategoryEffect, DailyExerciseEffect
from clinic_app.reporting.queries.scope import ReportRange, share
from clinic_app.reporting.queries.sql import count_where, local_date
from clinic_app.scheduling.models import Booking, BookingStatus
from clinic_app.treatments.models import Exercise, Programme


def placed_programmes(*conditions):
    """Each programme with its clinic, its local prescription date (see the module text) and
    the last day it was exercised. ``conditions`` on Programme narrow the programmes first, so
    that the visit that places each one is looked up only for those that can be in the report.

    Both steps are MATERIALIZED: otherwise SQLite copies the visit lookup (and the time-zone
    conversion) into every place the outer query names the column, running it several times
    per programme."""
    visit_clinic = (
        select(Booking.clinic_id)
        .where(Booking.patient_id == Programme.patient_id, Booking.start_at <= Programme.created_at,
               Booking.status != BookingStatus.CANCELLED)
        .order_by(Booking.start_at.desc(), Booking.id.desc())
        .limit(1)
        .correlate(Programme)
        .scalar_subquery()
    )
    placed = select(Programme.id.label("programme_id"), Programme.created_at, Programme.last_exercised_on,
                    visit_clinic.label("clinic_id")).where(*conditions).cte().prefix_with("MATERIALIZED")
    return (
        select(placed.c.programme_id, placed.c.clinic_id,
               local_date(placed.c.created_at, Clinic.timezone).label("prescribed_on"), placed.c.last_exercised_on)
        .join(Clinic, Clinic.id == placed.c.clinic_id)
        .cte()
        .prefix_with("MATERIALIZED")
    )


def created_around(report: ReportRange):
    """Programme.created_at inside the UTC days from the day before ``first_day`` to the day
    after ``last_day``: every clinic's local day lies inside the UTC day before, of or after it
    (no time zone is more than 14 hours from UTC), so no programme of the report is left out."""
    start = datetime.combine(report.first_day - timedelta(days=1), time(0), tzinfo=UTC)
    end = datetime.combine(report.last_day + timedelta(days=2), time(0), tzinfo=UTC)
    return and_(Programme.created_at >= start, Programme.created_at < end)


@dataclass(frozen=True)
class EffectFigures:
    label: str
    category: str
    check_ins: int
    better: int
    same: int
    worse: int
    change_total: int  # pain at the check-in minus the patient's previous check-in, added up
    changes: int  # check-ins that had a previous one

    def share(self, feeling: Feeling) -> float | None:
        return share(getattr(self, feeling.value), self.check_ins)

    @property
    def mean_pain_change(self) -> float | None:
        return share(self.change_total, self.changes)


def check_ins_with_change(report: ReportRange):
    """Check-ins up to the last day, each with the change in pain since the same patient's
    previous check-in (none for the first), limited to one clinic's programmes when chosen."""
    change = ExerciseCheckIn.pain - func.lag(ExerciseCheckIn.pain).over(
        partition_by=ExerciseCheckIn.patient_id, order_by=(ExerciseCheckIn.on_date, ExerciseCheckIn.id))
    # A check-in's previous one is the same patient's: only patients who checked in on the
    # report's days need their history read.
    in_range = aliased(ExerciseCheckIn)
    query = select(ExerciseCheckIn.id, ExerciseCheckIn.on_date, ExerciseCheckIn.feeling,
                   change.label("pain_change")).where(
        ExerciseCheckIn.on_date <= report.last_day,
        ExerciseCheckIn.patient_id.in_(select(in_range.patient_id).where(
            in_range.on_date.between(report.first_day, report.last_day))))
    if report.clinic_id is not None:
        # A programme placed at the clinic belongs to a patient with a visit there.
        programmes = placed_programmes(Programme.patient_id.in_(
            select(Booking.patient_id).where(Booking.clinic_id == report.clinic_id)))
        query = query.where(ExerciseCheckIn.programme_id.in_(
            select(programmes.c.programme_id).where(programmes.c.clinic_id == report.clinic_id)))
    return query.subquery()


FIGURES = ("check_ins", "better", "same", "worse", "change_total", "changes")


def _effect_columns(check_ins):
    columns = [
        func.count(),
        *(count_where(check_ins.c.feeling == feeling.value) for feeling in Feeling),
        func.coalesce(func.sum(check_ins.c.pain_change), 0),
        func.count(check_ins.c.pain_change),
    ]
    return [column.label(name) for column, name in zip(columns, FIGURES, strict=True)]


def exercise_counts(check_ins, counted, *, per_day: bool = False):
    """Per exercise (and day), over the ``counted`` check-ins on which it was done (one set or
    more): the columns exercise_id, [on_date], *FIGURES."""
    by_day = [check_ins.c.on_date] if per_day else []
    return (
        select(CheckInExercise.exercise_id, *by_day, *_effect_columns(check_ins))
        .select_from(CheckInExercise)
        .join(check_ins, check_ins.c.id == CheckInExercise.check_in_id)
        .where(CheckInExercise.sets_done > 0, counted)
        .group_by(CheckInExercise.exercise_id, *by_day)
    )


def category_counts(check_ins, counted, *, per_day: bool = False):
    """Per exercise category (and day), over the ``counted`` check-ins on which one or more of
    its exercises was done (a check-in with two stretches counts once for stretches): the
    columns category, [on_date], *FIGURES."""
    # Each (check-in, category) once.
    done = (
        select(check_ins.c.id, check_ins.c.on_date, Exercise.category, check_ins.c.feeling, check_ins.c.pain_change)
        .select_from(check_ins)
        .join(CheckInExercise, CheckInExercise.check_in_id == check_ins.c.id)
        .join(Exercise, Exercise.id == CheckInExercise.exercise_id)
        .where(CheckInExercise.sets_done > 0, counted)
        .distinct()
        .subquery()
    )
    by_day = [done.c.on_date] if per_day else []
    return select(done.c.category, *by_day, *_effect_columns(done)).group_by(done.c.category, *by_day)


def _summed(table):
    """The figures of a derived table's rows, added up."""
    return [func.coalesce(func.sum(getattr(table, name)), 0).label(name) for name in FIGURES]


def effect_by_exercise(report: ReportRange) -> list[EffectFigures]:
    """Per exercise, over the check-ins on the report's days on which it was done (one set or
    more): how it felt and the mean change in pain since the previous check-in. The whole
    network's is added up from the per-day table (projections/daily_effects.py keeps it equal to the
    check-ins); one clinic's is counted from its check-ins."""
    if report.clinic_id is None:
        counts = (select(DailyExerciseEffect.exercise_id, *_summed(DailyExerciseEffect))
                  .where(DailyExerciseEffect.day.between(report.first_day, report.last_day))
                  .group_by(DailyExerciseEffect.exercise_id).subquery())
    else:
        check_ins = check_ins_with_change(report)
        counts = exercise_counts(check_ins, check_ins.c.on_date >= report.first_day).subquery()
    query = (
        select(Exercise.name, Exercise.category, *(counts.c[name] for name in FIGURES))
        .join(counts, counts.c.exercise_id == Exercise.id)
        .order_by(Exercise.category, Exercise.name, Exercise.id)
    )
    return [EffectFigures(row[0], row[1], *(int(value) for value in row[2:])) for row in db.session.execute(query)]


def effect_by_category(report: ReportRange) -> list[EffectFigures]:
    """Per exercise category, over the check-ins on the report's days on which one or more of
    its exercises was done (a check-in with two stretches counts once for stretches); the
    network's from the per-day table, as for effect_by_exercise."""
    if report.clinic_id is None:
        query = (select(DailyCategoryEffect.category, *_summed(DailyCategoryEffect))
                 .where(DailyCategoryEffect.day.between(report.first_day, report.last_day))
                 .group_by(DailyCategoryEffect.category))
    else:
        check_ins = check_ins_with_change(report)
        query = category_counts(check_ins, check_ins.c.on_date >= report.first_day)
    query = query.order_by(query.selected_columns[0])
    return [EffectFigures(row[0], row[0], *(int(value) for value in row[1:])) for row in db.session.execute(query)]
