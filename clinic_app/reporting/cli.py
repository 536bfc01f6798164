"""``flask reports rebuild``: recompute network reporting's derived tables from the records."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from clinic_app.extensions import db
from clinic_app.reporting.projections import rebuild_derived_tables

reports = AppGroup("reports", help="Network reporting's derived tables.")


@reports.command("rebuild")
def rebuild_command() -> None:
    """Recompute every derived table of the reports from the records (after a bulk import)."""
    written = rebuild_derived_tables(db.session.connection())
    db.session.commit()
    for table, rows in written.items():
        click.echo(f"{table}: {rows} rows")
