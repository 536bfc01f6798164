"""The per-day effect tables (reporting/models.py), kept current as check-ins change.

A check-in's change in pain is measured from the same patient's previous check-in, so writing
one changes its own day's figures and those of the patient's next check-in. After every flush
that writes a check-in or one of its exercises, the rows of the days of that check-in and of
the patient's later check-ins are deleted and counted again from the check-ins, in the same
transaction, with the queries the one-clinic report uses (queries/adherence.py: exercise_counts
and category_counts): a row always equals what the report would count from the check-ins.

Concurrency (PostgreSQL, READ COMMITTED): before counting, the transaction takes an advisory
lock per day, in day order; the count is a new statement whose snapshot therefore holds every
check-in committed by whoever held the lock before. SQLite has one writer.

Check-ins written without the ORM (a bulk import, the benchmark's loader) bypass this:
``flask reports rebuild`` recomputes both tables from the check-ins.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, func, insert, select, text, true
from sqlalchemy.orm import Session

from clinic_app.adherence.models import ExerciseCheckIn
from clinic_app.reporting.models import DailyCategoryEffect, DailyExerciseEffect
from clinic_app.reporting.projections.flushed import check_ins_written
from clinic_app.reporting.queries.adherence import FIGURES, category_counts, check_ins_with_change, exercise_counts
from clinic_app.reporting.queries.scope import ReportRange

# The first key of this module's PostgreSQL advisory locks (the second is the day's ordinal).
LOCK_SPACE = 7340


def recount_after_flush(session: Session, flush_context) -> None:
    written = check_ins_written(session)
    if written:
        connection = session.connection()
        recount(connection, _days_to_recount(connection, {(patient_id, day) for _, patient_id, day in written}))


def _days_to_recount(connection, touched: set[tuple[int, date]]) -> set[date]:
    """The touched days, and every later day on which one of those patients checked in (the
    next one's change in pain is measured from the touched check-in)."""
    first = min(day for _, day in touched)
    later = connection.execute(select(ExerciseCheckIn.on_date).distinct().where(
        ExerciseCheckIn.patient_id.in_({patient_id for patient_id, _ in touched}), ExerciseCheckIn.on_date > first))
    return {day for _, day in touched} | set(later.scalars())


def recount(connection, days: set[date]) -> None:
    """Count these days' rows again from the check-ins."""
    ordered = sorted(days)
    if connection.dialect.name == "postgresql":
        for day in ordered:
            connection.execute(text("SELECT pg_advisory_xact_lock(:space, :day)"),
                               {"space": LOCK_SPACE, "day": day.toordinal()})
    check_ins = check_ins_with_change(ReportRange(ordered[0], ordered[-1]))
    _refill(connection, ordered, check_ins, check_ins.c.on_date.in_(ordered))


def rebuild(connection) -> None:
    """Recompute every row of both tables from the check-ins."""
    if connection.dialect.name == "postgresql":  # no recount may interleave with the rebuild
        connection.execute(text("LOCK TABLE daily_exercise_effects, daily_category_effects "
                                "IN SHARE ROW EXCLUSIVE MODE"))
    first, last = connection.execute(select(func.min(ExerciseCheckIn.on_date), func.max(ExerciseCheckIn.on_date))).one()
    connection.execute(delete(DailyExerciseEffect))
    connection.execute(delete(DailyCategoryEffect))
    if first is None:
        return
    _refill(connection, None, check_ins_with_change(ReportRange(first, last)), true())


def _refill(connection, days: list[date] | None, check_ins, counted) -> None:
    for table, key, counts in ((DailyExerciseEffect, "exercise_id", exercise_counts),
                               (DailyCategoryEffect, "category", category_counts)):
        if days is not None:
            connection.execute(delete(table).where(table.day.in_(days)))
        rows = counts(check_ins, counted, per_day=True)
        connection.execute(insert(table).from_select([key, "day", *FIGURES], rows))
