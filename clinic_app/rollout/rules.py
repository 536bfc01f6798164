"""Rollout rules: pure functions (no database, no request; ``today`` is passed in).

Dates are the clinic's own calendar days. A milestone is a promise made about a place (the
keys handed over in Omaha on the 3rd), so it is late once the 3rd has ended in Omaha, not
when the 3rd ends in UTC (hours earlier, for every US clinic) or at head office.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from clinic_app.rollout.models import RolloutStage

STAGES = tuple(RolloutStage)


def is_late(due_on: date, done_on: date | None, today: date) -> bool:
    """A milestone is late when its due date is before the clinic's today and it is not done."""
    return done_on is None and due_on < today


def days_late(due_on: date, today: date) -> int:
    return (today - due_on).days


def next_stage(stage: str) -> RolloutStage | None:
    """The stage after ``stage``; None once the clinic is open."""
    index = STAGES.index(RolloutStage(stage))
    return STAGES[index + 1] if index + 1 < len(STAGES) else None


@dataclass(frozen=True)
class OpeningReadiness:
    """What the opening checklist found at the clinic."""

    has_opening_hours: bool
    practitioners_with_hours: int
    services_offered: int


def missing_for_opening(readiness: OpeningReadiness) -> list[str]:
    """A clinic may open when it has opening hours, at least one practitioner with weekly hours
    there and at least one service offered there: otherwise patients could find it but never
    book. Returns what is missing, in words; empty when it may open."""
    missing = []
    if not readiness.has_opening_hours:
        missing.append("Set the clinic's opening hours.")
    if readiness.practitioners_with_hours < 1:
        missing.append("Give at least one practitioner weekly hours at the clinic.")
    if readiness.services_offered < 1:
        missing.append("Offer at least one service at the clinic.")
    return missing
