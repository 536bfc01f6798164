"""Reminder e-mails (and texts, for patients who agreed to them: scheduling/texts.py), queued
by the notification worker on every pass (``flask notifications send``), so nothing else needs
scheduling.

A reminder cannot repeat the confirmation's manage link (its token is stored only as a hash,
and a new token would break that link), so it carries a signed link to the same page, which
works until the visit starts or changes (manage_links.py). It also gives the clinic's phone
number, the only way to change a visit once online changes have closed.
Flush, never commit: the caller commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from clinic_app.accounts.models import User
from clinic_app.extensions import db
from clinic_app.notifications.due_now import queue_due_now
from clinic_app.notifications.models import OutboxMessage
from clinic_app.patients.models import Patient
from clinic_app.scheduling.manage_links import sign_manage_link
from clinic_app.scheduling.models import Booking, BookingStatus
from clinic_app.scheduling.notifications import booking_message_key, queue_booking_message
from clinic_app.scheduling.rules import change_window_open
from clinic_app.scheduling.texts import queue_text_reminders


def reminder_due(start_at: datetime, announced_at: datetime, now: datetime, hours_before: int) -> bool:
    """A visit is reminded of once it is ``hours_before`` away and still ahead, unless the
    patient learnt of this time inside that window (a late booking or move): the e-mail
    they just had is the reminder."""
    window_opens = start_at - timedelta(hours=hours_before)
    return window_opens <= now < start_at and announced_at < window_opens


def queue_due_reminders(now: datetime, hours_before: int | None = None) -> int:
    """Queue a reminder for every booked visit that is due one and has none for its current
    time; return how many were queued. Cancelled and past visits never get one. ``hours_before``:
    REMINDER_HOURS_BEFORE unless given."""
    if hours_before is None:
        hours_before = current_app.config["REMINDER_HOURS_BEFORE"]
    bookings = db.session.scalars(
        select(Booking).where(
            Booking.status == BookingStatus.BOOKED,
            Booking.start_at > now,
            Booking.start_at <= now + timedelta(hours=hours_before),
        )
    ).all()
    queued_at = _messages_queued_at(bookings)
    due = [booking for booking in bookings
           if reminder_due(booking.start_at, queued_at.get(_announcement_key(booking), booking.created_at), now,
                           hours_before)]
    opted_out = _opted_out_patient_ids(due)
    queued = 0
    for booking in due:
        if booking_message_key(booking, "reminder") in queued_at or not booking.patient.email:
            continue
        if booking.patient_id not in opted_out:
            queued += _queue_reminder(booking, now)
    return queued + queue_text_reminders(bookings, due, now)


def _announcement_key(booking: Booking) -> str:
    """The e-mail that told the patient of the visit's current time."""
    return booking_message_key(booking, "confirmation" if booking.sequence == 0 else "reschedule")


def _opted_out_patient_ids(bookings: Sequence[Booking]) -> set[int]:
    """Patients whose account turned visit reminder e-mails off in its contact preferences
    (one query). Guests, with no account, get reminders."""
    patient_ids = {booking.patient_id for booking in bookings}
    if not patient_ids:
        return set()
    query = (
        select(Patient.id)
        .join(User, Patient.user_id == User.id)
        .where(Patient.id.in_(patient_ids), User.visit_reminder_emails.is_(False))
    )
    return set(db.session.scalars(query))


def _messages_queued_at(bookings: Sequence[Booking]) -> dict[str, datetime]:
    """When each booking's reminder and announcement were queued, by idempotency key (one query)."""
    keys = [key for b in bookings for key in (booking_message_key(b, "reminder"), _announcement_key(b))]
    if not keys:
        return {}
    rows = db.session.execute(
        select(OutboxMessage.idempotency_key, OutboxMessage.created_at).where(OutboxMessage.idempotency_key.in_(keys))
    )
    return {key: created_at for key, created_at in rows if key is not None}  # every key asked for is one


def _queue_reminder(booking: Booking, now: datetime) -> int:
    notice_hours = current_app.config["CHANGE_NOTICE_HOURS"]
    change_online = change_window_open(booking.start_at, now, notice_hours)
    return queue_due_now(
        lambda: queue_booking_message(booking, "reminder", sign_manage_link(booking), change_online=change_online,
                                      change_notice_hours=notice_hours),
        now,
    )
