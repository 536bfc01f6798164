"""``flask reports rebuild``: recompute network reporting's derived tables from the records.

Importing this module (create_app does) also installs the session hooks that keep those tables
current on every flush: clinic_app/headoffice/daily_bookings.py, outcome_scores.py and
daily_effects.py, and clinic_app/adherence/last_exercised.py (programmes.last_exercised_on).
"""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from clinic_app.adherence import last_exercised
from clinic_app.extensions import db
from clinic_app.headoffice import daily_bookings, daily_effects, outcome_scores
from clinic_app.headoffice.effect_tables import DailyCategoryEffect, DailyExerciseEffect
from clinic_app.headoffice.models import DailyBookingFigures, OutcomeScore

reports = AppGroup("reports", help="Network reporting's derived tables.")


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


@reports.command("rebuild")
def rebuild_command() -> None:
    """Recompute every derived table of the reports from the records (after a bulk import)."""
    written = rebuild_derived_tables(db.session.connection())
    db.session.commit()
    for table, rows in written.items():
        click.echo(f"{table}: {rows} rows")
