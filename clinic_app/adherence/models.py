"""A patient's daily check-in against their home programme: what they did, pain now, and how
the exercises made them feel. One per programme and day; checking in again that day replaces it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clinic_app.clock import UTCDateTime, utcnow
from clinic_app.extensions import db


class ExerciseCheckIn(db.Model):
    __tablename__ = "exercise_check_ins"
    __table_args__ = (
        UniqueConstraint("programme_id", "on_date"),
        CheckConstraint("pain BETWEEN 0 AND 10", name="pain_0_to_10"),
        CheckConstraint("feeling IN ('better', 'same', 'worse')", name="feeling_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="RESTRICT"), index=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="RESTRICT"))
    on_date: Mapped[date]
    pain: Mapped[int]
    feeling: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    exercises: Mapped[list[CheckInExercise]] = relationship(cascade="all, delete-orphan")


class CheckInExercise(db.Model):
    """How many sets of one programme exercise were done that day (0: not done)."""

    __tablename__ = "check_in_exercises"
    __table_args__ = (
        UniqueConstraint("check_in_id", "exercise_id"),
        CheckConstraint("sets_done >= 0", name="sets_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    check_in_id: Mapped[int] = mapped_column(ForeignKey("exercise_check_ins.id", ondelete="CASCADE"), index=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id", ondelete="RESTRICT"))
    sets_done: Mapped[int]
