"""The "a clinic has opened near you" e-mail (templates/emails/clinic_opened.txt): who gets it,
and when it is written.

Who: every opening-alert sign-up within the service radius of the clinic (geodesic miles, as
the nearest-clinic search measures), not unsubscribed and never told before; a person signed
up at several nearby ZIP codes once. Each sign-up hears of one opening only.

When: opening a clinic sends clinic_opened, and ``announce_opening`` (its receiver) only claims
the e-mails, one announcement row per sign-up, set-based, in the opening's transaction, so a
metro area with thousands of sign-ups does not hold up the head-office request. Each pass of
the notification worker (``queue_opening_emails``, registered with it) turns the claimed
announcements still unwritten into outbox messages, a batch per transaction (one INSERT for
the batch's messages), and marks the announcement written and the sign-up told.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, delete, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Row

from clinic_app.clinics.models import Clinic
from clinic_app.clock import UTCDateTime
from clinic_app.demand.models import OpeningAlertSignup
from clinic_app.demand.service import mark_told
from clinic_app.extensions import db
from clinic_app.geo.geometry import HAVERSINE_ERROR, bounding_box, geodesic_miles, haversine_miles
from clinic_app.notifications.links import public_url
from clinic_app.notifications.service import EmailDraft, queue_emails
from clinic_app.rollout.models import OpeningAnnouncement

# Sign-ups claimed per INSERT ... SELECT (each is one bound parameter).
CLAIM_CHUNK = 500
# Announcements turned into e-mails per transaction: short enough that SQLite's write lock is
# never held for long (about 80 ms for 500), large enough that a metro area's few thousand take
# a few batches.
BATCH_SIZE = 500
TEMPLATE = "emails/clinic_opened.txt"


def queue_opening_emails(now: datetime, batch_size: int = BATCH_SIZE) -> int:
    """Queue the e-mail of up to ``batch_size`` unwritten announcements, mark each written and
    its sign-up told; return how many announcements were handled (0: none left). A sign-up
    that unsubscribed since the opening gets no e-mail: its claim is dropped. Flush, never
    commit: the caller commits each batch.

    Once only: the message's idempotency key is the sign-up's, and the outbox refuses a key
    twice; on PostgreSQL two workers skip each other's locked rows, on SQLite the caller's
    serialised transaction runs them one at a time.
    """
    pending = _lock_unwritten(batch_size)
    staying = [row for row in pending if row.unsubscribed_at is None]
    leaving = [row.id for row in pending if row.unsubscribed_at is not None]
    queue_emails(TEMPLATE, _drafts(staying))
    _mark_written([row.id for row in staying], [row.signup_id for row in staying], now)
    if leaving:
        db.session.execute(delete(OpeningAnnouncement).where(OpeningAnnouncement.id.in_(leaving)))
    return len(pending)


def _lock_unwritten(batch_size: int) -> Sequence[Row]:
    """The oldest unwritten announcements with what their e-mail needs of the sign-up, both
    rows locked (PostgreSQL; rows another worker holds are skipped). Found through the
    partial index of unwritten announcements, however many were written before."""
    return db.session.execute(unwritten_announcements(batch_size)).all()


def unwritten_announcements(batch_size: int) -> Select:
    return (
        select(
            OpeningAnnouncement.id, OpeningAnnouncement.clinic_id, OpeningAnnouncement.signup_id,
            OpeningAlertSignup.email, OpeningAlertSignup.zip_code, OpeningAlertSignup.latitude,
            OpeningAlertSignup.longitude, OpeningAlertSignup.unsubscribe_token, OpeningAlertSignup.unsubscribed_at,
        )
        .join(OpeningAlertSignup, OpeningAlertSignup.id == OpeningAnnouncement.signup_id)
        .where(OpeningAnnouncement.written_at.is_(None))
        .order_by(OpeningAnnouncement.id)
        .limit(batch_size)
        .with_for_update(of=[OpeningAnnouncement, OpeningAlertSignup], skip_locked=True, key_share=True)
    )


def _drafts(pending: Sequence[Row]) -> list[EmailDraft]:
    links: dict[int, dict] = {}
    for row in pending:
        if row.clinic_id not in links:
            links[row.clinic_id] = clinic_context(db.session.get_one(Clinic, row.clinic_id))
    return [opening_email(links[row.clinic_id], row) for row in pending]


def clinic_context(clinic: Clinic) -> dict:
    """What every e-mail about this clinic's opening shares (its links built once)."""
    return {
        "clinic": clinic,
        "clinic_url": public_url("clinics.show", slug=clinic.slug),
        "booking_url": public_url("booking.services", clinic=clinic.slug),
    }


def opening_email(clinic_context: dict, signup: Row) -> EmailDraft:
    """The one e-mail of this sign-up (a row of its columns), about the clinic of ``clinic_context``."""
    clinic = clinic_context["clinic"]
    return EmailDraft(
        signup.email,
        f"Back Solution is now open in {clinic.city}",
        f"clinic-opened:signup:{signup.signup_id}",
        clinic_context | {
            "miles": miles_shown(clinic, signup.latitude, signup.longitude),
            "zip_code": signup.zip_code,
            "unsubscribe_url": public_url("demand.unsubscribe", token=signup.unsubscribe_token),
        },
    )


def miles_shown(clinic: Clinic, latitude: float, longitude: float) -> float:
    """The distance the e-mail shows in whole miles ("%.0f"), as the nearest-clinic search
    measures it (geodesic). Haversine is within HAVERSINE_ERROR of it and 100 times quicker:
    when both ends of that margin round alike, so does the geodesic."""
    miles = haversine_miles(clinic.latitude, clinic.longitude, latitude, longitude)
    if f"{miles * (1 - HAVERSINE_ERROR):.0f}" == f"{miles * (1 + HAVERSINE_ERROR):.0f}":
        return miles
    return geodesic_miles(clinic.latitude, clinic.longitude, latitude, longitude)


def _mark_written(announcement_ids: list[int], signup_ids: list[int], now: datetime) -> None:
    if not announcement_ids:
        return
    db.session.execute(
        update(OpeningAnnouncement).where(OpeningAnnouncement.id.in_(announcement_ids)).values(written_at=now)
    )
    mark_told(signup_ids, now)  # the sign-up is demand's: its service records it


def announce_opening(clinic: Clinic, now: datetime, radius_miles: float) -> int:
    """Claim "a clinic opened near you" for every sign-up within ``radius_miles`` that has not
    unsubscribed and was not told before; return how many were claimed. The notification
    worker writes and sends the e-mails (``queue_opening_emails``), so the
    request stays quick however many people signed up nearby.

    Each e-mail is claimed by a unique announcement row (one per sign-up, one per person and
    clinic), inserted set-based: running this twice, even at once, claims nothing twice.
    """
    claimed = sum(_claim_announcements(clinic, chunk, now) for chunk in _chunks(signup_ids_near(clinic, radius_miles)))
    db.session.flush()
    return claimed


def signup_ids_near(clinic: Clinic, radius_miles: float) -> list[int]:
    """Ids of the active, not yet told sign-ups whose ZIP centre lies within ``radius_miles``
    of the clinic (geodesic distance, as the nearest-clinic search measures), in id order;
    for a person signed up at several ZIP codes nearby, only the nearest one.

    The box is filtered in SQL and only (id, e-mail, position) is read; the exact distance is
    needed only near the edge, where the cheap spherical one could be wrong.
    """
    box = bounding_box(clinic.latitude, clinic.longitude, radius_miles)
    query = select(
        OpeningAlertSignup.id, OpeningAlertSignup.email, OpeningAlertSignup.latitude, OpeningAlertSignup.longitude
    ).where(
        OpeningAlertSignup.unsubscribed_at.is_(None),
        OpeningAlertSignup.notified_at.is_(None),
        OpeningAlertSignup.latitude.between(box.min_latitude, box.max_latitude),
    )
    if box.min_longitude is not None:
        query = query.where(OpeningAlertSignup.longitude.between(box.min_longitude, box.max_longitude))
    nearest: dict[str, tuple[float, int]] = {}
    for signup_id, email, latitude, longitude in db.session.execute(query.order_by(OpeningAlertSignup.id)):
        miles = _miles_if_within(clinic, latitude, longitude, radius_miles)
        if miles is not None and (email not in nearest or miles < nearest[email][0]):
            nearest[email] = (miles, signup_id)
    return sorted(signup_id for _, signup_id in nearest.values())


def _miles_if_within(clinic: Clinic, latitude: float, longitude: float, radius_miles: float) -> float | None:
    """The distance when within the radius, else None. Haversine is within HAVERSINE_ERROR of
    the geodesic (about 1 microsecond against 100): the geodesic decides only the doubtful."""
    miles = haversine_miles(clinic.latitude, clinic.longitude, latitude, longitude)
    if miles * (1 - HAVERSINE_ERROR) > radius_miles:
        return None
    if miles * (1 + HAVERSINE_ERROR) > radius_miles:
        miles = geodesic_miles(clinic.latitude, clinic.longitude, latitude, longitude)
    return miles if miles <= radius_miles else None


def _chunks(ids: list[int]) -> list[list[int]]:
    # Bound parameters per statement stay far below SQLite's and PostgreSQL's limits.
    return [ids[start:start + CLAIM_CHUNK] for start in range(0, len(ids), CLAIM_CHUNK)]


def _claim_announcements(clinic: Clinic, signup_ids: list[int], now: datetime) -> int:
    """One INSERT ... SELECT of the announcements of these sign-ups, skipping any that exists
    (the sign-up told before, or this person told about this clinic); return how many were
    inserted. ON CONFLICT DO NOTHING waits for a concurrent claim to commit and then yields,
    so the loser never fails and never sends; rows go in id order, so two openings claiming
    the same sign-ups at once take them in the same order and do not deadlock. (RETURNING
    counts them: psycopg reports no rowcount for an INSERT ... SELECT through the ORM.)"""
    insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
    signups = (
        select(OpeningAlertSignup.id, literal(clinic.id), OpeningAlertSignup.email, literal(now, UTCDateTime()))
        .where(OpeningAlertSignup.id.in_(signup_ids))
        .order_by(OpeningAlertSignup.id)
    )
    statement = (
        insert(OpeningAnnouncement)
        .from_select(["signup_id", "clinic_id", "email", "queued_at"], signups)
        .on_conflict_do_nothing()
        .returning(OpeningAnnouncement.signup_id)
    )
    return len(db.session.execute(statement).all())
