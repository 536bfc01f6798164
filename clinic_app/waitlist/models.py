"""Patients waiting for an earlier time at one clinic, for one service."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clinic_app.clinics.models import Clinic
from clinic_app.clock import UTCDateTime, utcnow
from clinic_app.extensions import Model
from clinic_app.scheduling.models import Service


class WaitlistEntry(Model):
    """ "Tell me if an earlier time comes free": one row per e-mail, clinic and service.
    Joining again renews the row. It is waiting while confirmed (the address's owner followed
    the link we e-mailed it: nobody can sign someone else up), not left and not expired.

    The leave link's token is never stored: it is derived from ``token_salt`` with the
    SECRET_KEY (so every e-mail can carry the same link), and only its hash is kept for lookup.
    """

    __tablename__ = "waitlist_entries"
    __table_args__ = (
        UniqueConstraint("email", "clinic_id", "service_id"),
        UniqueConstraint("token_salt"),
        UniqueConstraint("leave_token_hash"),
        CheckConstraint("email = lower(email)", name="email_lowercase"),
        CheckConstraint("expires_at > consented_at", name="expires_after_consent"),
        # The cancellation hook reads the entries waiting for one clinic and service.
        Index("ix_waitlist_entries_waiting", "clinic_id", "service_id", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(120), default="")
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    # Only a time on an earlier day than this helps (None: any earlier time).
    before_date: Mapped[date | None]
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    token_salt: Mapped[str] = mapped_column(String(32))
    leave_token_hash: Mapped[str] = mapped_column(String(64))
    # None until the address's owner confirms; no offer goes to an unconfirmed entry.
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set by the leave link, or when the person books this service at this clinic.
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    clinic: Mapped[Clinic] = relationship()
    service: Mapped[Service] = relationship()
