"""What the signed session cookie carries between requests for sign-in, and the checks every
request of a signed-in staff member passes: the idle timeout and compulsory two-factor enrolment.

The time is read through ``clock.utcnow`` so tests move it forward by patching the clock.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

from flask import current_app, flash, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user

from clinic_app import clock
from clinic_app.accounts.models import Role, User
from clinic_app.accounts.policy import must_enrol_two_factor
from clinic_app.accounts.rules import idle_too_long, is_safe_redirect
from clinic_app.extensions import db

PENDING = "two_factor_pending"
LAST_SEEN = "last_seen_at"
# What a head office or admin account that has not enrolled may still open.
ENROLMENT_ENDPOINTS = frozenset({"two_factor.enrol", "accounts.logout", "static"})


def sign_in(user: User) -> None:
    """Start the user's session: Flask-Login's cookie and the first idle-timeout stamp."""
    session.pop(PENDING, None)
    login_user(user)
    session[LAST_SEEN] = int(clock.utcnow().timestamp())


def sign_out() -> None:
    """End the session in this browser only (the idle timeout); accounts.logout first ends the
    user's sessions everywhere (User.end_sessions)."""
    logout_user()
    session.pop(LAST_SEEN, None)
    session.pop(PENDING, None)


def begin_two_factor(user: User, next_url: str | None) -> None:
    """The password was right; the user is not signed in until the code is. Only their id and a
    fingerprint of their session token are kept (in the signed session cookie) while they fetch
    it: the token itself is not handed to someone who has shown only the password."""
    session[PENDING] = {
        "user": user.id,
        "token": _token_fingerprint(user),
        "started": int(clock.utcnow().timestamp()),
        "next": next_url if is_safe_redirect(next_url) else None,
    }


def pending_two_factor_user() -> User | None:
    """The user half-way through signing in, while the password step is under
    TWO_FACTOR_PENDING_MINUTES old and their sessions have not been ended since (a new
    password, a sign-out elsewhere, a two-factor reset)."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or not isinstance(pending.get("user"), int):
        return None
    started = datetime.fromtimestamp(pending.get("started", 0), UTC)
    if clock.utcnow() - started > timedelta(minutes=current_app.config["TWO_FACTOR_PENDING_MINUTES"]):
        session.pop(PENDING, None)
        return None
    user = db.session.get(User, pending["user"])
    if user is None or not user.active or not hmac.compare_digest(_token_fingerprint(user), pending.get("token", "")):
        return None
    return user


def _token_fingerprint(user: User) -> str:
    return hashlib.sha256(user.session_token.encode()).hexdigest()[:32]


def pending_next_url() -> str | None:
    pending = session.get(PENDING)
    return pending.get("next") if isinstance(pending, dict) else None


def check_staff_session():
    """Before every request. A staff session idle for more than STAFF_IDLE_MINUTES ends (the
    user goes to the login page with a message); patients keep the longer session. Head office
    and admin who have not enrolled in two-factor sign-in are sent to enrolment."""
    if request.endpoint == "static" or not current_user.is_authenticated or current_user.role == Role.PATIENT:
        return None
    now = clock.utcnow()
    minutes = current_app.config["STAFF_IDLE_MINUTES"]
    last_seen = session.get(LAST_SEEN)
    last_seen_at = datetime.fromtimestamp(last_seen, UTC) if isinstance(last_seen, int) else None
    if idle_too_long(last_seen_at, now, minutes):
        sign_out()
        flash(f"You were signed out after {minutes} minutes without activity.", "info")
        target = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("accounts.login", next=target if is_safe_redirect(target) else None))
    session[LAST_SEEN] = int(now.timestamp())
    if must_enrol_two_factor(current_user) and request.endpoint not in ENROLMENT_ENDPOINTS:
        return redirect(url_for("two_factor.enrol"))
    return None
