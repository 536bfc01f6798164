"""``flask backup PATH`` and ``flask restore PATH``: the whole database to a file and back."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from clinic_app.backup.service import BackupError, backup_database, restore_database
from clinic_app.extensions import db

FILE = click.Path(dir_okay=False, path_type=Path)


@click.command("backup")
@click.argument("path", type=FILE)
@with_appcontext
def backup(path: Path):
    """Write a consistent backup of the database to PATH (safe while the app runs)."""
    try:
        kind = backup_database(path)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Wrote a {kind} backup of {_database_name()} to {path}.")


@click.command("restore")
@click.argument("path", type=FILE)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore(path: Path, yes: bool):
    """Replace every record in the database with the backup at PATH. Stop the web app and the
    notification worker first."""
    if not yes:
        click.confirm(f"This replaces every record in {_database_name()} with the backup {path}. Continue?",
                      abort=True)
    try:
        restore_database(path)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Restored {_database_name()} from {path}.")


def _database_name() -> str:
    """The database as an operator recognises it, without its password."""
    return db.engine.url.render_as_string(hide_password=True)
