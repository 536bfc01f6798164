"""Which check-ins a flush wrote, for the hooks that keep figures derived from check-ins current
(last_exercised.py, daily_effects.py)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from clinic_app.adherence.models import CheckInExercise, ExerciseCheckIn


def check_ins_written(session: Session) -> set[tuple[int, int, date]]:
    """(programme, patient, day) of every check-in the flush inserted, changed or deleted,
    itself or through one of its exercise rows. Call from an after_flush hook."""
    written = [obj for obj in (*session.new, *session.dirty, *session.deleted)
               if isinstance(obj, ExerciseCheckIn | CheckInExercise)]
    found = {(obj.programme_id, obj.patient_id, obj.on_date) for obj in written if isinstance(obj, ExerciseCheckIn)}
    parents = {obj.check_in_id for obj in written if isinstance(obj, CheckInExercise)} - {None}
    if parents:
        rows = session.connection().execute(
            select(ExerciseCheckIn.programme_id, ExerciseCheckIn.patient_id, ExerciseCheckIn.on_date)
            .where(ExerciseCheckIn.id.in_(parents)))
        found |= {(programme_id, patient_id, on_date) for programme_id, patient_id, on_date in rows}
    return found
