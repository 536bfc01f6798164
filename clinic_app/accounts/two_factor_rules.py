"""Two-factor rules: pure functions over time-based one-time codes (TOTP, RFC 6238), no database
and no request; ``now`` is passed in.

A code has 6 digits and belongs to a 30-second time step. One step either side of now is
accepted, for phones whose clock drifts; a step whose code was accepted once is never accepted
again, so a code read over a shoulder or relayed by a phishing page cannot be used a second time.
"""

from __future__ import annotations

from datetime import datetime

import pyotp
import segno
from pyotp.utils import strings_equal

ISSUER = "Back Solution"
STEP_SECONDS = 30
DRIFT_STEPS = 1


def time_step(now: datetime) -> int:
    """The 30-second step ``now`` falls in, counted from the Unix epoch."""
    return int(now.timestamp()) // STEP_SECONDS


def accepted_step(secret: str, code: str, now: datetime, last_step: int | None) -> int | None:
    """The time step ``code`` was made for, when it is within one step of ``now`` and later than
    the last step accepted for this secret; None when the code must be refused."""
    totp = pyotp.TOTP(secret)
    current = time_step(now)
    for step in (current, current - DRIFT_STEPS, current + DRIFT_STEPS):
        if last_step is not None and step <= last_step:
            continue
        if strings_equal(totp.generate_otp(step), code):
            return step
    return None


def next_usable_code(secret: str, now: datetime, last_step: int | None) -> str | None:
    """A code that ``accepted_step`` takes now and still takes a step later (the current step,
    else the next), or None when both were used. For the demo command and tests: a code for the
    step before would be refused if the clock moved on before it was checked."""
    current = time_step(now)
    for step in (current, current + DRIFT_STEPS):
        if last_step is None or step > last_step:
            return pyotp.TOTP(secret).generate_otp(step)
    return None


def provisioning_uri(secret: str, email: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_code_svg(uri: str) -> str:
    """The address as an inline SVG QR code (no script, no image request)."""
    return segno.make(uri, error="m", micro=False).svg_inline(
        scale=5, dark="#000", light="#fff", svgclass="qr-code", title="QR code for your authenticator app"
    )


def grouped(secret: str) -> str:
    """The secret in groups of four characters, easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
