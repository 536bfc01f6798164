"""``flask audit verify``: check that no audit event was changed or removed since written."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from clinic_app.audit.service import verify_audit_chain


@click.group("audit")
def audit():
    """The audit trail of health records."""


@audit.command("verify")
@with_appcontext
def verify():
    """Recompute the hash chain; exit 1 at the first event that does not fit. Keep the printed
    head hash somewhere else (a ticket, a log): a later head that does not descend from it means
    events were removed from the end."""
    report = verify_audit_chain()
    if report.intact:
        click.echo(f"The audit trail is intact: {report.checked} events; head {report.head}.")
        return
    click.echo(
        f"The audit trail is broken at event {report.broken_at}: {report.reason} "
        f"({report.checked} events before it check out).",
        err=True,
    )
    raise SystemExit(1)
