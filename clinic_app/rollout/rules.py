"""Rollout rules: pure functions (no database, no request; ``today`` is passed in).

Dates are the clinic's own calendar days. A milestone is a promise made about a place (the
keys handed over in Omaha on the 3rd), so it is late once the 3rd has ended in Omaha, not
when the 3rd ends in UTC (hours earlier, for every US clinic) or at head office.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from clinic_app.clinics.models import ClinicStatus
from clinic_app.rollout.models import RolloutStage

STAGES = tuple(RolloutStage)

# What the public sees of a clinic at each stage of its rollout (README "Rollout pipeline").
# Before the lease is signed the site may still change, so the clinic stays out of sight
# (planned); from the signed lease the address is fixed and patients may see it coming soon
# (and sign up to hear when it opens); soft opening is friends and family, so still coming
# soon; only the opening itself, with its checklist, makes it open and bookable.
PUBLIC_STATUS_AT_STAGE = {
    RolloutStage.PROSPECT: ClinicStatus.PLANNED,
    RolloutStage.SITE_SELECTED: ClinicStatus.PLANNED,
    RolloutStage.LEASE_SIGNED: ClinicStatus.COMING_SOON,
    RolloutStage.FIT_OUT: ClinicStatus.COMING_SOON,
    RolloutStage.HIRING: ClinicStatus.COMING_SOON,
    RolloutStage.SOFT_OPENING: ClinicStatus.COMING_SOON,
    RolloutStage.OPEN: ClinicStatus.OPEN,
}


def public_status_at(stage: str) -> ClinicStatus:
    return PUBLIC_STATUS_AT_STAGE[RolloutStage(stage)]


def stage_index(stage: str) -> int:
    return STAGES.index(RolloutStage(stage))


def is_at_or_past(stage: str, threshold: str) -> bool:
    """Whether ``stage`` is ``threshold`` or a later stage."""
    return stage_index(stage) >= stage_index(threshold)


def holds_back(milestone_stage: str, done_on: date | None, leaving_stage: str) -> bool:
    """A milestone holds a rollout back from leaving ``leaving_stage`` while it is not done and
    belongs to that stage or an earlier one: moving on anyway needs a confirmation and a reason.
    Milestones of later stages do not: they are the work still ahead."""
    return done_on is None and stage_index(milestone_stage) <= stage_index(leaving_stage)


def days_in_stage(entered_on: date, today: date) -> int:
    """Whole days in the clinic's calendar since the rollout entered its stage (0 on that day)."""
    return max((today - entered_on).days, 0)


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
