"""The "a clinic has opened near you" e-mails, written by the notification worker.

Opening a clinic only claims the e-mails (one announcement row per sign-up, set-based, in the
opening's transaction), so a metro area with thousands of sign-ups does not hold up the
head-office request. Each worker pass turns the claimed announcements still unwritten into
outbox messages, a batch per transaction (one INSERT for the batch's messages), and marks the
announcement written and the sign-up told.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, delete, select, update
from sqlalchemy.engine import Row

from clinic_app.clinics.models import Clinic
from clinic_app.demand.models import OpeningAlertSignup
from clinic_app.demand.service import mark_told
from clinic_app.extensions import db
from clinic_app.geo.geometry import HAVERSINE_ERROR, geodesic_miles, haversine_miles
from clinic_app.notifications.links import public_url
from clinic_app.notifications.service import EmailDraft, queue_emails
from clinic_app.rollout.models import OpeningAnnouncement

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


def _lock_unwritten(batch_size: int) -> list[Row]:
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


def _drafts(pending: list[Row]) -> list[EmailDraft]:
    links: dict[int, dict] = {}
    for row in pending:
        if row.clinic_id not in links:
            links[row.clinic_id] = clinic_context(db.session.get(Clinic, row.clinic_id))
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
