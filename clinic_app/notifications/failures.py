"""Messages that did not go, as head office and admin see them: failed ones (cannot be built,
refused for good, or out of attempts) and those waiting to be tried again. Never the address
or the body: what the message was (its kind and subject), when, why, and how many tries."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from clinic_app.extensions import db
from clinic_app.notifications.models import OutboxMessage

# The words of an idempotency key ("booking:12:confirmation:0" -> "booking confirmation"); its
# numbers (ids, dates) are left out.
KEY_WORD = re.compile(r"[a-z][a-z-]*")


@dataclass(frozen=True)
class UndeliveredMessage:
    id: int
    kind: str
    subject: str
    reason: str
    attempts: int
    queued_at: datetime
    failed_at: datetime | None
    next_attempt_at: datetime | None


def message_kind(idempotency_key: str | None) -> str:
    """What kind of message this is, from the words of its key: "booking confirmation"."""
    words = [part for part in (idempotency_key or "").split(":") if KEY_WORD.fullmatch(part)]
    return " ".join(words).replace("-", " ") or "e-mail"


def list_failed_messages(limit: int) -> list[UndeliveredMessage]:
    """Failed messages, the latest failure first."""
    query = select(OutboxMessage).where(OutboxMessage.sent_at.is_(None), OutboxMessage.gave_up_at.is_not(None))
    messages = db.session.scalars(query.order_by(OutboxMessage.gave_up_at.desc(), OutboxMessage.id.desc())
                                  .limit(limit))
    return [_undelivered(message) for message in messages]


def list_retrying_messages(limit: int) -> list[UndeliveredMessage]:
    """Messages tried and not yet sent nor failed, the next to be tried first."""
    query = select(OutboxMessage).where(
        OutboxMessage.sent_at.is_(None), OutboxMessage.gave_up_at.is_(None), OutboxMessage.attempts > 0,
    )
    messages = db.session.scalars(query.order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit))
    return [_undelivered(message) for message in messages]


def count_failed_messages() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.sent_at.is_(None), OutboxMessage.gave_up_at.is_not(None))) or 0


def retry_failed_message(message_id: int, now: datetime) -> bool:
    """Put a failed message back in the queue, due at once and with its attempts counted from
    nought again (its last reason stays until the next try); False when no failed message has
    this id (never failed, sent meanwhile, or already put back)."""
    message = db.session.get(OutboxMessage, message_id, with_for_update=True)
    if message is None or message.sent_at is not None or message.gave_up_at is None:
        return False
    message.gave_up_at = None
    message.attempts = 0
    message.next_attempt_at = now
    db.session.flush()
    return True


def _undelivered(message: OutboxMessage) -> UndeliveredMessage:
    return UndeliveredMessage(
        id=message.id, kind=message_kind(message.idempotency_key), subject=message.subject,
        reason=message.last_error, attempts=message.attempts, queued_at=message.created_at,
        failed_at=message.gave_up_at, next_attempt_at=None if message.gave_up_at else message.next_attempt_at,
    )
