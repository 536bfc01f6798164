"""Links e-mailed to an account holder (confirm an address, reset a password).

A link carries a token signed with SECRET_KEY and a salt for its purpose, so nobody can forge
one nor use a reset link to confirm an address; it names the account, and expires after the
age its purpose allows.
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
    return _serializer(salt).dumps({"u": user.id, **claims})


def read_link_token(salt: str, token: str, max_age_seconds: int) -> tuple[User, dict] | LinkProblem:
    """The active account a token names and its claims; EXPIRED when it is older than
    ``max_age_seconds``, INVALID when forged, garbled, made for another purpose, or naming no
    active account."""
    try:
        payload = _serializer(salt).loads(token, max_age=max_age_seconds)
    except SignatureExpired:
        return LinkProblem.EXPIRED
    except BadSignature:
        return LinkProblem.INVALID
    user_id = payload.get("u") if isinstance(payload, dict) else None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not user.active:
        return LinkProblem.INVALID
    return user, payload


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)
