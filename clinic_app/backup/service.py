"""Backups of the whole database, and restoring one.

SQLite copies itself page by page through sqlite3's online backup API: the copy is consistent
even while the app writes, and a restore replaces the live database in one step. PostgreSQL uses
its own tools, ``pg_dump --format=custom`` and ``pg_restore --clean --if-exists`` in a single
transaction, so a restore that fails part-way leaves the database as it was.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import URL

from clinic_app.extensions import db

# A backup or restore waits this long for a lock (a long request, a migration) and then fails
# rather than hanging behind it.
LOCK_WAIT = "30s"


class BackupError(RuntimeError):
    """The backup or restore could not be made; the message says what to do."""


def backup_database(target: Path) -> str:
    """Write a backup of the app's database to ``target``; return which kind was written.
    The file appears only when complete: a failed backup never leaves a partial file there.
    Only the app's own account may read it (mode 0600): it holds every patient's health data."""
    url = db.engine.url
    partial = target.with_name(target.name + ".partial")
    _create_private(partial)
    try:
        if url.get_backend_name() == "sqlite":
            _sqlite_backup(partial)
            kind = "SQLite"
        elif url.get_backend_name() == "postgresql":
            _run_tool("pg_dump", url, "--format=custom", f"--lock-wait-timeout={LOCK_WAIT}", f"--file={partial}")
            kind = "PostgreSQL custom-format"
        else:
            raise BackupError(f"Backups of {url.get_backend_name()} databases are not supported.")
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return kind


def _create_private(partial: Path) -> None:
    """Create the empty file the backup is written into, readable by its owner alone whatever
    the umask; sqlite3 and pg_dump write into it and keep its mode, and so does the rename.
    Never reuses a file already there (another backup being written, or a link planted there)."""
    try:
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        raise BackupError(f"{partial} already exists: another backup is being written there, or one was "
                          f"interrupted. Remove it and try again.") from None
    except OSError as error:
        raise BackupError(f"Cannot create {partial}: {error.strerror}.") from None


def restore_database(source: Path) -> None:
    """Replace every table of the app's database with the backup at ``source``. The app's own
    connections are closed first; other processes (the web app, the worker) should be stopped."""
    if not source.is_file():
        raise BackupError(f"There is no backup file at {source}.")
    url = db.engine.url
    db.session.remove()
    db.engine.dispose()
    if url.get_backend_name() == "sqlite":
        _sqlite_restore(source)
    elif url.get_backend_name() == "postgresql":
        _run_tool("pg_restore", url, "--clean", "--if-exists", "--single-transaction", "--no-owner",
                  "--exit-on-error", str(source), lock_timeout=True)
    else:
        raise BackupError(f"Restoring {url.get_backend_name()} databases is not supported.")
    db.engine.dispose()  # nothing pooled from before the restore


def _sqlite_backup(partial: Path) -> None:
    """Copy the live database page by page; pages a writer changes meanwhile are copied again."""
    target = sqlite3.connect(partial)
    try:
        with db.engine.connect() as conn:
            _sqlite3_of(conn).backup(target)
        target.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, no -wal beside it
    finally:
        target.close()


def _sqlite_restore(source: Path) -> None:
    backup = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        _check_sqlite_backup(backup, source)
        with db.engine.connect() as conn:
            backup.backup(_sqlite3_of(conn))
    finally:
        backup.close()


def _check_sqlite_backup(backup: sqlite3.Connection, source: Path) -> None:
    """Refuse a file that is not a sound SQLite database before anything is overwritten."""
    try:
        verdict = backup.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.DatabaseError:
        verdict = "not a database"
    if verdict != "ok":
        raise BackupError(f"{source} is not a usable SQLite backup ({verdict}); nothing was restored.")


def _run_tool(tool: str, url: URL, *args: str, lock_timeout: bool = False) -> None:
    """Run pg_dump or pg_restore against ``url``. The password goes in the environment, never
    on the command line where any user of the machine could read it."""
    executable = shutil.which(tool)
    if executable is None:
        raise BackupError(f"{tool} was not found: install the PostgreSQL client tools "
                          f"(e.g. apt install postgresql-client) matching the server's version.")
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    if lock_timeout:
        env["PGOPTIONS"] = f"-c lock_timeout={LOCK_WAIT}"
    dsn = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    result = subprocess.run([executable, *args, f"--dbname={dsn}"], env=env, capture_output=True, text=True)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{tool} failed (exit {result.returncode}): {result.stderr.strip()[-2000:]}")


def _sqlite3_of(conn) -> sqlite3.Connection:
    """The sqlite3 connection under SQLAlchemy's, whose backup() copies page by page."""
    driver = conn.connection.driver_connection
    if not isinstance(driver, sqlite3.Connection):
        raise TypeError(f"a SQLite backup needs the sqlite3 driver, not {type(driver).__name__}")
    return driver
