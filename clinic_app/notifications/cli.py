"""``flask notifications send``: the notification worker. Each pass queues the reminders that
are due and delivers every due message; ``--loop`` repeats it, so it is all production runs.
(``flask outbox send``, the old name, still works.)"""

from __future__ import annotations

import logging
import signal
import time
from datetime import datetime

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from clinic_app import clock
from clinic_app.extensions import begin_serialised_transaction, db
from clinic_app.notifications.registry import DueMail, due_mail
from clinic_app.notifications.service import deliver_pending
from clinic_app.notifications.transport import transport_for

log = logging.getLogger(__name__)


def send_due(now: datetime | None = None) -> tuple[int, int]:
    """One pass: queue the e-mails each domain has due (registry.py: visit and check-in
    reminders, committed first; then the e-mails of clinics opened since the last pass, a batch
    at a time), then deliver; return (queued reminders, sent). ``now`` defaults to the clock
    (clinic_app.clock.utcnow, looked up at call time)."""
    sources = due_mail(current_app)
    begin_serialised_transaction()  # SQLite: one worker queues at a time (PostgreSQL: unique keys)
    queued = sum(source.queue(now or clock.utcnow()) for source in sources if not source.batched)
    db.session.commit()
    for source in sources:
        if source.batched:
            _queue_batches(source, now or clock.utcnow())
    return queued, deliver_pending(now)


def _queue_batches(source: DueMail, now: datetime) -> None:
    """A batch per transaction, until none is left, so a metro area's thousands of opening
    e-mails never hold SQLite's write lock for long. A failure is logged and the pass goes on."""
    try:
        while True:
            begin_serialised_transaction()
            if not source.queue(now):
                db.session.rollback()
                return
            db.session.commit()
    except Exception as error:  # noqa: BLE001 - one broken batch must not stop every other e-mail
        db.session.rollback()
        # The type only: a message could quote an address.
        log.error("writing %s failed (%s); delivering the rest", source.name, type(error).__name__)


@click.command("send")
@click.option("--loop", is_flag=True, help="Keep running, a pass every --interval seconds.")
@click.option("--interval", default=10.0, show_default=True, help="Seconds between passes.")
@with_appcontext
def send(loop: bool, interval: float):
    """Queue due reminders and send every due message once, or keep doing so with --loop
    (stops cleanly after the current pass on SIGTERM or Ctrl-C)."""
    if not loop:
        click.echo(_summary(*send_due()))
        return
    stopping = [False]

    def stop(signum, frame):
        stopping[0] = True  # finish the current pass, then leave

    previous = _on_stop_signals(stop)
    try:
        while not stopping[0]:
            _one_pass_of_loop()
            _wait(interval, stopping)
    finally:
        _on_stop_signals(*previous)
    click.echo("Stopping.")


def _one_pass_of_loop() -> None:
    """One pass that never ends the loop: the database going away, or anything else a pass
    meets, is logged by type (never its text, which can quote an address) and the next pass
    tries again. One bad message never gets here: deliver_pending fails it alone."""
    try:
        queued, sent = send_due()
    except Exception as error:  # noqa: BLE001 - the worker outlives any one pass
        _undo_pass()
        level = logging.WARNING if isinstance(error, OperationalError) else logging.ERROR
        log.log(level, "notification pass failed (%s); trying again next pass", type(error).__name__)
        return
    if queued or sent:
        click.echo(f"{clock.utcnow():%Y-%m-%d %H:%M:%S} UTC " + _summary(queued, sent))


def _undo_pass() -> None:
    try:
        db.session.rollback()
    except SQLAlchemyError:  # the connection is gone: the pool replaces it next pass
        db.session.remove()


def _summary(queued: int, sent: int) -> str:
    _, mode = transport_for(current_app.config)
    where = {
        "smtp": "",
        "file": f" to .eml files in {current_app.config['MAIL_FILE_DIR']} (MAIL_ENABLED is off)",
        "": " (MAIL_ENABLED is off: messages wait in the outbox)",
    }[mode]
    return f"Queued {queued} reminder(s). Sent {sent} message(s){where}."


def _on_stop_signals(term_handler, int_handler=None):
    """Install handlers for SIGTERM and SIGINT; return the ones they replace."""
    return (
        signal.signal(signal.SIGTERM, term_handler),
        signal.signal(signal.SIGINT, int_handler or term_handler),
    )


def _wait(seconds: float, stopping: list[bool]) -> None:
    deadline = time.monotonic() + seconds
    while not stopping[0] and time.monotonic() < deadline:
        time.sleep(0.1)


@click.group()
def notifications():
    """Booking reminders and queued e-mail."""


@click.group(hidden=True)
def outbox():
    """The old name of `flask notifications`."""


notifications.add_command(send)
outbox.add_command(send)
