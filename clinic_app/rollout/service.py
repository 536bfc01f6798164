"""Rollout operations: start a clinic's rollout, keep its milestones, move it on. Flush, never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, selectinload

from clinic_app.accounts.models import Role, User
from clinic_app.clinics.models import Clinic, ClinicStatus
from clinic_app.clinics.rules import local_date
from clinic_app.demand.where_next import PlannedClinic
from clinic_app.errors import Conflict, ValidationFailed
from clinic_app.extensions import db
from clinic_app.rollout.models import ClinicRollout, RolloutMilestone, RolloutStage
from clinic_app.rollout.opening import OpeningResult, lock_rollout, open_locked_rollout
from clinic_app.rollout.rules import STAGES, days_in_stage, days_late, is_at_or_past, is_late, next_stage
from clinic_app.rollout.stages import Override, check_override, record_stage_change

# Who can own a milestone as a user; anyone else is named in words.
OWNER_ROLES = (Role.HEAD_OFFICE, Role.ADMIN, Role.CLINIC_MANAGER)
# Clinics that can start a rollout: not yet open to patients.
FUTURE_STATUSES = (ClinicStatus.PLANNED, ClinicStatus.COMING_SOON)


@dataclass(frozen=True)
class MilestoneDetails:
    title: str
    stage: str
    due_on: date
    owner_user_id: int | None = None
    owner_name: str = ""
    done_on: date | None = None
    notes: str = ""


@dataclass(frozen=True)
class MilestoneView:
    """A milestone as the pages show it, judged against its clinic's today."""

    milestone: RolloutMilestone
    late: bool
    days_late: int


@dataclass(frozen=True)
class RolloutCard:
    rollout: ClinicRollout
    milestones: list[MilestoneView]
    days_in_stage: int = 0

    @property
    def late(self) -> list[MilestoneView]:
        return [m for m in self.milestones if m.late]

    @property
    def next_due(self) -> MilestoneView | None:
        return next((m for m in self.milestones if m.milestone.done_on is None), None)


def clinic_today(clinic: Clinic, now: datetime) -> date:
    return local_date(clinic.timezone, now)


def milestone_view(milestone: RolloutMilestone, today: date) -> MilestoneView:
    return MilestoneView(milestone, is_late(milestone.due_on, milestone.done_on, today),
                         days_late(milestone.due_on, today))


def rollout_card(rollout: ClinicRollout, now: datetime) -> RolloutCard:
    today = clinic_today(rollout.clinic, now)
    views = [milestone_view(m, today) for m in rollout.milestones]
    entered_on = clinic_today(rollout.clinic, rollout.stage_changed_at)
    return RolloutCard(rollout, views, days_in_stage(entered_on, today))


def rollout_board(now: datetime) -> list[tuple[RolloutStage, list[RolloutCard]]]:
    """Every rollout as a card under its stage, stages in pipeline order, clinics by name."""
    rollouts = db.session.scalars(
        select(ClinicRollout)
        .join(ClinicRollout.clinic)
        .options(
            contains_eager(ClinicRollout.clinic),
            selectinload(ClinicRollout.milestones).selectinload(RolloutMilestone.owner_user),
        )
        .order_by(Clinic.name)
    )
    cards = [rollout_card(rollout, now) for rollout in rollouts]
    return [(stage, [c for c in cards if c.rollout.stage == stage]) for stage in STAGES]


def rollout_timeline(now: datetime) -> list[tuple[ClinicRollout, MilestoneView]]:
    """Every milestone of the clinics not yet open, by due date (then clinic name)."""
    board = rollout_board(now)
    entries = [(card.rollout, view) for stage, cards in board if stage != RolloutStage.OPEN
               for card in cards for view in card.milestones]
    return sorted(entries, key=lambda e: (e[1].milestone.due_on, e[0].clinic.name, e[1].milestone.id))


def pipeline_clinics(counted_from: str | None) -> list[PlannedClinic]:
    """Every clinic not open yet (planned or coming soon) as where-next sees it: each counts as
    coverage when ``counted_from`` names a stage its rollout has reached; a coming-soon clinic
    with no rollout counts from any stage (its opening is already public); with
    ``counted_from`` None, none counts. All are listed, for the nearest planned clinic."""
    rows = db.session.execute(
        select(Clinic.latitude, Clinic.longitude, Clinic.name, Clinic.status, ClinicRollout.stage)
        .outerjoin(ClinicRollout, ClinicRollout.clinic_id == Clinic.id)
        .where(Clinic.status.in_(FUTURE_STATUSES))
        .order_by(Clinic.id)
    )
    return [PlannedClinic(lat, lng, name, _pipeline_label(status, stage), _counts(status, stage, counted_from))
            for lat, lng, name, status, stage in rows]


def _pipeline_label(status: str, stage: str | None) -> str:
    return RolloutStage(stage).label if stage else f"{ClinicStatus(status).label}, no rollout"


def _counts(status: str, stage: str | None, counted_from: str | None) -> bool:
    if counted_from is None:
        return False
    if stage is None:
        return status == ClinicStatus.COMING_SOON
    return is_at_or_past(stage, counted_from)


def get_rollout(clinic_id: int) -> ClinicRollout | None:
    return db.session.scalar(select(ClinicRollout).where(ClinicRollout.clinic_id == clinic_id))


def clinics_without_rollout() -> list[Clinic]:
    return list(db.session.scalars(
        select(Clinic)
        .outerjoin(ClinicRollout, ClinicRollout.clinic_id == Clinic.id)
        .where(ClinicRollout.id.is_(None), Clinic.status.in_(FUTURE_STATUSES))
        .order_by(Clinic.name)
    ))


def start_rollout(clinic_id: int, now: datetime) -> ClinicRollout:
    """A planned or coming-soon clinic enters the pipeline as a prospect; one rollout per clinic."""
    clinic = db.session.get(Clinic, clinic_id)
    if clinic is None or clinic.status not in FUTURE_STATUSES:
        raise ValidationFailed("Choose a planned or coming-soon clinic.", "clinic_id")
    rollout = ClinicRollout(clinic=clinic, stage=RolloutStage.PROSPECT, stage_changed_at=now, created_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(rollout)
    except IntegrityError:
        raise Conflict("That clinic's rollout has already started.", "clinic_id") from None
    return rollout


def owner_choices() -> list[User]:
    return list(db.session.scalars(
        select(User).where(User.role.in_(OWNER_ROLES), User.active.is_(True)).order_by(User.full_name)
    ))


def add_milestone(rollout: ClinicRollout, details: MilestoneDetails) -> RolloutMilestone:
    owner = _checked_owner(details)
    milestone = RolloutMilestone(rollout=rollout)
    _apply(milestone, details, owner)
    db.session.add(milestone)
    db.session.flush()
    return milestone


def update_milestone(milestone: RolloutMilestone, details: MilestoneDetails) -> RolloutMilestone:
    _apply(milestone, details, _checked_owner(details))
    db.session.flush()
    return milestone


def mark_milestone_done(milestone: RolloutMilestone, now: datetime) -> None:
    """Done today in the clinic's calendar; a milestone already done keeps its date."""
    if milestone.done_on is None:
        milestone.done_on = clinic_today(milestone.rollout.clinic, now)
    db.session.flush()


def save_notes(rollout: ClinicRollout, notes: str) -> None:
    rollout.notes = notes.strip()
    db.session.flush()


def advance_rollout(rollout_id: int, shown_stage: str, now: datetime, radius_miles: float,
                    actor: User | None = None, override: Override | None = None) -> OpeningResult | None:
    """Move the rollout from ``shown_stage``, the stage its page showed, to the next one. The last
    step, to open, is the opening itself (the checklist, the clinic made bookable, the nearby
    sign-ups told): its result is returned.

    Open milestones of the stage being left (or earlier) hold it back: the move is refused
    (stages.HeldBack, naming them) unless ``override`` confirms every one of them with a reason.
    Every move is recorded with ``actor`` and what was overridden; the clinic's public status
    follows the new stage.

    A second press of the same button (a double click, two tabs, two people) finds the rollout
    no longer at the shown stage and is refused, so it never moves two stages or opens by
    surprise: the row is read under lock and compared before anything changes.
    """
    rollout = lock_rollout(rollout_id)
    if rollout is None:
        raise Conflict("That rollout no longer exists.")
    if rollout.stage != shown_stage:
        raise Conflict(_moved_on_message(rollout))
    following = next_stage(rollout.stage)
    if following is None:
        raise Conflict(f"{rollout.clinic.name} is already open.")
    overridden = check_override(rollout, override)
    left = rollout.stage
    opened = None
    if following == RolloutStage.OPEN:
        opened = open_locked_rollout(rollout, now, radius_miles)
    else:
        rollout.stage, rollout.stage_changed_at = following, now
    record_stage_change(rollout, left, actor, now, overridden, override.reason if override else "")
    return opened


def _moved_on_message(rollout: ClinicRollout) -> str:
    """Why a press of "Move on" or "Open" from an out-of-date page changed nothing."""
    if rollout.stage == RolloutStage.OPEN:
        return f"{rollout.clinic.name} is already open. Nothing was changed."
    return (f"{rollout.clinic.name} has already moved on to {rollout.stage_label}, so nothing was changed. "
            "Check the stage below before moving it on again.")


def _checked_owner(details: MilestoneDetails) -> User | None:
    """The owning user, if one was chosen; refuses an unknown stage, a user who cannot own
    milestones, and a milestone with no owner at all."""
    if details.stage not in set(RolloutStage):
        raise ValidationFailed("Choose one of the listed stages.", "stage")
    owner = db.session.get(User, details.owner_user_id) if details.owner_user_id else None
    if details.owner_user_id and (owner is None or owner.role not in OWNER_ROLES):
        raise ValidationFailed("Choose one of the listed people.", "owner_user_id")
    if owner is None and not details.owner_name.strip():
        raise ValidationFailed("Choose an owner or write their name.", "owner_name")
    return owner


def _apply(milestone: RolloutMilestone, details: MilestoneDetails, owner: User | None) -> None:
    milestone.title = details.title.strip()
    milestone.stage = RolloutStage(details.stage)
    milestone.owner_user = owner
    milestone.owner_name = "" if owner else details.owner_name.strip()
    milestone.due_on, milestone.done_on = details.due_on, details.done_on
    milestone.notes = details.notes.strip()
