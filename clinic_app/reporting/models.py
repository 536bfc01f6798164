"""Network reporting's own tables: derived from the records, read by the reports instead of a
year of bookings, notes or check-ins (bench/README.md), and kept current by
clinic_app/reporting/projections/, which can rebuild each of them at any time.

How the exercises felt, per calendar day: a row holds, over the check-ins of that day on which
the exercise (or one or more exercises of the category) was done, the figures of
reporting.queries.adherence.EffectFigures: check-ins, how many felt better, the same and worse,
and the changes in pain since each patient's previous check-in (their total and how many there
were). A day and exercise with no such check-in has no row.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from clinic_app.clock import UTCDateTime
from clinic_app.extensions import Model


class _EffectFigures:
    check_ins: Mapped[int]
    better: Mapped[int]
    same: Mapped[int]
    worse: Mapped[int]
    change_total: Mapped[int]
    changes: Mapped[int]


class DailyExerciseEffect(_EffectFigures, Model):
    __tablename__ = "daily_exercise_effects"

    day: Mapped[date] = mapped_column(primary_key=True)  # first in the key: a report reads a range of days
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id", ondelete="CASCADE"), primary_key=True)


class DailyCategoryEffect(_EffectFigures, Model):
    """A check-in with two exercises of one category counts once for it."""

    __tablename__ = "daily_category_effects"

    day: Mapped[date] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(String(20), primary_key=True)


class DailyBookingFigures(Model):
    """One clinic's bookings on one of its own calendar days, counted as the report counts
    them. A derived table: clinic_app/reporting/projections/daily_bookings.py keeps it current and can
    rebuild it from the bookings at any time."""

    __tablename__ = "daily_booking_figures"

    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True, index=True)  # a network report reads a range of days
    bookings: Mapped[int] = mapped_column(default=0)
    new_patients: Mapped[int] = mapped_column(default=0)
    cancelled: Mapped[int] = mapped_column(default=0)
    late_cancelled: Mapped[int] = mapped_column(default=0)
    attended: Mapped[int] = mapped_column(default=0)
    no_shows: Mapped[int] = mapped_column(default=0)
    online: Mapped[int] = mapped_column(default=0)
    staff: Mapped[int] = mapped_column(default=0)
    other_source: Mapped[int] = mapped_column(default=0)
    lead_seconds: Mapped[int] = mapped_column(BigInteger, default=0)
    booked_minutes: Mapped[int] = mapped_column(default=0)


class OutcomeScore(Model):
    """A pain (NPRS) or disability (ODI) score that counts as an outcome, with its episode of
    care, filed under its clinic and local calendar day: the outcome reports read these instead of joining notes and
    questionnaires to a million bookings. A derived table, kept current by
    clinic_app/reporting/projections/outcome_scores.py."""

    __tablename__ = "outcome_scores"
    __table_args__ = (
        UniqueConstraint("scale", "source_id"),
        # Each read from an index alone: a range of days of the network, of one clinic, and
        # each patient's scores in time order (the network counts a patient once).
        Index("ix_outcome_scores_day", "scale", "day", "clinic_id", "patient_id", "taken_at", "score"),
        Index("ix_outcome_scores_clinic_day", "scale", "clinic_id", "day", "patient_id", "taken_at", "score"),
        Index("ix_outcome_scores_patient", "scale", "patient_id", "taken_at", "score", "day"),
        # Each episode's scores in time order (the outcome rule: intake against latest).
        Index("ix_outcome_scores_episode", "scale", "episode_id", "taken_at", "source_id", "score"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scale: Mapped[str] = mapped_column(String(4))  # nprs or odi
    source_id: Mapped[int]  # the treatment note's or the ODI response's id
    episode_id: Mapped[int]
    booking_id: Mapped[int | None] = mapped_column(index=True)  # the visit's (an ODI may be taken without one)
    clinic_id: Mapped[int]
    patient_id: Mapped[int]
    day: Mapped[date]
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime)
    score: Mapped[float]
