"""The rollout pipeline: each future clinic's stage, its milestones, and who was told it opened."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clinic_app.accounts.models import User
from clinic_app.clinics.models import Clinic
from clinic_app.clock import UTCDateTime, utcnow
from clinic_app.extensions import Model


class RolloutStage(StrEnum):
    """The stages every new clinic passes through, in order."""

    PROSPECT = "prospect"
    SITE_SELECTED = "site_selected"
    LEASE_SIGNED = "lease_signed"
    FIT_OUT = "fit_out"
    HIRING = "hiring"
    SOFT_OPENING = "soft_opening"
    OPEN = "open"

    @property
    def label(self) -> str:
        return STAGE_LABELS[self]


STAGE_LABELS = {
    RolloutStage.PROSPECT: "Prospect",
    RolloutStage.SITE_SELECTED: "Site selected",
    RolloutStage.LEASE_SIGNED: "Lease signed",
    RolloutStage.FIT_OUT: "Fit-out",
    RolloutStage.HIRING: "Hiring",
    RolloutStage.SOFT_OPENING: "Soft opening",
    RolloutStage.OPEN: "Open",
}
STAGE_NAMES_SQL = ", ".join(f"'{stage.value}'" for stage in RolloutStage)


class ClinicRollout(Model):
    """One clinic's way to opening: the stage it has reached and free-text notes."""

    __tablename__ = "clinic_rollouts"
    __table_args__ = (CheckConstraint(f"stage IN ({STAGE_NAMES_SQL})", name="stage_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"), unique=True)
    stage: Mapped[str] = mapped_column(String(20), default=RolloutStage.PROSPECT)
    notes: Mapped[str] = mapped_column(Text, default="")
    stage_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    clinic: Mapped[Clinic] = relationship()
    milestones: Mapped[list[RolloutMilestone]] = relationship(
        back_populates="rollout",
        cascade="all, delete-orphan",
        order_by="(RolloutMilestone.due_on, RolloutMilestone.id)",
    )

    changes: Mapped[list[RolloutStageChange]] = relationship(
        back_populates="rollout", cascade="all, delete-orphan",
        order_by="(RolloutStageChange.changed_at.desc(), RolloutStageChange.id.desc())",
    )

    @property
    def stage_label(self) -> str:
        return RolloutStage(self.stage).label


class RolloutStageChange(Model):
    """One move of a rollout to its next stage: who moved it, when, and, when milestones of the
    stage it left were still open, which ones they chose to leave open and why."""

    __tablename__ = "rollout_stage_changes"
    __table_args__ = (
        CheckConstraint(f"from_stage IN ({STAGE_NAMES_SQL})", name="from_stage_known"),
        CheckConstraint(f"to_stage IN ({STAGE_NAMES_SQL})", name="to_stage_known"),
        CheckConstraint("overridden_count >= 0", name="overridden_count_not_negative"),
        # Leaving milestones open is a decision someone must explain.
        CheckConstraint("overridden_count = 0 OR reason <> ''", name="override_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rollout_id: Mapped[int] = mapped_column(ForeignKey("clinic_rollouts.id", ondelete="CASCADE"), index=True)
    from_stage: Mapped[str] = mapped_column(String(20))
    to_stage: Mapped[str] = mapped_column(String(20))
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # The name as it was, kept if the account is later removed.
    changed_by_name: Mapped[str] = mapped_column(String(120), default="")
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    overridden_count: Mapped[int] = mapped_column(default=0)
    # The open milestones overridden, as they stood: [{"id", "title", "stage", "due_on"}].
    overridden_milestones: Mapped[list] = mapped_column(JSON, default=list)
    reason: Mapped[str] = mapped_column(Text, default="")

    rollout: Mapped[ClinicRollout] = relationship(back_populates="changes")

    @property
    def from_label(self) -> str:
        return RolloutStage(self.from_stage).label

    @property
    def to_label(self) -> str:
        return RolloutStage(self.to_stage).label


class RolloutMilestone(Model):
    """A task on the way to opening, owned by a user or a named person (a landlord's agent,
    a contractor), due on a date in the clinic's own calendar."""

    __tablename__ = "rollout_milestones"
    __table_args__ = (
        CheckConstraint(f"stage IN ({STAGE_NAMES_SQL})", name="stage_known"),
        CheckConstraint("owner_user_id IS NOT NULL OR owner_name <> ''", name="has_owner"),
        # The timeline reads every milestone by due date.
        Index("ix_rollout_milestones_due_on", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rollout_id: Mapped[int] = mapped_column(ForeignKey("clinic_rollouts.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    stage: Mapped[str] = mapped_column(String(20))
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    owner_name: Mapped[str] = mapped_column(String(120), default="")
    due_on: Mapped[date]
    done_on: Mapped[date | None]
    notes: Mapped[str] = mapped_column(Text, default="")

    rollout: Mapped[ClinicRollout] = relationship(back_populates="milestones")
    owner_user: Mapped[User | None] = relationship()

    @property
    def owner_label(self) -> str:
        return self.owner_user.full_name if self.owner_user else self.owner_name

    @property
    def stage_label(self) -> str:
        return RolloutStage(self.stage).label


UNWRITTEN = text("written_at IS NULL")


class OpeningAnnouncement(Model):
    """The one "a clinic has opened near you" e-mail queued for an opening-alert sign-up.

    The sign-up asked for one e-mail, so ``signup_id`` is unique: a repeated or racing
    opening, or a second clinic opening nearby later, finds the row and sends nothing. And
    one person who signed up with two nearby ZIP codes hears once per clinic (unique e-mail).
    The worker writes the e-mail and sets ``written_at``; if the sign-up unsubscribed first, it
    deletes the row instead, so signing up again leaves them free to hear of the next opening.
    """

    __tablename__ = "opening_announcements"
    __table_args__ = (
        UniqueConstraint("signup_id"),
        UniqueConstraint("clinic_id", "email"),
        # The worker's work, found every pass without reading the written ones (nearly all).
        Index("ix_opening_announcements_unwritten", "id", sqlite_where=UNWRITTEN, postgresql_where=UNWRITTEN),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    signup_id: Mapped[int] = mapped_column(ForeignKey("opening_alert_signups.id", ondelete="CASCADE"))
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # claimed by the opening
    # When the worker wrote the e-mail into the outbox; None: still to write.
    written_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
