"""Links e-mailed to an account holder (confirm an address, reset a password), or to an
address with no account (confirm a waitlist entry).

A link carries a token signed with SECRET_KEY and a salt for its purpose, so nobody can forge
one nor use a reset link to confirm an address; it names the account (or what it is for), and
expires after the age its purpose allows.
"""

from __future__ import annotations

from enum import StrEnum

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from clinic_app.accounts.models import User
from clinic_app.extensions import db


class LinkProblem(StrEnum):
    EXPIRED = "expired"
    INVALID = "invalid"


def sign_link_token(salt: str, user: User, **claims: str) -> str:
    """A token naming ``user``, carrying ``claims`` that must still hold when it is used."""
    return sign_token(salt, {"u": user.id, **claims})


def sign_token(salt: str, claims: dict) -> str:
    """A token carrying ``claims``, for a link that names no account."""
    return _serializer(salt).dumps(claims)


def read_token(salt: str, token: str, max_age_seconds: int) -> dict | LinkProblem:
    """The claims a token carries; EXPIRED when it is older than ``max_age_seconds``,
    INVALID when forged, garbled or made for another purpose."""
    try:
        payload = _serializer(salt).loads(token, max_age=max_age_seconds)
    except SignatureExpired:
        return LinkProblem.EXPIRED
    except BadSignature:
        return LinkProblem.INVALID
    return payload if isinstance(payload, dict) else LinkProblem.INVALID


def read_link_token(salt: str, token: str, max_age_seconds: int) -> tuple[User, dict] | LinkProblem:
    """The active account a token names and its claims; EXPIRED when it is older than
    ``max_age_seconds``, INVALID when forged, garbled, made for another purpose, or naming no
    active account."""
    payload = read_token(salt, token, max_age_seconds)
    if isinstance(payload, LinkProblem):
        return payload
    user_id = payload.get("u")
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not user.active:
        return LinkProblem.INVALID
    return user, payload


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)
