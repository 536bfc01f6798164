"""Signed links to a visit's own page, for e-mails sent after the confirmation (the reminder).

Only a hash of the visit's manage token is stored, so a later e-mail cannot repeat the
confirmation's link, and a new token would break that one. A signed link instead names the
visit and its ``sequence``, which every cancel and move raises: a link from before a change
stops working, and any link stops once the visit has started. It opens the same page, with the
same actions under the same rules, as the manage token (clinic_app/booking/manage.py).
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app

from clinic_app.accounts.signed_links import LinkProblem, read_token, sign_token
from clinic_app.extensions import db
from clinic_app.scheduling.models import Booking

SALT = "booking-manage"


def sign_manage_link(booking: Booking) -> str:
    """The secret part of a link to this visit as it is now (ids only: nothing personal)."""
    return sign_token(SALT, {"b": booking.id, "s": booking.sequence})


def booking_for_signed_link(signed: str, now: datetime) -> Booking | None:
    """The visit a signed link names while the link is current: signed by us for this purpose,
    the visit neither moved nor cancelled since (same sequence), and not yet started."""
    # No link is signed earlier than a visit can be booked ahead: a backstop to the start check.
    max_age = current_app.config["BOOKING_HORIZON_DAYS"] * 24 * 3600
    claims = read_token(SALT, signed, max_age)
    if isinstance(claims, LinkProblem) or not isinstance(claims.get("b"), int):
        return None
    booking = db.session.get(Booking, claims["b"])
    if booking is None or booking.sequence != claims.get("s") or booking.start_at <= now:
        return None
    return booking
