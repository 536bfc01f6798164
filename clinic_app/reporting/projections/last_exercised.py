"""Programme.last_exercised_on, kept equal to the programme's check-ins.

Network reporting's retention asks, of thousands of programmes at once, on which day each was
last exercised; read from the check-ins, that is a lookup per programme on every view
(bench/README.md). After every flush that writes a check-in or one of its exercises, the day
is selected again for the programmes of what changed, in the same transaction.

Concurrency (PostgreSQL, READ COMMITTED): the programme row is locked first, and the day is
then selected by a new statement, whose snapshot holds every check-in committed by whoever held
the lock before. Check-ins written without the ORM (a bulk import, the benchmark's loader)
bypass this: ``flask reports rebuild`` recomputes every programme's day.
"""

from __future__ import annotations

from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import Session

from clinic_app.adherence.models import CheckInExercise, ExerciseCheckIn
from clinic_app.reporting.projections.flushed import check_ins_written
from clinic_app.treatments.models import Programme


def last_exercised_day():
    """SQL, correlated to Programme: the latest check-in day with one set or more done."""
    return (
        select(func.max(ExerciseCheckIn.on_date))
        .where(ExerciseCheckIn.programme_id == Programme.id,
               exists().where(CheckInExercise.check_in_id == ExerciseCheckIn.id, CheckInExercise.sets_done > 0))
        .scalar_subquery()
    )


def refresh_after_flush(session: Session, flush_context) -> None:
    written = check_ins_written(session)
    if written:
        refresh(session.connection(), {programme_id for programme_id, _, _ in written})


def refresh(connection, programme_ids: set[int] | None = None) -> int:
    """Select the day again for these programmes (all when None); returns the rows updated."""
    statement = update(Programme).values(last_exercised_on=last_exercised_day())
    if programme_ids is not None:
        if not programme_ids:
            return 0
        chosen = Programme.id.in_(programme_ids)
        if connection.dialect.name == "postgresql":
            # FOR NO KEY UPDATE: FOR UPDATE would conflict with the KEY SHARE lock a check-in's
            # insert takes on its programme, and two check-ins of one programme would deadlock.
            connection.execute(select(Programme.id).where(chosen).order_by(Programme.id)
                               .with_for_update(key_share=True))
        statement = statement.where(chosen)
    return connection.execute(statement).rowcount
