"""The outbox: every e-mail and text message is written here in the same transaction as the
change that causes it, and the notification worker sends it after that transaction commits, so
a rolled-back change sends nothing and an SMTP or SMS-provider outage loses nothing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from clinic_app.clock import UTCDateTime, utcnow
from clinic_app.extensions import Model


class Channel:
    EMAIL = "email"
    SMS = "sms"


class OutboxMessage(Model):
    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_due", "sent_at", "gave_up_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # "email" or "sms" (the recipient is then an E.164 number and body_text the whole text).
    channel: Mapped[str] = mapped_column(String(10), default=Channel.EMAIL, server_default=Channel.EMAIL)
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
    # The visit a message is about (booking e-mails and texts: the reminded-by-text figures).
    # Texts only: the clinic's zone (quiet hours are on its clock), the provider's id for the
    # message and the last delivery status it reported (queued, sent, delivered, failed...).
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id", ondelete="SET NULL"), index=True)
    send_zone: Mapped[str] = mapped_column(String(64), default="", server_default="")
    provider_message_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    delivery_status: Mapped[str] = mapped_column(String(20), default="", server_default="")


class TextOptOut(Model):
    """A number that answered STOP: nothing is texted to it, whoever asked, until it answers
    START (carriers require opt-out per number, CTIA Messaging Principles 5.1.2)."""

    __tablename__ = "text_opt_outs"

    phone: Mapped[str] = mapped_column(String(16), primary_key=True)  # E.164
    opted_out_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TextReply(Model):
    """Every text a patient sent us, kept as the outbox keeps what we sent: who (the number),
    when, what it said and what it was taken for, the visit it acted on and what we answered.
    The provider's message id is unique, so a webhook delivered twice acts once."""

    __tablename__ = "text_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_message_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    phone: Mapped[str] = mapped_column(String(16))  # E.164
    body: Mapped[str] = mapped_column(String(320))
    keyword: Mapped[str] = mapped_column(String(10))  # stop, start, help, confirm, cancel, or ""
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id", ondelete="SET NULL"))
    answer: Mapped[str] = mapped_column(String(320))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
