"""Where people look for a clinic, and who asked to hear when one opens near them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from clinic_app.clock import UTCDateTime, utcnow
from clinic_app.extensions import Model


class DemandPoint(Model):
    """One search, kept coarse and anonymous: the day, a ZIP3 or a 0.1-degree cell, and how
    far the nearest open clinic was. No address, no IP, no user."""

    __tablename__ = "demand_points"
    __table_args__ = (
        CheckConstraint("nearest_open_miles IS NULL OR nearest_open_miles >= 0", name="distance"),
        # Where-next groups a year of searches by point: from this index alone, in order.
        Index("ix_demand_points_point_day", "latitude", "longitude", "searched_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    searched_on: Mapped[date] = mapped_column(index=True)
    area: Mapped[str] = mapped_column(String(20))
    latitude: Mapped[float]
    longitude: Mapped[float]
    nearest_open_miles: Mapped[float | None]
    served: Mapped[bool]


class OpeningAlertSignup(Model):
    """ "Tell me when a clinic opens near me": an e-mail address, a ZIP code and consent."""

    __tablename__ = "opening_alert_signups"
    __table_args__ = (
        UniqueConstraint("email", "zip_code"),
        CheckConstraint("email = lower(email)", name="email_lowercase"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    zip_code: Mapped[str] = mapped_column(String(5))
    latitude: Mapped[float]
    longitude: Mapped[float]
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    unsubscribe_token: Mapped[str] = mapped_column(String(64), unique=True)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
