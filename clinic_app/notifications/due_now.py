"""Queueing a reminder that must go out in the pass that queues it, once only.

The reminder senders (visit reminders, exercise check-in reminders) may run on two workers at
the same moment: each message has an idempotency key, the outbox's unique index lets one
worker win, and the other's attempt is rolled back to a savepoint without spoiling its pass.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from clinic_app.extensions import db
from clinic_app.notifications.models import OutboxMessage


def queue_due_now(queue: Callable[[], OutboxMessage | None], now: datetime) -> int:
    """Call ``queue`` inside a savepoint and make its message due at ``now``; 1 when it queued
    one, 0 when that message was queued already (by this pass, an earlier one or a racing worker)."""
    try:
        with db.session.begin_nested():
            message = queue()
    except IntegrityError:
        return 0
    if message is None:
        return 0
    message.next_attempt_at = now  # due in this very pass
    return 1
