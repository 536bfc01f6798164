"""Queue text messages in the caller's transaction, through the same outbox as e-mail, and the
numbers that said STOP. Flush, never commit.

A text carries no health detail beyond the clinic's name and a time (it is read on a lock
screen, by whoever holds the phone): the callers word them so, and tests/test_texts.py reads
every kind.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from clinic_app.extensions import db
from clinic_app.notifications.models import Channel, OutboxMessage, TextOptOut
from clinic_app.notifications.rules import next_sending_moment

# A single SMS segment is 160 GSM-7 characters; a few segments are fine, a page is not.
TEXT_MAX_CHARACTERS = 320


def queue_text(phone: str, body: str, idempotency_key: str, zone: str, now: datetime,
               booking_id: int | None = None) -> OutboxMessage | None:
    """Add a text to the outbox, due at once or, at night on the clinic's clock, when its
    sending hours start (SMS_SEND_FROM_HOUR to SMS_SEND_UNTIL_HOUR). Nothing (None) for a number
    that said STOP, or a key already queued."""
    if number_refuses_texts(phone) or db.session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.idempotency_key == idempotency_key)):
        return None
    message = OutboxMessage(
        channel=Channel.SMS, recipient=phone, subject="", body_text=body[:TEXT_MAX_CHARACTERS],
        idempotency_key=idempotency_key, booking_id=booking_id, send_zone=zone, created_at=now,
        next_attempt_at=sending_moment(now, zone),
    )
    try:
        with db.session.begin_nested():  # a second worker queueing the same key at once wins instead
            db.session.add(message)
    except IntegrityError:
        return None
    return message


def sending_moment(now: datetime, zone: str) -> datetime:
    config = current_app.config
    return next_sending_moment(now, ZoneInfo(zone), config["SMS_SEND_FROM_HOUR"], config["SMS_SEND_UNTIL_HOUR"])


def number_refuses_texts(phone: str) -> bool:
    return db.session.get(TextOptOut, phone) is not None


def numbers_refusing_texts(phones: set[str]) -> set[str]:
    if not phones:
        return set()
    return set(db.session.scalars(select(TextOptOut.phone).where(TextOptOut.phone.in_(phones))))


def refuse_texts_to(phone: str, now: datetime) -> None:
    """STOP: refused from now on, queued texts included (the worker looks again before sending)."""
    if not number_refuses_texts(phone):
        db.session.add(TextOptOut(phone=phone, opted_out_at=now))
        db.session.flush()


def accept_texts_to(phone: str) -> None:
    """START: the number may be texted again (by those who still have its owner's agreement)."""
    db.session.execute(delete(TextOptOut).where(TextOptOut.phone == phone))
