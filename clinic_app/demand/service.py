"""Record demand and opening-alert sign-ups. Flush, never commit."""

from __future__ import annotations

import secrets
import time
from datetime import datetime

from sqlalchemy import insert, select, text, update
from sqlalchemy.exc import OperationalError

from clinic_app.accounts.rules import normalise_email
from clinic_app.clinics.rules import is_served
from clinic_app.clock import utcnow
from clinic_app.demand.models import DemandPoint, OpeningAlertSignup
from clinic_app.demand.rules import coarse_point
from clinic_app.extensions import db
from clinic_app.geo.geocoding import InvalidLocation, Place, locate_zip
from clinic_app.notifications.links import public_url
from clinic_app.notifications.service import queue_email
from clinic_app.write_lock import lost_upgrade


def record_search(origin: Place, nearest_open_miles: float | None, service_radius_miles: float,
                  now: datetime) -> None:
    """Every search leaves one coarse, anonymous demand point: one INSERT, without building an
    ORM object nobody reads back, in the caller's transaction (or its own, in autocommit); on
    SQLite in a short transaction of its own when the caller's cannot write (see below).
    Receives clinics' nearest_searched."""
    point = coarse_point(origin.latitude, origin.longitude, origin.zip_code)
    values = {
        "searched_on": now.date(),
        "area": point.area,
        "latitude": point.latitude,
        "longitude": point.longitude,
        "nearest_open_miles": None if nearest_open_miles is None else round(nearest_open_miles, 1),
        "served": is_served(nearest_open_miles, service_radius_miles),
    }
    if db.engine.dialect.name == "postgresql":
        db.session.connection().execute(_INSERT_POINT_WITH_ASYNC_COMMIT, values)
        return
    started = time.monotonic()
    try:
        db.session.connection().execute(_INSERT_POINT, values)
    except OperationalError as error:
        if not lost_upgrade(error, time.monotonic() - started):
            raise
        _insert_in_a_transaction_of_its_own(values)


def _insert_in_a_transaction_of_its_own(values: dict) -> None:
    """SQLite refused to make the search's transaction, which has read, a writer: another
    connection holds the write lock or committed since (clinic_app/write_lock.py). Its failed
    INSERT left it a reader, as it was; the point is written on a connection of its own, in a
    transaction whose first statement is the INSERT, which waits its turn for the write lock (the
    busy timeout) and commits at once. (Had the search's transaction written already, it would
    hold the lock and its own INSERT would not have failed.)"""
    with db.engine.begin() as connection:
        connection.execute(_INSERT_POINT, values)


_INSERT_POINT = insert(DemandPoint.__table__)
# Anonymous statistics: after a crash of the database server, losing the last few points is
# acceptable, and not waiting for the WAL flush makes every search's commit cheap. The setting
# is made by the INSERT itself (set_config(..., true) is SET LOCAL: this transaction only;
# bookings and records keep full durability), which saves a round trip on every search. Points
# are never held back in the app's memory: a commit that returns has handed the point to the
# database, so a crash of the app loses none.
_INSERT_POINT_WITH_ASYNC_COMMIT = text(
    "INSERT INTO demand_points (searched_on, area, latitude, longitude, nearest_open_miles, served) "
    "SELECT CAST(:searched_on AS DATE), :area, :latitude, :longitude, "
    "CAST(:nearest_open_miles AS DOUBLE PRECISION), :served "
    "WHERE set_config('synchronous_commit', 'off', true) IS NOT NULL"
)


def sign_up_for_opening_alert(email: str, zip_code: str, now: datetime | None = None) -> OpeningAlertSignup:
    """Remember that this address wants one e-mail when a clinic opens near this ZIP.

    Signing up again renews consent (and undoes an earlier unsubscribe) without a duplicate,
    and without a second confirmation e-mail unless it had been unsubscribed.
    """
    location = locate_zip(zip_code)
    if location is None:
        raise InvalidLocation(f"We could not find the ZIP code {zip_code}.", "zip_code")
    email = normalise_email(email)
    signup = db.session.scalar(
        select(OpeningAlertSignup).where(OpeningAlertSignup.email == email, OpeningAlertSignup.zip_code == zip_code)
    )
    already_waiting = signup is not None and signup.unsubscribed_at is None
    if signup is None:
        signup = OpeningAlertSignup(
            email=email,
            zip_code=zip_code,
            latitude=location.latitude,
            longitude=location.longitude,
            unsubscribe_token=secrets.token_urlsafe(32),
        )
        db.session.add(signup)
    signup.consented_at = now or utcnow()
    signup.unsubscribed_at = None
    db.session.flush()
    if already_waiting:
        return signup  # the first confirmation still holds: one sign-up, one e-mail
    queue_email(
        signup.email,
        "We will tell you when Back Solution opens near you",
        "emails/opening_alert_confirmation.txt",
        signup=signup,
        city=location.city.title(),
        unsubscribe_url=public_url("demand.unsubscribe", token=signup.unsubscribe_token),
    )
    return signup


def signup_for_token(token: str) -> OpeningAlertSignup | None:
    return db.session.scalar(select(OpeningAlertSignup).where(OpeningAlertSignup.unsubscribe_token == token))


def unsubscribe(signup: OpeningAlertSignup, now: datetime | None = None) -> None:
    if signup.unsubscribed_at is None:
        signup.unsubscribed_at = now or utcnow()
    db.session.flush()


def mark_told(signup_ids: list[int], now: datetime) -> None:
    """These sign-ups have had their one "a clinic opened near you" e-mail written: they are
    never told again (a sign-up asked for one e-mail). Those told before keep their time."""
    if signup_ids:
        db.session.execute(update(OpeningAlertSignup)
                           .where(OpeningAlertSignup.id.in_(signup_ids), OpeningAlertSignup.notified_at.is_(None))
                           .values(notified_at=now))
