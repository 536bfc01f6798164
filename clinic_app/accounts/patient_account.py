"""What a patient changes about their own account: profile, contact preferences, closing it.
Flush, never commit: the caller owns the transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from werkzeug.security import check_password_hash

from clinic_app.accounts.models import DeletionRequest, User
from clinic_app.accounts.verification import link_patient_records
from clinic_app.errors import ValidationFailed
from clinic_app.extensions import db
from clinic_app.notifications.service import queue_email

DATE_OF_BIRTH_FIXED = "Your date of birth is already on file. To correct it, contact your clinic."
CONFIRMATION_FAILED = "That is not your password. Enter the password you log in with."


@dataclass(frozen=True)
class ProfileDetails:
    full_name: str
    phone: str
    visit_reminder_emails: bool
    date_of_birth: date | None = None  # only while the account has none


def update_profile(user: User, details: ProfileDetails) -> int:
    """Name, phone and contact preferences, and the date of birth of an account that has none
    (accounts made before it was asked). Returns how many patient records joined the account.

    The e-mail address is not changed here, nor a date of birth once set: visits join the
    account by both, so the clinic changes them after checking who is asking."""
    full_name = details.full_name.strip()
    if not full_name:
        raise ValidationFailed("Enter your name.", "full_name")
    user.full_name = full_name
    user.phone = details.phone.strip()
    user.visit_reminder_emails = details.visit_reminder_emails
    joined = _set_first_date_of_birth(user, details.date_of_birth)
    db.session.flush()
    return joined


def _set_first_date_of_birth(user: User, date_of_birth: date | None) -> int:
    if date_of_birth is None or date_of_birth == user.date_of_birth:
        return 0
    if user.date_of_birth is not None:
        raise ValidationFailed(DATE_OF_BIRTH_FIXED, "date_of_birth")
    user.date_of_birth = date_of_birth
    return link_patient_records(user)


def request_deletion(user: User, password: str, now: datetime) -> DeletionRequest:
    """Record the patient's request to delete their account and close the account at once:
    it can no longer sign in, and every open session ends. A confirmation is e-mailed.

    The clinical records (visits, signed notes, questionnaires, programmes, check-ins) are
    not deleted: the law on medical records requires clinics to keep them for a set period,
    and the request stays on file for the clinics to act on when that period ends.
    """
    if not check_password_hash(user.password_hash, password):
        raise ValidationFailed(CONFIRMATION_FAILED, "password")
    request = DeletionRequest(user_id=user.id, requested_at=now)
    db.session.add(request)
    user.active = False
    user.end_sessions()  # on every device
    queue_email(
        user.email,
        "Your Back Solution account is closed",
        "emails/account_deletion_requested.txt",
        user=user,
    )
    db.session.flush()
    return request
