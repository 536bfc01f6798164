"""The outbox: every e-mail is written here in the same transaction as the change that causes
it, and the notification worker sends it after that transaction commits, so a rolled-back
change sends nothing and an SMTP outage loses nothing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from clinic_app.clock import UTCDateTime, utcnow
from clinic_app.extensions import Model


class OutboxMessage(Model):
    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_due", "sent_at", "gave_up_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text, default="")
    # An iCalendar attachment (text/calendar), with its METHOD (REQUEST or CANCEL).
    calendar: Mapped[str] = mapped_column(Text, default="")
    calendar_method: Mapped[str] = mapped_column(String(10), default="")
    # One message per key, ever (e.g. "booking:12:confirmation:0"): a retry never sends twice.
    idempotency_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    gave_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    # The exception class only: an SMTP error can quote the recipient back.
    last_error: Mapped[str] = mapped_column(String(120), default="")
