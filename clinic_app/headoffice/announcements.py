"""The "a clinic has opened near you" e-mails, written by the notification worker.

Opening a clinic only claims the e-mails (one announcement row per sign-up, set-based, in the
opening's transaction), so a metro area with thousands of sign-ups does not hold up the
head-office request. Each worker pass turns the claimed announcements into outbox messages, a
batch per transaction, and marks the sign-up told.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from clinic_app.clinics.geometry import geodesic_miles
from clinic_app.clinics.models import Clinic
from clinic_app.demand.models import OpeningAlertSignup
from clinic_app.extensions import db
from clinic_app.headoffice.models import OpeningAnnouncement
from clinic_app.notifications.links import public_url
from clinic_app.notifications.service import queue_email

# Announcements turned into e-mails per transaction: short enough that SQLite's write lock is
# never held for long, large enough that a metro area's few thousand take a few batches.
BATCH_SIZE = 100


def queue_opening_emails(now: datetime, batch_size: int = BATCH_SIZE) -> int:
    """Queue the e-mail of up to ``batch_size`` announcements whose sign-up is not yet told and
    has not unsubscribed since the opening, and mark each told; return how many announcements
    were handled (0: none left). Flush, never commit: the caller commits each batch.

    Once only: the message's idempotency key is the sign-up's, so a sign-up whose mark was
    lost is marked again without a second e-mail; on PostgreSQL two workers skip each other's
    locked sign-ups, on SQLite the caller's serialised transaction runs them one at a time.
    """
    pending = db.session.execute(
        select(OpeningAnnouncement.clinic_id, OpeningAlertSignup)
        .join(OpeningAlertSignup, OpeningAlertSignup.id == OpeningAnnouncement.signup_id)
        .where(OpeningAlertSignup.notified_at.is_(None), OpeningAlertSignup.unsubscribed_at.is_(None))
        .order_by(OpeningAnnouncement.id)
        .limit(batch_size)
        .with_for_update(of=OpeningAlertSignup, skip_locked=True, key_share=True)
    ).all()
    for clinic_id, signup in pending:
        queue_opening_email(db.session.get(Clinic, clinic_id), signup)
        signup.notified_at = now
    db.session.flush()
    return len(pending)


def queue_opening_email(clinic: Clinic, signup: OpeningAlertSignup) -> None:
    """The one e-mail of this sign-up, about ``clinic``, unless it was queued before."""
    queue_email(
        signup.email,
        f"Back Solution is now open in {clinic.city}",
        "emails/clinic_opened.txt",
        idempotency_key=f"clinic-opened:signup:{signup.id}",
        clinic=clinic,
        miles=geodesic_miles(clinic.latitude, clinic.longitude, signup.latitude, signup.longitude),
        zip_code=signup.zip_code,
        clinic_url=public_url("clinics.show", slug=clinic.slug),
        booking_url=public_url("booking.services", clinic=clinic.slug),
        unsubscribe_url=public_url("demand.unsubscribe", token=signup.unsubscribe_token),
    )
