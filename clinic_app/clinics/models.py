"""Clinics: where they are, when they open, and when they are closed for a holiday."""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clinic_app.clock import UTCDateTime, utcnow
from clinic_app.extensions import Model

if TYPE_CHECKING:
    from clinic_app.accounts.models import User


class ClinicStatus(StrEnum):
    PLANNED = "planned"
    COMING_SOON = "coming_soon"
    OPEN = "open"
    TEMPORARILY_CLOSED = "temporarily_closed"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


# Statuses shown to the public: the clinic exists or is about to.
PUBLIC_STATUSES = (ClinicStatus.OPEN, ClinicStatus.COMING_SOON, ClinicStatus.TEMPORARILY_CLOSED)


class Clinic(Model):
    __tablename__ = "clinics"
    __table_args__ = (
        CheckConstraint(
            "status IN ('planned', 'coming_soon', 'open', 'temporarily_closed', 'closed')",
            name="status_known",
        ),
        CheckConstraint("latitude BETWEEN -90 AND 90", name="latitude_range"),
        CheckConstraint("longitude BETWEEN -180 AND 180", name="longitude_range"),
        CheckConstraint("length(state) = 2", name="state_two_letters"),
        CheckConstraint("length(zip_code) = 5", name="zip_five_digits"),
        # The nearest-clinic search asks for one status inside a latitude/longitude box.
        Index("ix_clinics_status_latitude_longitude", "status", "latitude", "longitude"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(20), default=ClinicStatus.PLANNED)
    address_line1: Mapped[str] = mapped_column(String(120))
    address_line2: Mapped[str] = mapped_column(String(120), default="")
    city: Mapped[str] = mapped_column(String(80))
    state: Mapped[str] = mapped_column(String(2))
    zip_code: Mapped[str] = mapped_column(String(5))
    latitude: Mapped[float]
    longitude: Mapped[float]
    timezone: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str] = mapped_column(String(20), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    accepting_new_patients: Mapped[bool] = mapped_column(default=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    opening_hours: Mapped[list[OpeningHours]] = relationship(
        back_populates="clinic",
        cascade="all, delete-orphan",
        order_by="(OpeningHours.weekday, OpeningHours.opens)",
    )
    closures: Mapped[list[ClinicClosure]] = relationship(
        back_populates="clinic", cascade="all, delete-orphan", order_by="ClinicClosure.closed_on"
    )
    staff: Mapped[list[User]] = relationship(
        secondary="clinic_staff", back_populates="clinics", order_by="(User.role, User.full_name)"
    )

    @property
    def status_label(self) -> str:
        return ClinicStatus(self.status).label

    def __repr__(self) -> str:
        return f"<Clinic {self.slug}>"


class OpeningHours(Model):
    """One opening interval on one weekday, in the clinic's own time zone (0 = Monday)."""

    __tablename__ = "opening_hours"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("closes > opens", name="closes_after_opens"),
        UniqueConstraint("clinic_id", "weekday", "opens"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int]
    opens: Mapped[time]
    closes: Mapped[time]

    clinic: Mapped[Clinic] = relationship(back_populates="opening_hours")


class ClinicClosure(Model):
    """A whole day the clinic is closed (a public holiday, say), in its own time zone."""

    __tablename__ = "clinic_closures"
    __table_args__ = (UniqueConstraint("clinic_id", "closed_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"), index=True)
    closed_on: Mapped[date]
    reason: Mapped[str] = mapped_column(String(120), default="")

    clinic: Mapped[Clinic] = relationship(back_populates="closures")


class GeocodeCacheEntry(Model):
    """A street address already found by the online geocoder.

    Keyed by a hash of the normalised text, so the addresses patients type are not stored."""

    __tablename__ = "geocode_cache"

    query_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    latitude: Mapped[float]
    longitude: Mapped[float]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
