"""``flask audit verify``: check that no audit event was changed or removed since written.

The chain alone cannot show events cut from its end, so every run prints the head as
``HASH:COUNT``. Kept outside the database (a ticket, a log, a file on another machine:
``--record-head PATH``), it lets a later run (``--expect-head`` or ``--expect-head-file``) fail
when the trail is shorter than it was or no longer passes through that head.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import click
from flask.cli import with_appcontext

from clinic_app.audit.chain import Checkpoint, CheckpointFormatError
from clinic_app.audit.service import verify_audit_chain


@click.group("audit")
def audit():
    """The audit trail of health records."""


@audit.command("verify")
@click.option("--expect-head", "expect_head", metavar="HASH:COUNT",
              help="A head printed by an earlier run: fail unless the trail still passes through it.")
@click.option("--expect-head-file", "expect_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Read that head from a file written by --record-head.")
@click.option("--record-head", "record_file", type=click.Path(dir_okay=False, path_type=Path),
              help="After a run that passes, write the head to this file (outside the database).")
@with_appcontext
def verify(expect_head: str | None, expect_file: Path | None, record_file: Path | None):
    """Recompute the hash chain; exit 1 at the first event that does not fit, or when the trail
    no longer extends the head recorded earlier. The same file may be given to --expect-head-file
    and --record-head: it is read first and replaced only when the check passes."""
    expected = _expected_head(expect_head, expect_file)
    report = verify_audit_chain(expected=expected)
    if not report.intact:
        click.echo(f"The audit trail is broken at event {report.broken_at}: {report.reason} "
                   f"({report.checked} events before it check out; head {report.checkpoint}).", err=True)
        raise SystemExit(1)
    if report.checkpoint_problem:
        click.echo(f"The audit trail is shorter or other than recorded: {report.checkpoint_problem}. "
                   f"Now: {report.checked} events; head {report.checkpoint}.", err=True)
        raise SystemExit(1)
    click.echo(f"The audit trail is intact: {report.checked} events; head {report.head}.")
    if expected is not None:
        click.echo(f"It extends the head recorded earlier ({expected.count} events).")
    click.echo(f"Keep this head outside the database: --expect-head {report.checkpoint}")
    if record_file is not None:
        try:
            _write_head(record_file, report.checkpoint)
        except OSError as error:
            click.echo(f"The head could not be written to {record_file}: {error.strerror or error}.", err=True)
            raise SystemExit(1) from None
        click.echo(f"Head written to {record_file}.")


def _expected_head(given: str | None, path: Path | None) -> Checkpoint | None:
    if given and path:
        raise click.UsageError("Give --expect-head or --expect-head-file, not both.")
    if path is not None:
        try:
            given = path.read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError) as error:
            raise click.BadParameter(f"cannot read {path}: {error}", param_hint="--expect-head-file") from None
    if not given:
        return None
    try:
        return Checkpoint.parse(given)
    except CheckpointFormatError as error:
        raise click.BadParameter(str(error), param_hint="--expect-head") from None


def _write_head(path: Path, checkpoint: Checkpoint) -> None:
    """Replace the file in one step (a crash never leaves half a head), readable by its owner only."""
    handle, temporary = tempfile.mkstemp(dir=path.parent or Path("."), prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="ascii") as file:
            file.write(f"{checkpoint}\n")
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
