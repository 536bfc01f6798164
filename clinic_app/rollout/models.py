"""The rollout pipeline: each future clinic's stage, its milestones, and who was told it opened."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clinic_app.accounts.models import User
from clinic_app.clinics.models import Clinic
from clinic_app.clock import UTCDateTime, utcnow
from clinic_app.extensions import db


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


class ClinicRollout(db.Model):
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

    @property
    def stage_label(self) -> str:
        return RolloutStage(self.stage).label


class RolloutMilestone(db.Model):
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


class OpeningAnnouncement(db.Model):
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


class DailyBookingFigures(db.Model):
    """One clinic's bookings on one of its own calendar days, counted as the report counts
    them. A derived table: clinic_app/headoffice/daily_bookings.py keeps it current and can
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


class OutcomeScore(db.Model):
    """A pain (NPRS) or disability (ODI) score taken at a visit, filed under the visit's clinic
    and local calendar day: the outcome reports read these instead of joining notes and
    questionnaires to a million bookings. A derived table, kept current by
    clinic_app/headoffice/outcome_scores.py."""

    __tablename__ = "outcome_scores"
    __table_args__ = (
        UniqueConstraint("scale", "source_id"),
        # Each read from an index alone: a range of days of the network, of one clinic, and
        # each patient's scores in time order (the network counts a patient once).
        Index("ix_outcome_scores_day", "scale", "day", "clinic_id", "patient_id", "taken_at", "score"),
        Index("ix_outcome_scores_clinic_day", "scale", "clinic_id", "day", "patient_id", "taken_at", "score"),
        Index("ix_outcome_scores_patient", "scale", "patient_id", "taken_at", "score", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scale: Mapped[str] = mapped_column(String(4))  # nprs or odi
    source_id: Mapped[int]  # the treatment note's or the ODI response's id
    booking_id: Mapped[int] = mapped_column(index=True)
    clinic_id: Mapped[int]
    patient_id: Mapped[int]
    day: Mapped[date]
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime)
    score: Mapped[float]
