"""Queue e-mails inside the caller's transaction; the worker delivers them after it commits."""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime, timedelta
from email.message import EmailMessage

from flask import current_app, render_template
from sqlalchemy import select

from clinic_app.clock import utcnow
from clinic_app.extensions import db
from clinic_app.notifications.models import OutboxMessage

log = logging.getLogger(__name__)

# A message the server refuses is retried with growing gaps, then given up on.
MAX_ATTEMPTS = 8


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


def deliver_pending(now: datetime | None = None, batch_size: int = 50) -> int:
    """Send due messages, committing after each; return how many went. The worker's job.

    Each message is claimed with a row lock that other workers skip (PostgreSQL), so two
    workers never send the same one. When the SMTP server cannot be reached the batch stops
    and the messages wait, unchanged; a message the server refuses is retried later.
    """
    if not current_app.config["MAIL_ENABLED"]:
        return 0
    now = now or utcnow()
    sent = 0
    for _ in range(batch_size):
        message = _claim_next_due(now)
        if message is None:
            break
        try:
            _send(message)
        except (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused) as refusal:
            _schedule_retry(message, refusal, now)
        except (OSError, smtplib.SMTPException) as outage:
            log.warning("SMTP unavailable (%s); %s stays queued", type(outage).__name__, message.id)
            db.session.rollback()
            break
        else:
            message.attempts += 1
            message.sent_at = now
            sent += 1
        db.session.commit()
    return sent


def _claim_next_due(now: datetime) -> OutboxMessage | None:
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


def _send(message: OutboxMessage) -> None:
    config = current_app.config
    email = EmailMessage()
    email["From"] = config["MAIL_DEFAULT_SENDER"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    if message.calendar:
        email.add_attachment(
            message.calendar.encode(),
            maintype="text",
            subtype="calendar",
            filename="invite.ics",
            params={"method": message.calendar_method} if message.calendar_method else {},
        )
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT_SECONDS"]) as smtp:
        smtp.send_message(email)
