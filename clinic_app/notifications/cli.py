"""``flask outbox send``: the notification worker."""

from __future__ import annotations

import signal
import time

import click
from flask.cli import with_appcontext

from clinic_app.notifications.service import deliver_pending


@click.group()
def outbox():
    """Send queued e-mail."""


@outbox.command("send")
@click.option("--loop", is_flag=True, help="Keep running, checking every --interval seconds.")
@click.option("--interval", default=10.0, show_default=True)
@with_appcontext
def send(loop: bool, interval: float):
    """Send every pending message once, or keep doing so with --loop (stops cleanly on SIGTERM)."""
    stopping = False

    def stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    while True:
        sent = deliver_pending()
        if not loop:
            click.echo(f"Sent {sent} message(s).")
            return
        deadline = time.monotonic() + interval
        while not stopping and time.monotonic() < deadline:
            time.sleep(0.2)
        if stopping:
            click.echo("Stopping.")
            return
