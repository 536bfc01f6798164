"""Screening records: red-flag screens (each a dated list of findings, so "screened: none" is a
row and "not screened" is no row) and STarT Back questionnaires. Each belongs to the patient,
the clinic where it was made and, when there is one, the intake visit (an episode of care starts
there)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clinic_app.accounts.models import User
from clinic_app.clinics.models import Clinic
from clinic_app.clock import UTCDateTime, utcnow
from clinic_app.extensions import Model
from clinic_app.patients.models import Patient
from clinic_app.scheduling.models import Booking
from clinic_app.screening.rules import ACTIONS, RED_FLAGS, Tier

SOURCES = ("patient", "practitioner", "check_in", "migrated")


class RedFlagScreen(Model):
    """One red-flag screen. ``findings`` are codes of screening.rules.RED_FLAGS (empty: screened,
    none found); ``tier`` is rules.tier_of(findings), stored so open emergencies are one indexed
    query. A patient's answers wait for a practitioner's confirmation (``confirmed_at``); an
    emergency stays open until the action taken is recorded (``action_at``)."""

    __tablename__ = "red_flag_screens"
    __table_args__ = (
        CheckConstraint("tier IN ('none', 'review', 'urgent', 'emergency')", name="tier_known"),
        CheckConstraint("source IN ('patient', 'practitioner', 'check_in', 'migrated')", name="source_known"),
        CheckConstraint("(action_code IS NULL) = (action_at IS NULL)", name="action_when"),
        Index("ix_red_flag_screens_open", "tier", "action_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="RESTRICT"), index=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(12))
    findings: Mapped[list[str]] = mapped_column(JSON, default=list)
    tier: Mapped[str] = mapped_column(String(10))
    screened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action_code: Mapped[str | None] = mapped_column(String(30))
    action_detail: Mapped[str] = mapped_column(String(300), default="")
    action_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    action_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    patient: Mapped[Patient] = relationship()
    clinic: Mapped[Clinic] = relationship()
    booking: Mapped[Booking | None] = relationship()
    action_by: Mapped[User | None] = relationship(foreign_keys=[action_by_id])
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])

    @property
    def level(self) -> Tier:
        return Tier[self.tier.upper()]

    @property
    def labels(self) -> list[str]:
        return [RED_FLAGS[code].label for code in self.findings if code in RED_FLAGS]

    @property
    def local_screened_at(self) -> datetime:
        """When, on the clock of the clinic where it was made."""
        return self.screened_at.astimezone(ZoneInfo(self.clinic.timezone))

    @property
    def action_label(self) -> str:
        return ACTIONS.get(self.action_code or "", "")

    @property
    def confirmed(self) -> bool:
        return self.source in ("practitioner", "migrated") or self.confirmed_at is not None


class StartBackScreen(Model):
    """One STarT Back questionnaire: ``answers`` has 9 entries (items 1-8: 0 or 1; item 9: 0-4),
    with the total, the psychosocial subscale and the risk group they give (rules.startback_score)."""

    __tablename__ = "startback_screens"
    __table_args__ = (
        CheckConstraint("total BETWEEN 0 AND 9", name="total_range"),
        CheckConstraint("psychosocial BETWEEN 0 AND 5 AND psychosocial <= total", name="psychosocial_range"),
        CheckConstraint("risk_group IN ('low', 'medium', 'high')", name="risk_group_known"),
        CheckConstraint("source IN ('patient', 'practitioner')", name="source_known"),
        Index("ix_startback_screens_patient_taken", "patient_id", "taken_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="RESTRICT"))
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(12))
    answers: Mapped[list[int]] = mapped_column(JSON)
    total: Mapped[int]
    psychosocial: Mapped[int]
    risk_group: Mapped[str] = mapped_column(String(10))
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    clinic: Mapped[Clinic] = relationship()

    @property
    def local_taken_at(self) -> datetime:
        return self.taken_at.astimezone(ZoneInfo(self.clinic.timezone))
