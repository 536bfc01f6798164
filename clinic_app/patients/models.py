"""Patients: the people who book, with or without an account."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from clinic_app.clock import UTCDateTime, utcnow
from clinic_app.extensions import Model


class Patient(Model):
    """A patient is matched by e-mail and date of birth: two people may share an e-mail
    (a parent booking for a teenager), and nobody changes their date of birth."""

    __tablename__ = "patients"
    __table_args__ = (
        UniqueConstraint("email", "date_of_birth"),
        CheckConstraint("email = lower(email)", name="email_lowercase"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80))
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str] = mapped_column(String(20), default="")
    date_of_birth: Mapped[date]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class TextConsent(Model):
    """A patient's agreement to receive text messages at a number: the evidence US practice
    (TCPA) asks a sender to keep, namely the exact wording agreed to, when and from where
    ("booking", "api", "my", "sms-start"). It covers all the patient's texts (visit and exercise
    reminders) unless ``booking_id`` limits it to that visit: the case of a booking made without
    signing in for a record that already existed, which proves only that someone knew the
    patient's e-mail and date of birth, so it must not start texts about anything else.
    Withdrawn from /my/. A STOP from the number refuses the number instead (notifications'
    TextOptOut) until it answers START, whatever agreements stand, as carriers require."""

    __tablename__ = "text_consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    phone: Mapped[str] = mapped_column(String(16))  # E.164
    wording: Mapped[str] = mapped_column(String(500))
    source: Mapped[str] = mapped_column(String(20))
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), index=True)
    given_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
