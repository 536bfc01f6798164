"""Moving a rollout on: the milestones that hold it back, the override that moves it anyway,
and the history of every move (who, when, what they left open and why). Flush, never commit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from clinic_app.accounts.models import User
from clinic_app.clinics.models import ClinicStatus
from clinic_app.errors import Conflict, ValidationFailed
from clinic_app.extensions import db
from clinic_app.rollout.models import ClinicRollout, RolloutMilestone, RolloutStage, RolloutStageChange
from clinic_app.rollout.rules import holds_back, public_status_at

# Statuses the rollout may set: a clinic head office has closed is left as it is.
STATUSES_THE_STAGE_SETS = (ClinicStatus.PLANNED, ClinicStatus.COMING_SOON)


@dataclass(frozen=True)
class Override:
    """Head office's confirmation: move on although these milestones (by id, as the
    confirmation page listed them) are open, for this reason."""

    milestone_ids: frozenset[int] = field(default_factory=frozenset)
    reason: str = ""


class HeldBack(Conflict):
    """Milestones of the stage being left (or an earlier one) are open: the move needs a
    confirmation that names them. ``milestones`` are the open ones, by due date."""

    def __init__(self, rollout: ClinicRollout, milestones: list[RolloutMilestone]):
        count = len(milestones)
        super().__init__(f"{rollout.clinic.name} has {count} open milestone{'' if count == 1 else 's'} "
                         f"at {rollout.stage_label} or before. Confirm to move on anyway.")
        self.milestones = milestones


class ReasonNeeded(ValidationFailed):
    """The open milestones were confirmed but no reason was given."""

    def __init__(self, milestones: list[RolloutMilestone]):
        super().__init__("Say why the clinic moves on with these milestones open.", "reason")
        self.milestones = milestones


def held_back_by(rollout: ClinicRollout) -> list[RolloutMilestone]:
    """The open milestones that hold the rollout at its stage (rules.holds_back), by due date;
    read afresh, so that under the rollout's lock a milestone just reopened elsewhere counts."""
    milestones = db.session.scalars(
        select(RolloutMilestone)
        .where(RolloutMilestone.rollout_id == rollout.id, RolloutMilestone.done_on.is_(None))
        .order_by(RolloutMilestone.due_on, RolloutMilestone.id)
        .execution_options(populate_existing=True)
    )
    return [m for m in milestones if holds_back(m.stage, m.done_on, rollout.stage)]


def check_override(rollout: ClinicRollout, override: Override | None) -> list[RolloutMilestone]:
    """The open milestones the move overrides. Refused (HeldBack) when one is open that the
    confirmation did not name: it was added or reopened after the page was shown. Refused
    (ReasonNeeded, on ``reason``) when milestones are overridden without a reason."""
    open_now = held_back_by(rollout)
    confirmed = override.milestone_ids if override else frozenset()
    if any(m.id not in confirmed for m in open_now):
        raise HeldBack(rollout, open_now)
    if open_now and not (override and override.reason.strip()):
        raise ReasonNeeded(open_now)
    return open_now


def record_stage_change(rollout: ClinicRollout, from_stage: str, actor: User | None, now: datetime,
                        overridden: list[RolloutMilestone], reason: str) -> RolloutStageChange:
    """The move just made, kept in the rollout's history; the clinic's public status follows the
    new stage (rules.PUBLIC_STATUS_AT_STAGE) unless head office has closed it."""
    clinic = rollout.clinic
    if rollout.stage != RolloutStage.OPEN and clinic.status in STATUSES_THE_STAGE_SETS:
        clinic.status = public_status_at(rollout.stage)
    change = RolloutStageChange(
        rollout=rollout, from_stage=from_stage, to_stage=rollout.stage, changed_at=now,
        changed_by_id=actor.id if actor else None, changed_by_name=actor.full_name if actor else "",
        overridden_count=len(overridden), reason=reason.strip() if overridden else "",
        overridden_milestones=[{"id": m.id, "title": m.title, "stage": m.stage, "due_on": m.due_on.isoformat()}
                               for m in overridden],
    )
    db.session.add(change)
    db.session.flush()
    return change
