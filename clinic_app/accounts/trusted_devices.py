"""Browsers that have signed in to an account before, known by a device cookie (OWASP, "Slow
Down Online Guessing Attacks with Device Cookies"), so that an attacker who uses up an
account's sign-in allowance does not lock its owner out (sign_in_limits.py).

Completing a sign-in (the password, and the code where the account has two-factor sign-in), or
setting a new password from a reset link, leaves the cookie. It names the account and carries a
fingerprint of its password hash and a random id for the browser, signed with SECRET_KEY: it
says nothing about any other account, cannot be forged, and a new password ends the trust of
every browser that knew the old one. It never lets anybody skip the password or the code; it
only decides which allowance an attempt draws on. One browser is trusted for one account at a
time: the last one it signed in to.
"""

from __future__ import annotations

import hmac
import secrets

from flask import current_app, request
from werkzeug.wrappers import Response

from clinic_app.accounts.models import User
from clinic_app.accounts.signed_links import LinkProblem, read_token, sign_link_token

COOKIE = "trusted_device"
SALT = "trusted-device"
# Sent to the sign-in pages only (/login and /login/two-factor), never to the rest of the site.
COOKIE_PATH = "/login"


def remember(response: Response, user: User) -> Response:
    """Mark the browser that gets ``response`` as trusted for ``user``."""
    token = sign_link_token(SALT, user, h=user.password_fingerprint(), d=secrets.token_urlsafe(16))
    response.set_cookie(
        COOKIE,
        token,
        max_age=_max_age_seconds(),
        path=COOKIE_PATH,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )
    return response


def device_id(user: User | None) -> str | None:
    """The id of the requesting browser when it is trusted for ``user`` (an unexpired cookie
    naming that account and its current password); None otherwise."""
    token = request.cookies.get(COOKIE)
    if user is None or not token:
        return None
    claims = read_token(SALT, token, _max_age_seconds())
    if isinstance(claims, LinkProblem) or claims.get("u") != user.id or not isinstance(claims.get("d"), str):
        return None
    if not hmac.compare_digest(str(claims.get("h", "")), user.password_fingerprint()):
        return None
    return claims["d"]


def _max_age_seconds() -> int:
    return current_app.config["TRUSTED_DEVICE_DAYS"] * 24 * 3600
