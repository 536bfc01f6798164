"""Account operations. They flush, never commit: the caller owns the transaction."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from werkzeug.security import check_password_hash, generate_password_hash

from clinic_app.accounts.models import CLINIC_ROLES, Role, User
from clinic_app.accounts.rules import normalise_email, password_problem
from clinic_app.accounts.signed_links import LinkProblem, read_link_token, sign_link_token
from clinic_app.accounts.verification import link_patient_records, send_verification_email, verify_email
from clinic_app.clinics.models import Clinic
from clinic_app.clock import utcnow
from clinic_app.errors import ValidationFailed
from clinic_app.extensions import db
from clinic_app.notifications.links import public_url
from clinic_app.notifications.service import queue_email

RESET_SALT = "password-reset"


@dataclass(frozen=True)
class NewAccount:
    email: str
    full_name: str
    password: str
    role: Role = Role.PATIENT
    clinic_ids: tuple[int, ...] = field(default_factory=tuple)
    date_of_birth: date | None = None  # patients: their visits join the account by e-mail and this date


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def create_account(account: NewAccount) -> User:
    """Create a user. Raises ValidationFailed naming the field at fault."""
    email = normalise_email(account.email)
    if find_user_by_email(email) is not None:
        raise ValidationFailed("An account with this e-mail address already exists.", "email")
    problem = password_problem(account.password, email, account.full_name)
    if problem:
        raise ValidationFailed(problem, "password")
    clinics = _clinics_for(account)
    user = User(
        email=email,
        full_name=account.full_name.strip(),
        role=account.role,
        password_hash=_hash(account.password),
        date_of_birth=account.date_of_birth if account.role == Role.PATIENT else None,
    )
    try:
        with db.session.begin_nested():  # a concurrent registration of the same address loses here
            db.session.add(user)
            user.clinics = clinics
    except IntegrityError:
        raise ValidationFailed("An account with this e-mail address already exists.", "email") from None
    return user


def register_patient(account: NewAccount) -> None:
    """A patient's own registration: a new account, not signed in, and the link that confirms
    its address; or, when the address has an account already, an e-mail to its owner instead.

    The person registering learns nothing either way (the view answers alike): both cost one
    password hash and one queued e-mail, and the new account cannot sign in until its address
    is confirmed. Raises ValidationFailed for a password that would be refused for anyone.
    """
    problem = password_problem(account.password, normalise_email(account.email), account.full_name)
    if problem:
        raise ValidationFailed(problem, "password")
    existing = find_user_by_email(account.email)
    if existing is not None:
        _hash(account.password)  # the work a new account costs, so the answer takes as long
        if existing.active:  # a closed account's owner can neither sign in nor reset
            _tell_owner_of_registration_attempt(account.email)
        return
    try:
        user = create_account(account)
    except ValidationFailed as error:
        if error.field != "email":
            raise
        _tell_owner_of_registration_attempt(account.email)  # the same address registered this instant
        return
    send_verification_email(user)


def _tell_owner_of_registration_attempt(email: str) -> None:
    """One e-mail a day at most to an address someone tried to register again: each is sent
    on a stranger's say-so. The key names the address by a digest, never in clear."""
    address = normalise_email(email)
    digest = hashlib.sha256(address.encode()).hexdigest()[:32]
    try:
        with db.session.begin_nested():  # a concurrent attempt may queue the same key first
            queue_email(
                address,
                "Did you try to create a Back Solution account?",
                "emails/registration_attempt.txt",
                idempotency_key=f"registration-attempt:{digest}:{utcnow().date().isoformat()}",
                login_url=public_url("accounts.login"),
                reset_url=public_url("accounts.request_password_reset"),
            )
    except IntegrityError:
        pass


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None.

    Unknown e-mails cost the same hash check as wrong passwords, so timing does not tell
    an attacker which addresses have accounts. A confirmed patient account picks up the
    visits booked since under its e-mail and date of birth (at the desk, by phone, as a guest).
    """
    user = find_user_by_email(email)
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.may_sign_in:
        return None
    user.last_login_at = utcnow()
    link_patient_records(user)
    return user


def set_password(user: User, password: str) -> None:
    problem = password_problem(password, user.email, user.full_name)
    if problem:
        raise ValidationFailed(problem, "password")
    user.password_hash = _hash(password)
    user.end_sessions()  # whoever knew the old password is signed out, on every device
    db.session.flush()


def complete_password_reset(user: User, password: str, now: datetime) -> None:
    """Set the password chosen from a reset link. The link reached the account's mailbox, so
    the address counts as confirmed too (a patient who lost the confirmation e-mail gets in)."""
    set_password(user, password)
    verify_email(user, now)


def request_password_reset(email: str) -> None:
    """E-mail a reset link when the account exists; do nothing visible otherwise."""
    user = find_user_by_email(email)
    if user is None or not user.active:
        return
    token = sign_link_token(RESET_SALT, user, h=user.password_fingerprint())
    queue_email(
        user.email,
        "Reset your Back Solution password",
        "emails/password_reset.txt",
        user=user,
        reset_url=public_url("accounts.reset_password", token=token),
        minutes=current_app.config["PASSWORD_RESET_MAX_AGE_MINUTES"],
    )


def user_for_reset_token(token: str) -> User | None:
    """The user a reset link belongs to, if it is unexpired and unused.

    A link carries a fingerprint of the password hash it was issued against, so it stops
    working the moment the password changes: single use without a table of used tokens.
    """
    max_age = current_app.config["PASSWORD_RESET_MAX_AGE_MINUTES"] * 60
    found = read_link_token(RESET_SALT, token, max_age)
    if isinstance(found, LinkProblem):
        return None
    user, claims = found
    return user if claims.get("h") == user.password_fingerprint() else None


def load_user_from_session(session_id: str) -> User | None:
    """The user a session id (``User.get_id``: "id:token") belongs to, while the token is still
    theirs: once it is replaced (sign-out, new password...) every copy of the cookie stops working."""
    user_id, _, token = session_id.partition(":")
    if not (user_id.isdigit() and token):
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not hmac.compare_digest(user.session_token.encode(), token.encode()):
        return None
    return user


def count_users_by_role() -> dict[str, int]:
    rows = db.session.execute(select(User.role, func.count()).group_by(User.role)).all()
    return {role: count for role, count in rows}


def _clinics_for(account: NewAccount) -> list[Clinic]:
    if account.role not in CLINIC_ROLES:
        return []
    clinics = db.session.scalars(select(Clinic).where(Clinic.id.in_(account.clinic_ids))).all()
    if not clinics or len(clinics) != len(set(account.clinic_ids)):
        raise ValidationFailed("Practitioners and clinic managers need at least one clinic.", "clinics")
    return list(clinics)


def _hash(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def _dummy_hash() -> str:
    return _dummy_hash_for(current_app.config["PASSWORD_HASH_METHOD"])


@lru_cache(maxsize=4)
def _dummy_hash_for(method: str) -> str:
    return generate_password_hash("not-a-real-password-for-timing", method=method)


def list_staff() -> list[User]:
    """Staff accounts only: patients' details are not an administrator's business."""
    query = (
        select(User)
        .where(User.role != Role.PATIENT)
        .options(selectinload(User.clinics))
        .order_by(User.role, User.full_name)
    )
    return list(db.session.scalars(query))
