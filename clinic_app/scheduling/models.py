"""Services, practitioners' schedules, and bookings."""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum

from sqlalchemy import (
    DDL,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clinic_app.accounts.models import User
from clinic_app.clinics.models import Clinic
from clinic_app.clock import UTCDateTime, utcnow
from clinic_app.extensions import Model, db
from clinic_app.patients.models import Patient

clinic_services = Table(
    "clinic_services",
    db.metadata,
    Column("clinic_id", ForeignKey("clinics.id", ondelete="CASCADE"), primary_key=True),
    Column("service_id", ForeignKey("services.id", ondelete="CASCADE"), primary_key=True),
)

practitioner_services = Table(
    "practitioner_services",
    db.metadata,
    Column("practitioner_id", ForeignKey("practitioners.id", ondelete="CASCADE"), primary_key=True),
    Column("service_id", ForeignKey("services.id", ondelete="CASCADE"), primary_key=True),
)


class Service(Model):
    __tablename__ = "services"
    __table_args__ = (
        CheckConstraint("duration_minutes > 0", name="duration_positive"),
        CheckConstraint("buffer_after_minutes >= 0", name="buffer_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    duration_minutes: Mapped[int]
    buffer_after_minutes: Mapped[int] = mapped_column(default=0)
    new_patients_only: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)

    clinics: Mapped[list[Clinic]] = relationship(secondary=clinic_services)


class Practitioner(Model):
    """A practitioner's public profile; the account that signs in is ``user``."""

    __tablename__ = "practitioners"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    credentials: Mapped[str] = mapped_column(String(60), default="")
    bio: Mapped[str] = mapped_column(Text, default="")
    photo_url: Mapped[str] = mapped_column(String(300), default="")
    specialities: Mapped[str] = mapped_column(String(300), default="")
    active: Mapped[bool] = mapped_column(default=True)

    user: Mapped[User] = relationship()
    services: Mapped[list[Service]] = relationship(secondary=practitioner_services)
    working_hours: Mapped[list[WorkingHours]] = relationship(
        back_populates="practitioner", cascade="all, delete-orphan"
    )

    @property
    def speciality_list(self) -> list[str]:
        return [s.strip() for s in self.specialities.split(",") if s.strip()]


class WorkingHours(Model):
    """Weekly hours at one clinic, in that clinic's wall-clock time (0 = Monday)."""

    __tablename__ = "working_hours"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("ends > starts", name="ends_after_starts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("practitioners.id", ondelete="CASCADE"), index=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int]
    starts: Mapped[time]
    ends: Mapped[time]

    practitioner: Mapped[Practitioner] = relationship(back_populates="working_hours")


class ScheduleBreak(Model):
    """A weekly break (lunch), in the wall-clock time of wherever the practitioner works that day."""

    __tablename__ = "schedule_breaks"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("ends > starts", name="ends_after_starts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("practitioners.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int]
    starts: Mapped[time]
    ends: Mapped[time]


class DatedHours(Model):
    """Hours for one date that replace the weekly hours at that clinic (an extra Saturday, a
    short day)."""

    __tablename__ = "dated_hours"
    __table_args__ = (CheckConstraint("ends > starts", name="ends_after_starts"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("practitioners.id", ondelete="CASCADE"), index=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"))
    on_date: Mapped[date]
    starts: Mapped[time]
    ends: Mapped[time]


class TimeOff(Model):
    """Time away (leave, training), as an absolute interval."""

    __tablename__ = "time_off"
    __table_args__ = (CheckConstraint("end_at > start_at", name="end_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("practitioners.id", ondelete="CASCADE"), index=True)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(String(120), default="")


class BookingStatus(StrEnum):
    BOOKED = "booked"
    ARRIVED = "arrived"
    COMPLETED = "completed"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


# Statuses of a visit the patient came to.
ATTENDED = (BookingStatus.ARRIVED, BookingStatus.COMPLETED)
# Statuses that hold the practitioner's time.
ACTIVE_STATUSES = (BookingStatus.BOOKED, BookingStatus.ARRIVED, BookingStatus.COMPLETED, BookingStatus.NO_SHOW)


class Booking(Model):
    """A visit. ``blocked_until`` is the end plus the service's buffer: the time the
    practitioner is unavailable. Cancelling sets a status; rows are never deleted."""

    __tablename__ = "bookings"
    __table_args__ = (
        CheckConstraint("end_at > start_at", name="end_after_start"),
        CheckConstraint("blocked_until >= end_at", name="buffer_after_end"),
        CheckConstraint("status IN ('booked', 'arrived', 'completed', 'no_show', 'cancelled')", name="status_known"),
        CheckConstraint("status <> 'cancelled' OR cancelled_at IS NOT NULL", name="cancellation_recorded"),
        # The busy-interval query reads one practitioner's bookings in a time window.
        Index("ix_bookings_practitioner_start", "practitioner_id", "start_at"),
        # Network reporting reads a clinic's bookings over a date range (clinic_app/headoffice).
        Index("ix_bookings_clinic_start", "clinic_id", "start_at"),
        # A patient's latest visit before an instant, read from the index alone (adherence
        # reporting places each programme at the clinic of that visit).
        Index("ix_bookings_patient_start", "patient_id", "start_at", "id", "status", "clinic_id"),
        # SQLite backstop for double booking: one active booking per practitioner per start.
        # PostgreSQL has the stronger exclusion constraint over the whole time range (migration 0003).
        Index(
            "uq_bookings_active_practitioner_start",
            "practitioner_id",
            "start_at",
            unique=True,
            sqlite_where=text("status <> 'cancelled'"),
            postgresql_where=text("status <> 'cancelled'"),
        ),
        UniqueConstraint("reference"),
        UniqueConstraint("manage_token_hash"),
        # PostgreSQL: no two active bookings of one practitioner overlap, buffers included.
        ExcludeConstraint(
            (Column("practitioner_id"), "="),
            (text("tstzrange(start_at, blocked_until, '[)')"), "&&"),
            name="ex_bookings_no_overlap",
            using="gist",
            where=text("status <> 'cancelled'"),
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(12))
    # active_history: a change keeps the value it replaced even when the row was not loaded,
    # so that the day the visit left is recounted too (clinic_app/reporting/projections/daily_bookings.py).
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), active_history=True)  # indexed with start_at
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("practitioners.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))  # indexed with start_at above
    start_at: Mapped[datetime] = mapped_column(UTCDateTime, active_history=True)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    blocked_until: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default=BookingStatus.BOOKED)
    source: Mapped[str] = mapped_column(String(10), default="online")
    pain_area: Mapped[str] = mapped_column(String(200), default="")
    new_patient: Mapped[bool] = mapped_column(default=True)
    manage_token_hash: Mapped[str] = mapped_column(String(64))
    sequence: Mapped[int] = mapped_column(default=0)
    # Optimistic locking: every UPDATE says "WHERE sequence = <the value read>", and the
    # changes that matter to the patient (cancel, move) raise it, as iCalendar's SEQUENCE needs.
    # So of a cancel and a move racing on one visit, the second finds the row changed and is
    # refused whole (StaleDataError, answered 409) instead of overwriting the first.
    __mapper_args__ = {"version_id_col": sequence, "version_id_generator": False}
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by: Mapped[str] = mapped_column(String(20), default="")
    cancellation_reason: Mapped[str] = mapped_column(String(300), default="")
    # Identity details typed at booking that differ from the patient's record (None: the same).
    # A booking never changes the record: staff accept them into it, or keep the record.
    given_first_name: Mapped[str | None] = mapped_column(String(80))
    given_last_name: Mapped[str | None] = mapped_column(String(80))
    given_phone: Mapped[str | None] = mapped_column(String(20))
    # The patient answered the text reminder with C (scheduling/texts.py).
    confirmed_by_text_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    clinic: Mapped[Clinic] = relationship()
    practitioner: Mapped[Practitioner] = relationship()
    service: Mapped[Service] = relationship()
    patient: Mapped[Patient] = relationship()

    @property
    def given_details(self) -> dict[str, str]:
        """The identity details given at booking still waiting for the desk: field -> as given."""
        given = {"first_name": self.given_first_name, "last_name": self.given_last_name, "phone": self.given_phone}
        return {name: value for name, value in given.items() if value is not None}


# The exclusion constraint compares practitioner ids with = inside a GiST index: btree_gist.
event.listen(
    Booking.__table__,
    "before_create",
    DDL("CREATE EXTENSION IF NOT EXISTS btree_gist").execute_if(dialect="postgresql"),
)
