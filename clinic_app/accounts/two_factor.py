"""Two-factor sign-in with time-based one-time codes (TOTP, RFC 6238), as authenticator apps
(Google Authenticator, Microsoft Authenticator, 1Password...) show them: the operations
(enrolment, sign-in, reset). Which code is accepted when is a pure rule: two_factor_rules.py.

Secrets are stored encrypted (Fernet, from the ``cryptography`` package) with a key derived
from SECRET_KEY by HKDF: a copy of the database alone does not reveal them. Changing SECRET_KEY
therefore makes every enrolment unreadable; those staff re-enrol after ``flask users reset-2fa``.
Operations flush, never commit.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import cast

import pyotp
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import or_, update
from sqlalchemy.engine import CursorResult

from clinic_app.accounts.models import User
from clinic_app.accounts.two_factor_rules import accepted_step
from clinic_app.errors import ValidationFailed
from clinic_app.extensions import db

WRONG_CODE = "That code is not right, or was already used. Enter the newest code from your authenticator app."


# --- the secret at rest --------------------------------------------------------------------


def _fernet() -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"back-solution totp secret").derive(
        current_app.config["SECRET_KEY"].encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def secret_of(user: User) -> str | None:
    """The user's TOTP secret in clear, or None when there is none or it cannot be read."""
    if not user.totp_secret:
        return None
    try:
        return _fernet().decrypt(user.totp_secret.encode()).decode()
    except InvalidToken:  # SECRET_KEY changed since enrolment
        return None


def _store_secret(user: User, secret: str) -> None:
    user.totp_secret = _fernet().encrypt(secret.encode()).decode()


# --- operations ----------------------------------------------------------------------------


def start_enrolment(user: User) -> str:
    """The secret for the user to add to their app: the one already waiting for confirmation,
    so reloading the page does not invalidate a code just scanned, or a new one."""
    if user.two_factor_enrolled:
        raise ValidationFailed("Two-factor sign-in is already on for this account.", "code")
    secret = secret_of(user)
    if secret is None:
        secret = pyotp.random_base32()
        _store_secret(user, secret)
        user.totp_last_step = None
        db.session.flush()
    return secret


def confirm_enrolment(user: User, code: str, now: datetime) -> None:
    """Enrolment counts once a code from the app proves that the app holds the secret."""
    secret = secret_of(user)
    step = accepted_step(secret, code, now, user.totp_last_step) if secret else None
    if step is None:
        raise ValidationFailed(WRONG_CODE, "code")
    user.totp_enrolled_at = now
    user.totp_last_step = step
    db.session.flush()


def check_sign_in_code(user: User, code: str, now: datetime) -> bool:
    """Whether ``code`` completes this enrolled user's sign-in; an accepted code is used up."""
    secret = secret_of(user) if user.two_factor_enrolled else None
    step = accepted_step(secret, code, now, user.totp_last_step) if secret else None
    if step is None:
        return False
    # One conditional UPDATE: of two requests racing with the same code, only one moves the step.
    used = cast(CursorResult, db.session.execute(  # an UPDATE's result: it has a rowcount
        update(User)
        .where(User.id == user.id, or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step)
    ))
    return used.rowcount == 1


def enrol_with_secret(user: User, secret: str, now: datetime) -> None:
    """Enrol directly with a known secret: demo accounts and test factories only."""
    _store_secret(user, secret)
    user.totp_enrolled_at = now
    user.totp_last_step = None
    db.session.flush()


def reset_two_factor(user: User) -> None:
    """Forget the user's enrolment (a lost phone) and end their sessions; they enrol again at
    their next sign-in (head office and admin must)."""
    user.totp_secret = None
    user.totp_enrolled_at = None
    user.totp_last_step = None
    user.end_sessions()
    db.session.flush()
