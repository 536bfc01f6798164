"""The limits on sign-in attempts, shared by the password step (/login) and the code step
(/login/two-factor). README, "Sign-in limits", says what a person sees.

Only failures count: a view that refuses a password or a code calls ``count_failure()``, and
Flask-Limiter deducts from each allowance only then (its ``deduct_when``). Past any allowance
the step answers 429, to a right password as well, so a guess beyond the limit learns nothing.

An attempt from a browser trusted for the account it is for (trusted_devices.py) draws on that
browser's own allowance, LOGIN_LIMIT_PER_DEVICE; every other attempt draws on the address's
(LOGIN_LIMIT_PER_IP) and the account's, from anywhere (LOGIN_LIMIT_PER_ACCOUNT). So an attacker
who uses up an account's allowance locks out only browsers the account has never used.

A limit is checked when a request arrives and a failure is counted when it is answered: attempts
sent at the same moment are all checked against the count before any of them. At most the
allowance plus the number of requests the servers answer at once (gunicorn workers x threads)
are checked in one window.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, g, request
from werkzeug.wrappers import Response

from clinic_app.accounts import trusted_devices
from clinic_app.accounts.models import User
from clinic_app.extensions import limiter

_UNSET = object()


def count_failure() -> None:
    """This request's password or code was wrong: it counts against the allowances."""
    g.sign_in_failed = True


def sign_in_limits(account_key: Callable[[], str], account: Callable[[], User | None]):
    """Decorate a sign-in step's view with its limits. ``account_key`` names the account the
    attempt is for (for the limiter, whether or not the account exists); ``account`` finds it,
    to tell whether the browser is trusted for it."""

    def trusted() -> bool:
        return _trusted_device_id(account) is not None

    def device_key() -> str:
        return f"sign-in-device:{_trusted_device_id(account)}"

    limits = [
        _limit("LOGIN_LIMIT_PER_IP", exempt_when=trusted),
        _limit("LOGIN_LIMIT_PER_ACCOUNT", key_func=account_key, exempt_when=trusted),
        _limit("LOGIN_LIMIT_PER_DEVICE", key_func=device_key, exempt_when=lambda: not trusted()),
    ]

    def decorate(view):
        for limit in limits:
            view = limit(view)
        return view

    return decorate


def _limit(setting: str, **options):
    return limiter.limit(
        lambda: current_app.config[setting], methods=["POST"], deduct_when=_failed, **options
    )


def _failed(response: Response) -> bool:
    return bool(g.get("sign_in_failed"))


def _trusted_device_id(account: Callable[[], User | None]) -> str | None:
    """The trusted browser's id, worked out once per request (three limits ask)."""
    found = g.get("trusted_device_id", _UNSET)
    if found is _UNSET:
        has_cookie = request.method == "POST" and trusted_devices.COOKIE in request.cookies
        found = trusted_devices.device_id(account()) if has_cookie else None
        g.trusted_device_id = found
    return found
