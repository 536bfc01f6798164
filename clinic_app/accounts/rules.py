"""Account rules: pure functions, no database and no request."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TypeGuard
from urllib.parse import urlsplit

MIN_PASSWORD_LENGTH = 10

# The most common passwords seen in breaches; a length rule alone would accept them.
COMMON_PASSWORDS = frozenset(
    {
        "password12",
        "password123",
        "password1!",
        "1234567890",
        "123456789a",
        "qwertyuiop",
        "iloveyou12",
        "letmein123",
        "welcome123",
        "abc1234567",
        "passw0rd12",
        "qwerty1234",
        "1q2w3e4r5t",
        "football12",
        "baseball12",
        "sunshine12",
        "princess12",
        "monkey1234",
        "dragon1234",
        "trustno1!!",
        "changeme12",
        "backsolution",
        "backpain123",
    }
)


def normalise_email(email: str) -> str:
    """E-mail addresses are compared without case and surrounding spaces."""
    return email.strip().lower()


def password_problem(password: str, email: str = "", name: str = "") -> str | None:
    """Why this password is too weak, or None when it is acceptable.

    Follows NIST SP 800-63B: length matters more than composition rules, and passwords that
    are common or contain the account's own e-mail or name are refused.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters."
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(lowered)) < 4:
        return "This password is too easy to guess. Try a short phrase of unrelated words."
    local_part = normalise_email(email).split("@")[0]
    if len(local_part) >= 4 and local_part in lowered:
        return "Do not use your e-mail address in your password."
    if any(len(part) >= 4 and part.lower() in lowered for part in name.split()):
        return "Do not use your name in your password."
    return None


def is_safe_redirect(target: str | None) -> TypeGuard[str]:
    """A ``next`` target is followed only when it is a path on this site."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def idle_too_long(last_seen_at: datetime | None, now: datetime, limit_minutes: int) -> bool:
    """A staff session ends when more than ``limit_minutes`` passed since its last request
    (a computer left signed in at the front desk). A session not yet stamped has just begun."""
    return last_seen_at is not None and now - last_seen_at > timedelta(minutes=limit_minutes)
