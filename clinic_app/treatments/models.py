"""Treatment records: the patient's chart, a note per visit (signed notes never change;
corrections are addenda), outcome questionnaires, and home exercise programmes (each change is
a new version; earlier versions are kept)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    DDL,
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clinic_app.accounts.models import User
from clinic_app.clinics.models import Clinic
from clinic_app.clock import UTCDateTime, utcnow
from clinic_app.extensions import Model
from clinic_app.patients.models import Patient
from clinic_app.scheduling.models import Booking, Practitioner
from clinic_app.treatments.rules import describe_dosage


class Chart(Model):
    """What the clinic knows about a patient's condition. Red flags are screens of their own
    (clinic_app.screening)."""

    __tablename__ = "charts"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="RESTRICT"), unique=True)
    # Where it was last written: the clinic whose record it is (accounts.policy.can_see_clinic_record).
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    condition: Mapped[str] = mapped_column(String(200), default="")
    onset_date: Mapped[date | None]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    patient: Mapped[Patient] = relationship()
    clinic: Mapped[Clinic] = relationship()


class Episode(Model):
    """An episode of care: one course of treatment of one patient, from the intake visit to
    discharge, recorded by the practitioner with a reason or closed automatically once no visit
    has followed for EPISODE_AUTO_CLOSE_DAYS (treatments.rules.episode_lapsed). Every pain score
    (in a visit's note) and every Oswestry questionnaire belongs to one; its baseline is the
    episode's intake score. A patient has at most one open episode."""

    __tablename__ = "episodes"
    __table_args__ = (
        CheckConstraint("discharged_at IS NULL OR discharged_at >= opened_at", name="discharged_after_opened"),
        CheckConstraint("(discharged_at IS NULL) = (discharge_reason IS NULL)", name="discharge_has_reason"),
        CheckConstraint("discharge_reason IS NULL OR discharge_reason IN "
                        "('goals_met', 'plateau', 'referred', 'patient_choice', 'no_visit')", name="reason_known"),
        Index("uq_episodes_open_per_patient", "patient_id", unique=True,
              sqlite_where=text("discharged_at IS NULL"), postgresql_where=text("discharged_at IS NULL")),
        Index("ix_episodes_clinic_opened", "clinic_id", "opened_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="RESTRICT"), index=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))  # the intake visit's
    # The first visit: screening at intake (red flags, STarT Back) attaches to it.
    intake_booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="RESTRICT"), unique=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the intake visit's start
    discharged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    discharge_reason: Mapped[str | None] = mapped_column(String(20))
    discharged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    clinic: Mapped[Clinic] = relationship()
    intake_booking: Mapped[Booking] = relationship()
    discharged_by: Mapped[User | None] = relationship()

    @property
    def open(self) -> bool:
        return self.discharged_at is None


class NoteStatus(StrEnum):
    DRAFT = "draft"
    SIGNED = "signed"


class TreatmentNote(Model):
    """The record of one visit (SOAP). Signed by its author, then closed for good: database
    triggers refuse any change or deletion of a signed note."""

    __tablename__ = "treatment_notes"
    __table_args__ = (
        CheckConstraint("pain_before BETWEEN 0 AND 10", name="pain_before_range"),
        CheckConstraint("pain_after BETWEEN 0 AND 10", name="pain_after_range"),
        CheckConstraint("status IN ('draft', 'signed')", name="status_known"),
        CheckConstraint("status <> 'signed' OR signed_at IS NOT NULL", name="signed_when"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="RESTRICT"), unique=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="RESTRICT"), index=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id", ondelete="RESTRICT"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    body_region: Mapped[str] = mapped_column(String(40), default="")
    subjective: Mapped[str] = mapped_column(Text, default="")
    objective: Mapped[str] = mapped_column(Text, default="")
    assessment: Mapped[str] = mapped_column(Text, default="")
    plan: Mapped[str] = mapped_column(Text, default="")
    techniques: Mapped[list[str]] = mapped_column(JSON, default=list)
    pain_before: Mapped[int | None]
    pain_after: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(10), default=NoteStatus.DRAFT)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    booking: Mapped[Booking] = relationship()
    episode: Mapped[Episode] = relationship()
    author: Mapped[User] = relationship()
    addenda: Mapped[list[NoteAddendum]] = relationship(order_by="NoteAddendum.created_at")
    cosignatures: Mapped[list[NoteCosignature]] = relationship(order_by="NoteCosignature.signed_at")

    @property
    def signed(self) -> bool:
        return self.status == NoteStatus.SIGNED


class NoteAddendum(Model):
    """A correction or addition to a signed note, with who, when and why."""

    __tablename__ = "note_addenda"

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("treatment_notes.id", ondelete="RESTRICT"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)

    author: Mapped[User] = relationship()


class NoteCosignature(Model):
    """A clinic manager's countersignature of a signed note. The note's author stays its author."""

    __tablename__ = "note_cosignatures"
    __table_args__ = (UniqueConstraint("note_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("treatment_notes.id", ondelete="RESTRICT"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()


class OdiResponse(Model):
    """One Oswestry Disability Index questionnaire: ``answers`` has 10 entries, 0-5 or null
    for a section left unanswered; ``score`` is the percentage (null when too few answered)."""

    __tablename__ = "odi_responses"
    __table_args__ = (
        CheckConstraint("score IS NULL OR score BETWEEN 0 AND 100", name="score_range"),
        CheckConstraint("timepoint IN ('intake', 'progress', 'discharge')", name="timepoint_known"),
        Index("ix_odi_responses_patient_taken", "patient_id", "taken_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="RESTRICT"))
    # Indexed: network reporting reaches questionnaires from the visits in a date range.
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id", ondelete="SET NULL"), index=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))  # where it was taken
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id", ondelete="RESTRICT"), index=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    timepoint: Mapped[str] = mapped_column(String(10))
    answers: Mapped[list[int | None]] = mapped_column(JSON)
    score: Mapped[float | None]

    clinic: Mapped[Clinic] = relationship()


class ExerciseCategory(StrEnum):
    STRETCH = "stretch"
    CORE = "core_stabilisation"
    RANGE = "range_of_movement"
    STRENGTH = "strengthening"
    MOBILITY = "mobility"


class Exercise(Model):
    """An exercise in the library, with its usual dosage."""

    __tablename__ = "exercises"
    __table_args__ = (
        CheckConstraint(
            "category IN ('stretch', 'core_stabilisation', 'range_of_movement', 'strengthening', 'mobility')",
            name="category_known",
        ),
        CheckConstraint("minutes BETWEEN 0 AND 180", name="minutes_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    category: Mapped[str] = mapped_column(String(20))
    instructions: Mapped[str] = mapped_column(Text)
    sets: Mapped[int] = mapped_column(default=1)
    reps: Mapped[int] = mapped_column(default=10)
    hold_seconds: Mapped[int] = mapped_column(default=0)
    times_per_day: Mapped[int] = mapped_column(default=1)
    # A timed exercise (walking) is done for this many minutes; 0: counted in sets of reps.
    minutes: Mapped[int] = mapped_column(default=0, server_default="0")
    picture_url: Mapped[str] = mapped_column(String(300), default="")
    active: Mapped[bool] = mapped_column(default=True)


class Programme(Model):
    """A version of a patient's home exercise programme. Changing it makes a new version; the
    current one is the one not yet replaced. The patient opens it by an e-mailed link whose
    token is stored only as a hash."""

    __tablename__ = "programmes"
    __table_args__ = (
        UniqueConstraint("patient_id", "version"),
        Index(
            "uq_programmes_current_per_patient",
            "patient_id",
            unique=True,
            sqlite_where=text("replaced_at IS NULL"),
            postgresql_where=text("replaced_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="RESTRICT"))
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("practitioners.id", ondelete="RESTRICT"))
    # Where it was prescribed: its check-ins are that clinic's record too.
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    version: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    replaced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notes: Mapped[str] = mapped_column(Text, default="")
    access_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The latest day with an exercise done (a check-in with one set or more), for network
    # reporting's retention; derived from the check-ins by clinic_app/reporting/projections/last_exercised.py.
    last_exercised_on: Mapped[date | None]

    practitioner: Mapped[Practitioner] = relationship()
    patient: Mapped[Patient] = relationship()
    clinic: Mapped[Clinic] = relationship()
    items: Mapped[list[ProgrammeExercise]] = relationship(
        order_by="ProgrammeExercise.position", cascade="all, delete-orphan"
    )


class ProgrammeExercise(Model):
    """One exercise in a programme version, with the dosage prescribed for this patient."""

    __tablename__ = "programme_exercises"
    __table_args__ = (
        UniqueConstraint("programme_id", "exercise_id"),
        CheckConstraint("sets BETWEEN 1 AND 20 AND reps BETWEEN 1 AND 100", name="dosage_range"),
        CheckConstraint("hold_seconds BETWEEN 0 AND 600 AND times_per_day BETWEEN 1 AND 10", name="timing_range"),
        CheckConstraint("minutes BETWEEN 0 AND 180", name="minutes_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"), index=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id", ondelete="RESTRICT"))
    position: Mapped[int]
    sets: Mapped[int]
    reps: Mapped[int]
    hold_seconds: Mapped[int]
    times_per_day: Mapped[int]
    minutes: Mapped[int] = mapped_column(default=0, server_default="0")  # timed exercises; 0: sets of reps
    notes: Mapped[str] = mapped_column(String(300), default="")

    exercise: Mapped[Exercise] = relationship()

    @property
    def dosage(self) -> str:
        """ "2 sets of 10 reps, hold 5 seconds, twice a day" or "20 minutes, once a day"."""
        return describe_dosage(self.sets, self.reps, self.hold_seconds, self.times_per_day, self.minutes)

    @property
    def is_timed(self) -> bool:
        return self.minutes > 0


# A signed note is closed at the database too, whatever route or script tries to change it.
SIGNED_NOTE_GUARDS = [
    *(
        DDL(
            f"CREATE TRIGGER treatment_notes_signed_no_{verb.lower()} BEFORE {verb} ON treatment_notes "
            "WHEN OLD.status = 'signed' BEGIN SELECT RAISE(ABORT, 'a signed note cannot be changed'); END"
        ).execute_if(dialect="sqlite")
        for verb in ("UPDATE", "DELETE")
    ),
    DDL(
        "CREATE OR REPLACE FUNCTION refuse_signed_note_change() RETURNS trigger AS $$ BEGIN "
        "IF OLD.status = 'signed' THEN "
        "RAISE EXCEPTION 'a signed note cannot be changed' USING ERRCODE = 'restrict_violation'; END IF; "
        "IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $$ LANGUAGE plpgsql"
    ).execute_if(dialect="postgresql"),
    DDL(
        "CREATE TRIGGER treatment_notes_signed_closed BEFORE UPDATE OR DELETE ON treatment_notes "
        "FOR EACH ROW EXECUTE FUNCTION refuse_signed_note_change()"
    ).execute_if(dialect="postgresql"),
]
for statement in SIGNED_NOTE_GUARDS:
    event.listen(TreatmentNote.__table__, "after_create", statement)
