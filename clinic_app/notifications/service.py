"""Queue e-mails inside the caller's transaction; the worker delivers them after it commits."""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app, render_template
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from clinic_app.clock import utcnow
from clinic_app.extensions import begin_serialised_transaction, db
from clinic_app.notifications.models import OutboxMessage
from clinic_app.notifications.transport import transport_for

log = logging.getLogger(__name__)

# A message the server refuses is retried with growing gaps, then given up on.
MAX_ATTEMPTS = 8
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
    **context,
) -> OutboxMessage | None:
    """Add a message to the outbox; it leaves only if the surrounding transaction commits.

    With an ``idempotency_key`` already queued, nothing is added (and None returned).
    ``calendar`` is (iCalendar text, METHOD).
    """
    if idempotency_key and db.session.scalar(
        select(OutboxMessage.id).where(OutboxMessage.idempotency_key == idempotency_key)
    ):
        return None
    message = OutboxMessage(
        recipient=recipient,
        subject=subject,
        body_text=render_template(template, **context),
        body_html=render_template(html_template, **context) if html_template else "",
        calendar=calendar[0] if calendar else "",
        calendar_method=calendar[1] if calendar else "",
        idempotency_key=idempotency_key,
    )
    db.session.add(message)
    db.session.flush()
    return message


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
    """Send up to ``batch_size`` (default MAIL_SEND_PER_PASS) due messages, oldest first,
    committing after each; return how many went. The worker's job.

    Each message is claimed with a row lock that other workers skip (PostgreSQL; SQLite runs
    the claims one at a time), so two workers never send the same one. When the SMTP server
    cannot be reached the batch stops and the messages wait, unchanged; a message the server
    refuses is retried later. With MAIL_ENABLED off, messages go to .eml files in
    MAIL_FILE_DIR (development) or, without one, wait in the outbox.
    """
    transport, _ = transport_for(current_app.config)
    if transport is None:
        return 0
    now = now or utcnow()
    sent = 0
    for _ in range(batch_size or current_app.config["MAIL_SEND_PER_PASS"]):
        message = _claim_next_due(now)
        if message is None:
            db.session.rollback()
            break
        try:
            transport(message)
        except (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused, smtplib.SMTPNotSupportedError,
                UnicodeError) as refusal:
            # This message, not the server: a refusal, or an address the server cannot carry
            # (non-ASCII without SMTPUTF8). It is retried later; the rest of the queue goes on.
            _schedule_retry(message, refusal, now)
        except (OSError, smtplib.SMTPException) as outage:
            log.warning("mail unavailable (%s); %s stays queued", type(outage).__name__, message.id)
            db.session.rollback()
            break
        else:
            message.attempts += 1
            message.sent_at = now
            sent += 1
        db.session.commit()
    return sent


def _claim_next_due(now: datetime) -> OutboxMessage | None:
    # SQLite has no row locks: BEGIN IMMEDIATE makes a second worker wait for the first's commit.
    begin_serialised_transaction()
    return db.session.scalar(
        select(OutboxMessage)
        .where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.gave_up_at.is_(None),
            OutboxMessage.next_attempt_at <= now,
        )
        .order_by(OutboxMessage.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )


def _schedule_retry(message: OutboxMessage, error: Exception, now: datetime) -> None:
    message.attempts += 1
    message.last_error = type(error).__name__
    if message.attempts >= MAX_ATTEMPTS:
        message.gave_up_at = now
        log.error("outbox message %s given up after %s attempts", message.id, message.attempts)
    else:
        message.next_attempt_at = now + timedelta(minutes=2**message.attempts)
