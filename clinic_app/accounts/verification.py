"""Confirming a patient's e-mail address, and joining their visits to the account.

A patient record (the person who booked) joins an account only when the account's e-mail is
confirmed and its date of birth matches: knowing an address is not enough to see the visits
booked under it, and a parent sharing an address with a teenager sees only their own.
Flush, never commit: the caller owns the transaction.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import cast

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.engine import CursorResult

from clinic_app.accounts.models import Role, User
from clinic_app.accounts.rules import normalise_email
from clinic_app.accounts.signed_links import LinkProblem, read_link_token, sign_link_token
from clinic_app.extensions import db
from clinic_app.notifications.links import public_url
from clinic_app.notifications.service import queue_email
from clinic_app.patients.models import Patient

VERIFY_SALT = "email-verification"


def send_verification_email(user: User) -> None:
    """Queue a link that confirms the account's current e-mail address."""
    token = sign_link_token(VERIFY_SALT, user, e=user.email)
    queue_email(
        user.email,
        "Confirm your e-mail address for Back Solution",
        "emails/account_verify_email.txt",
        user=user,
        verify_url=public_url("accounts.verify_email", token=token),
        hours=current_app.config["EMAIL_VERIFICATION_MAX_AGE_HOURS"],
    )


def user_for_verification_token(token: str) -> User | LinkProblem:
    """The account a confirmation link belongs to, or why the link cannot be used. A link
    names the address it was sent to, so it confirms that address only."""
    max_age = current_app.config["EMAIL_VERIFICATION_MAX_AGE_HOURS"] * 3600
    found = read_link_token(VERIFY_SALT, token, max_age)
    if isinstance(found, LinkProblem):
        return found
    user, claims = found
    return user if claims.get("e") == user.email else LinkProblem.INVALID


def verify_email(user: User, now: datetime) -> int:
    """Mark the address confirmed (once; the first time counts) and join the patient records
    booked under it with the account's date of birth. Returns how many records joined."""
    if user.email_verified_at is None:
        user.email_verified_at = now
    return link_patient_records(user)


def link_patient_records(user: User) -> int:
    """Join to the account every patient record with no account, the account's confirmed
    e-mail and its date of birth; return how many joined. Safe to repeat."""
    if not _may_hold_records(user):
        return 0
    result = cast(CursorResult, db.session.execute(  # an UPDATE's result: it has a rowcount
        update(Patient)
        .where(Patient.email == user.email, Patient.date_of_birth == user.date_of_birth, Patient.user_id.is_(None))
        .values(user_id=user.id)
        .execution_options(synchronize_session="fetch")
    ))
    db.session.flush()
    return result.rowcount


def account_id_for_patient(email: str, date_of_birth: date | None) -> int | None:
    """The account a visit booked with this e-mail and date of birth joins: an active patient
    account with that confirmed address and that date of birth, whoever made the booking."""
    if date_of_birth is None:
        return None
    return db.session.scalar(
        select(User.id).where(
            User.email == normalise_email(email),
            User.date_of_birth == date_of_birth,
            User.email_verified_at.is_not(None),
            User.role == Role.PATIENT,
            User.active.is_(True),
        )
    )


def _may_hold_records(user: User) -> bool:
    return user.role == Role.PATIENT and user.active and user.email_verified and user.date_of_birth is not None
