"""Queue e-mails inside the caller's transaction; the worker delivers them after it commits."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app, render_template
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from clinic_app.clock import utcnow
from clinic_app.extensions import begin_serialised_transaction, db
from clinic_app.notifications.models import Channel, OutboxMessage
from clinic_app.notifications.rules import Failure, classify_failure, retry_delay, unbuildable
from clinic_app.notifications.text_transport import TextTransport, text_failure, text_transport_for
from clinic_app.notifications.texts import number_refuses_texts, sending_moment
from clinic_app.notifications.transport import Transport, compose, transport_for

log = logging.getLogger(__name__)

# Messages per INSERT in queue_emails: 11 bound parameters each, far below SQLite's (32,766)
# and PostgreSQL's (65,535) limits.
INSERT_CHUNK = 500


def queue_email(
    recipient: str,
    subject: str,
    template: str,
    *,
    html_template: str = "",
    calendar: tuple[str, str] | None = None,
    idempotency_key: str | None = None,
    booking_id: int | None = None,
    **context,
) -> OutboxMessage | None:
    """Add a message to the outbox; it leaves only if the surrounding transaction commits.

    With an ``idempotency_key`` already queued, nothing is added (and None returned).
    ``calendar`` is (iCalendar text, METHOD); ``booking_id`` the visit it is about, if any.
    """
    row = {
        "recipient": recipient,
        "subject": subject,
        "body_text": render_template(template, **context),
        "body_html": render_template(html_template, **context) if html_template else "",
        "calendar": calendar[0] if calendar else "",
        "calendar_method": calendar[1] if calendar else "",
        "idempotency_key": idempotency_key,
        "booking_id": booking_id,
    }
    if not idempotency_key:
        message = OutboxMessage(**row)
        db.session.add(message)
        db.session.flush()
        return message
    # One INSERT ... ON CONFLICT DO NOTHING instead of a look-up and an insert.
    insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
    now = utcnow()
    statement = (insert(OutboxMessage).values(**row, created_at=now, next_attempt_at=now)
                 .on_conflict_do_nothing(index_elements=["idempotency_key"]).returning(OutboxMessage))
    return db.session.scalars(statement).first()


@dataclass(frozen=True)
class EmailDraft:
    """One message for ``queue_emails``: who, its subject, its key and its template context."""

    recipient: str
    subject: str
    idempotency_key: str
    context: dict = field(default_factory=dict)


def queue_emails(template: str, drafts: list[EmailDraft]) -> int:
    """Add many plain-text messages of one template to the outbox, as ``queue_email`` would
    one by one; they leave only if the surrounding transaction commits. Return how many were
    added.

    Each key at most once, as ``queue_email``: the outbox's unique constraint on the key
    skips a key already queued, or queued by a concurrent transaction (PostgreSQL waits for
    it to commit, then skips), in one INSERT ... ON CONFLICT DO NOTHING per 500 messages
    instead of a look-up and an insert each.
    """
    if not drafts:
        return 0
    now = utcnow()
    rows = [_outbox_row(template, draft, now) for draft in drafts]
    # One statement, compiled once and cached; SQLAlchemy sends the rows as multi-row
    # INSERTs ("insertmanyvalues") of INSERT_CHUNK rows, RETURNING the ids of those added.
    return len(db.session.execute(_insert_skipping_known_keys(), rows).all())


def _outbox_row(template: str, draft: EmailDraft, now: datetime) -> dict:
    # Every column spelt out: the rows of one INSERT must all give the same ones.
    return {
        "recipient": draft.recipient, "subject": draft.subject, "idempotency_key": draft.idempotency_key,
        "body_text": render_template(template, **draft.context), "body_html": "", "calendar": "",
        "calendar_method": "", "created_at": now, "next_attempt_at": now, "attempts": 0, "last_error": "",
    }


def _insert_skipping_known_keys():
    insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
    return (
        insert(OutboxMessage.__table__)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(OutboxMessage.__table__.c.id)
        .execution_options(insertmanyvalues_page_size=INSERT_CHUNK)
    )


def deliver_pending(now: datetime | None = None, batch_size: int | None = None) -> int:
    """Send up to ``batch_size`` (default MAIL_SEND_PER_PASS) due messages, e-mails and texts,
    oldest first, committing after each; return how many went. The worker's job.

    Each message is claimed with a row lock that other workers skip (PostgreSQL; SQLite runs
    the claims one at a time), so two workers never send the same one. One bad message holds
    up nobody: a message that cannot be built or is refused for good is marked failed and the
    next one goes; one refused for now is tried again later (``rules.retry_delay``). When a
    channel's server itself cannot be reached (the SMTP server, the SMS provider), that
    channel's messages wait, as they were, for the next pass, and the other channel goes on.
    With MAIL_ENABLED off, e-mails go to .eml files in MAIL_FILE_DIR (development) or, without
    one, wait in the outbox; texts likewise without an SMS provider (text_transport.py).
    """
    transports = _transports()
    now = now or utcnow()
    sent = 0
    for _ in range(batch_size or current_app.config["MAIL_SEND_PER_PASS"]):
        message = _claim_next_due(now, set(transports))
        if message is None:
            db.session.rollback()
            break
        failure = _deliver(message, transports[message.channel], now)
        if failure is None:
            sent += message.sent_at is not None
        else:
            _record_failure(message, failure, now)
            if failure.server_unreachable:
                del transports[message.channel]
        db.session.commit()
    return sent


def _transports() -> dict[str, Callable]:
    """Each channel that can send now, with what sends it."""
    email, _ = transport_for(current_app.config)
    text = text_transport_for(current_app.config)
    found: dict[str, Callable | None] = {Channel.EMAIL: email, Channel.SMS: text}
    return {channel: transport for channel, transport in found.items() if transport is not None}


def _deliver(message: OutboxMessage, transport: Callable, now: datetime) -> Failure | None:
    if message.channel == Channel.SMS:
        return _send_text(message, transport, now)
    failure = _send(message, transport)
    if failure is None:
        message.attempts += 1
        message.sent_at = now
    return failure


def _send_text(message: OutboxMessage, transport: TextTransport, now: datetime) -> Failure | None:
    """A text goes only to a number that has not said STOP since it was queued, and only in
    the sending hours on its clinic's clock (a retry can fall at night): else it waits."""
    if number_refuses_texts(message.recipient):
        return Failure("number opted out (STOP)", permanent=True)
    due = sending_moment(now, message.send_zone) if message.send_zone else now
    if due > now:
        message.next_attempt_at = due
        return None
    try:
        provider_id = transport(message)
    except Exception as error:  # noqa: BLE001 - classified: nothing one message does stops the worker
        return text_failure(error)
    message.attempts += 1
    message.sent_at = now
    message.provider_message_id = provider_id or None
    message.delivery_status = "sent" if provider_id else ""
    return None


def _send(message: OutboxMessage, transport: Transport) -> Failure | None:
    """Build and hand over one e-mail; what went wrong, or None when it went."""
    try:
        email = compose(message)
    except Exception as error:  # noqa: BLE001 - whatever stops one message being built fails it alone
        return unbuildable(error)
    try:
        transport(message, email)
    except Exception as error:  # noqa: BLE001 - classified: nothing one message does stops the worker
        return classify_failure(error)
    return None


def _claim_next_due(now: datetime, channels: set[str]) -> OutboxMessage | None:
    # SQLite has no row locks: BEGIN IMMEDIATE makes a second worker wait for the first's commit.
    if not channels:
        return None
    begin_serialised_transaction()
    return db.session.scalar(
        select(OutboxMessage)
        .where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.gave_up_at.is_(None),
            OutboxMessage.next_attempt_at <= now,
            OutboxMessage.channel.in_(sorted(channels)),
        )
        .order_by(OutboxMessage.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )


def _record_failure(message: OutboxMessage, failure: Failure, now: datetime) -> None:
    """Fail the message, or set its next try. Logged by id and reason: no address, no text."""
    config = current_app.config
    message.attempts += 1
    message.last_error = failure.reason[:120]
    if failure.permanent or message.attempts >= config["MAIL_MAX_ATTEMPTS"]:
        message.gave_up_at = now
        log.error("outbox message %s failed after %s attempt(s): %s", message.id, message.attempts, failure.reason)
        return
    wait = retry_delay(message.attempts, timedelta(seconds=config["MAIL_RETRY_FIRST_SECONDS"]),
                       timedelta(seconds=config["MAIL_RETRY_MAX_SECONDS"]))
    message.next_attempt_at = now + wait
    log.warning("outbox message %s not sent (%s); trying again in %s", message.id, failure.reason, wait)
