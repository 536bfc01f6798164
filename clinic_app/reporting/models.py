"""How the exercises felt, per calendar day: derived tables that the network's effect reports
read instead of a year of check-ins (bench/README.md). clinic_app/headoffice/daily_effects.py
keeps them current and can rebuild them from the check-ins at any time.

A row holds, over the check-ins of that day on which the exercise (or one or more exercises of
the category) was done, the figures of reporting_adherence.EffectFigures: check-ins, how many
felt better, the same and worse, and the changes in pain since each patient's previous check-in
(their total and how many there were). A day and exercise with no such check-in has no row.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from clinic_app.extensions import db


class _EffectFigures:
    check_ins: Mapped[int]
    better: Mapped[int]
    same: Mapped[int]
    worse: Mapped[int]
    change_total: Mapped[int]
    changes: Mapped[int]


class DailyExerciseEffect(_EffectFigures, db.Model):
    __tablename__ = "daily_exercise_effects"

    day: Mapped[date] = mapped_column(primary_key=True)  # first in the key: a report reads a range of days
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id", ondelete="CASCADE"), primary_key=True)


class DailyCategoryEffect(_EffectFigures, db.Model):
    """A check-in with two exercises of one category counts once for it."""

    __tablename__ = "daily_category_effects"

    day: Mapped[date] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(String(20), primary_key=True)
