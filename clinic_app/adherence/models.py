"""A patient's daily check-in against their home programme: what they did, pain now, and how
the exercises made them feel. One per programme and day; checking in again that day replaces it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clinic_app.clock import UTCDateTime, utcnow
from clinic_app.extensions import Model, db


class ExerciseCheckIn(Model):
    __tablename__ = "exercise_check_ins"
    __table_args__ = (
        UniqueConstraint("programme_id", "on_date"),
        CheckConstraint("pain BETWEEN 0 AND 10", name="pain_0_to_10"),
        CheckConstraint("feeling IN ('better', 'same', 'worse')", name="feeling_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="RESTRICT"), index=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="RESTRICT"))
    # Indexed: network reporting reads the check-ins of a date range.
    on_date: Mapped[date] = mapped_column(index=True)
    pain: Mapped[int]
    feeling: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    exercises: Mapped[list[CheckInExercise]] = relationship(cascade="all, delete-orphan")


class CheckInExercise(Model):
    """How many sets of one programme exercise were done that day (0: not done), and, when
    done, how it felt (easier, the same, or harder or painful than last time) and the pain
    during it (NPRS 0-10): both optional, so that effect is measured per exercise."""

    __tablename__ = "check_in_exercises"
    __table_args__ = (
        UniqueConstraint("check_in_id", "exercise_id"),
        CheckConstraint("sets_done >= 0", name="sets_not_negative"),
        CheckConstraint("rating IN ('easier', 'same', 'harder')", name="rating_known"),
        CheckConstraint("pain_during BETWEEN 0 AND 10", name="pain_during_0_to_10"),
        CheckConstraint("sets_done > 0 OR (rating IS NULL AND pain_during IS NULL)", name="rated_only_when_done"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    check_in_id: Mapped[int] = mapped_column(ForeignKey("exercise_check_ins.id", ondelete="CASCADE"), index=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id", ondelete="RESTRICT"))
    sets_done: Mapped[int]
    rating: Mapped[str | None] = mapped_column(String(10))
    pain_during: Mapped[int | None]


class AdherenceNudge(Model):
    """A nudge e-mailed to a patient at risk of dropping their programme, with a rebooking
    link: who sent it and when (at most one per patient in 24 hours; see early_warning)."""

    __tablename__ = "adherence_nudges"
    __table_args__ = (db.Index("ix_adherence_nudges_patient_sent", "patient_id", "sent_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="RESTRICT"))
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="RESTRICT"))
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CheckInAlertAcknowledgement(Model):
    """A practitioner has seen the alert raised by this check-in. ``entry_updated_at`` is the
    version of the check-in they saw: when the patient changes that day's entry, it alerts again."""

    __tablename__ = "check_in_alert_acknowledgements"

    id: Mapped[int] = mapped_column(primary_key=True)
    check_in_id: Mapped[int] = mapped_column(ForeignKey("exercise_check_ins.id", ondelete="CASCADE"), unique=True)
    entry_updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    acknowledged_at: Mapped[datetime] = mapped_column(UTCDateTime)
    action_taken: Mapped[str] = mapped_column(Text, default="")  # what the clinician did about it


class StopQuestion(Model):
    """"Why did you stop?", e-mailed once per course (a patient from their first prescription)
    when they have not checked in for STOP_QUESTION_DAYS, and answered from the e-mail's link
    without signing in (its token stored only as a hash). ``last_exercised_on`` is the course's
    last exercise day when asked, so head office can show the reasons by day of stopping."""

    __tablename__ = "stop_questions"
    __table_args__ = (
        UniqueConstraint("patient_id", "course_started_on"),
        CheckConstraint(
            "reason IN ('did_not_help', 'made_worse', 'too_painful', 'no_time', 'forgot', 'felt_better', 'other')",
            name="reason_known",
        ),
        CheckConstraint("(reason IS NULL) = (answered_at IS NULL)", name="answered_with_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="RESTRICT"))  # the course's
    course_started_on: Mapped[date]  # the first prescription's day on the clinic's calendar
    last_exercised_on: Mapped[date | None]
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(String(20))
    other_text: Mapped[str] = mapped_column(String(300), default="")


class CheckInReminder(Model):
    """A patient's daily check-in reminder e-mail, sent by the notification worker at the time
    of day they chose on the wall clock where they are treated, until they turn it off (on
    their page or by the e-mail's stop link)."""

    __tablename__ = "check_in_reminders"
    __table_args__ = (
        CheckConstraint("minutes_after_midnight BETWEEN 0 AND 1439", name="time_of_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), unique=True)
    enabled: Mapped[bool] = mapped_column(default=True)
    minutes_after_midnight: Mapped[int]  # local time of day: 1140 is 7:00 PM
    # Each e-mail's two links carry tokens made from this salt with SECRET_KEY (an HMAC), so
    # every reminder can repeat them; only their hashes are stored, to find the setting.
    token_salt: Mapped[str] = mapped_column(String(32))
    stop_token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # turns reminders off
    link_token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # opens today's check-in
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
