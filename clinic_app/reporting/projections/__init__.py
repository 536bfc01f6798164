"""Network reporting's derived tables: kept current on every flush, rebuilt on demand.

The reports read small tables derived from the records (bench/README.md, "Network reporting"):
booking figures per clinic day, outcome scores, exercise effects per day, and each programme's
last exercised day. Each module recomputes its rows from the records, by the report's own SQL,
after every flush that writes what they derive from, in the same transaction.

create_app installs the hooks (``keep_derived_tables_current``); an application or script that
writes bookings, notes, questionnaires or check-ins without create_app, or writes them behind
the ORM (COPY, core INSERT), must run ``rebuild_derived_tables`` (``flask reports rebuild``).
The hooks listen on every SQLAlchemy Session, so sessions made outside Flask-SQLAlchemy (tests
that race two transactions, the benchmarks) keep the tables current too. They are flush hooks,
not signals, on purpose: they see every write, by whatever operation (README, "Layers").
"""

from __future__ import annotations

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from clinic_app.reporting.models import DailyBookingFigures, DailyCategoryEffect, DailyExerciseEffect, OutcomeScore
from clinic_app.reporting.projections import daily_bookings, daily_effects, last_exercised, outcome_scores

HOOKS = (daily_bookings.recount_after_flush, outcome_scores.refile_after_flush,
         daily_effects.recount_after_flush, last_exercised.refresh_after_flush)


def keep_derived_tables_current() -> None:
    """Install the flush hooks, once however often it is called."""
    for hook in HOOKS:
        if not event.contains(Session, "after_flush", hook):
            event.listen(Session, "after_flush", hook)


def rebuild_derived_tables(connection) -> dict[str, int]:
    """Every table from scratch, in the caller's transaction: the rows each now holds (counted:
    psycopg reports no row count for INSERT ... SELECT)."""
    daily_bookings.rebuild(connection)
    outcome_scores.rebuild(connection)
    daily_effects.rebuild(connection)
    tables = {"daily booking figures": DailyBookingFigures, "outcome scores": OutcomeScore,
              "daily exercise effects": DailyExerciseEffect, "daily category effects": DailyCategoryEffect}
    rows = {name: connection.scalar(select(func.count()).select_from(model)) for name, model in tables.items()}
    rows["programmes' last exercised day"] = last_exercised.refresh(connection)
    return rows
