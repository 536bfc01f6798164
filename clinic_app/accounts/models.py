"""Users, their role, and the clinics staff work at."""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Table, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clinic_app.clock import UTCDateTime, utcnow
from clinic_app.extensions import Model, db

if TYPE_CHECKING:
    from clinic_app.clinics.models import Clinic


class Role(StrEnum):
    PATIENT = "patient"
    PRACTITIONER = "practitioner"
    CLINIC_MANAGER = "clinic_manager"
    HEAD_OFFICE = "head_office"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


# Roles whose work is tied to particular clinics.
CLINIC_ROLES = frozenset({Role.PRACTITIONER, Role.CLINIC_MANAGER})

clinic_staff = Table(
    "clinic_staff",
    db.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("clinic_id", ForeignKey("clinics.id", ondelete="CASCADE"), primary_key=True),
)


def new_session_token() -> str:
    """43 URL-safe characters, 256 random bits: not guessable even by someone who could forge
    a signed session cookie."""
    return secrets.token_urlsafe(32)


class User(UserMixin, Model):
    __tablename__ = "users"
    __table_args__ = (
        # E-mail is unique regardless of case: the service lower-cases it, the database insists.
        CheckConstraint("email = lower(email)", name="email_lowercase"),
        CheckConstraint(
            "role IN ('patient', 'practitioner', 'clinic_manager', 'head_office', 'admin')",
            name="role_known",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)
    # Unused since session_token (0012). Dropped in the release after: during a rolling deploy
    # the previous release's workers still read and write it (expand, then contract).
    session_version: Mapped[int] = mapped_column(default=1)
    # Part of the session id every session cookie carries (get_id): replacing it ends every
    # session of this user on every device, copied cookies included (end_sessions). Rows
    # inserted behind the model's back (bench COPY) get '', which never loads a session.
    session_token: Mapped[str] = mapped_column(String(43), default=new_session_token, server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Patients only. Visits join the account when booked under its verified e-mail and this date.
    date_of_birth: Mapped[date | None]
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    phone: Mapped[str] = mapped_column(String(20), default="", server_default="")
    # Contact preferences: the 24-hour reminder before each visit.
    visit_reminder_emails: Mapped[bool] = mapped_column(default=True, server_default=true())
    # Two-factor sign-in (staff). The TOTP secret is stored encrypted (accounts/two_factor.py); it
    # is set when enrolment starts and counts only once a first code confirmed it (enrolled_at).
    totp_secret: Mapped[str | None] = mapped_column(String(255))
    totp_enrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The 30-second time step of the last accepted code: each code signs in once, never again.
    totp_last_step: Mapped[int | None]

    clinics: Mapped[list[Clinic]] = relationship(secondary=clinic_staff, back_populates="staff")

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def may_sign_in(self) -> bool:
        """An open account signs in; a patient's only once its e-mail address is confirmed.
        Registration answers alike whether or not an address already has an account, so the
        password chosen there must prove nothing until the link in the mailbox has been used."""
        return self.active and (self.role != Role.PATIENT or self.email_verified)

    @property
    def two_factor_enrolled(self) -> bool:
        return self.totp_enrolled_at is not None

    @property
    def role_label(self) -> str:
        return Role(self.role).label

    def get_id(self) -> str:
        """The session id Flask-Login keeps in the session (and would keep in a remember-me
        cookie): the user's id and their current session token."""
        return f"{self.id}:{self.session_token}"

    def end_sessions(self) -> None:
        """Sign this user out everywhere: every session id issued so far stops loading the
        user (sign-out, a new password, a closed account, a two-factor reset)."""
        self.session_token = new_session_token()

    def password_fingerprint(self) -> str:
        """A short digest of the current password hash: a reset link or a trusted browser that
        carries it stops counting the moment the password changes."""
        return hashlib.sha256(self.password_hash.encode()).hexdigest()[:16]

    def has_role(self, *roles: str) -> bool:
        return self.role in roles

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class DeletionRequest(Model):
    """A patient asked for their account to be deleted. The account is closed at once; the
    clinical records are kept for as long as the law on medical records requires, so the
    request is recorded for the clinics to act on rather than carried out by deleting rows."""

    __tablename__ = "deletion_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()
