"""Visits by text message: the reminder, and what a patient's answer to it does (C confirms,
X cancels, within the same change window as online). Flush, never commit.

Wording carries the clinic's name and the time, nothing else: no service, no practitioner,
no reason for the visit (a text is read on a lock screen).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from clinic_app.extensions import db
from clinic_app.notifications.models import Channel, OutboxMessage
from clinic_app.notifications.texts import queue_text
from clinic_app.patients.texting import texting_numbers
from clinic_app.scheduling.booking import ChangeRefused, cancel_booking
from clinic_app.scheduling.models import Booking, BookingStatus
from clinic_app.scheduling.notifications import local_time
from clinic_app.scheduling.rules import change_window_open

TEXT_REMINDER = "text-reminder"


def text_reminder_key(booking: Booking) -> str:
    return f"booking:{booking.id}:{TEXT_REMINDER}:{booking.sequence}"


def reminder_text(booking: Booking, change_online: bool) -> str:
    when = local_time(booking).strftime("%a %-d %b at %-I:%M %p")
    answer = ("Reply C to confirm or X to cancel." if change_online
              else f"Reply C to confirm. To change it, call {booking.clinic.phone or 'the clinic'}.")
    return f"{booking.clinic.name}: reminder of your visit {when}. {answer} Reply STOP to opt out."


def queue_text_reminders(bookings: Sequence[Booking], due: Sequence[Booking], now: datetime) -> int:
    """Text the reminder of each ``due`` visit whose patient agreed to texts (for it or for
    all their texts) at a number that has not said STOP; return how many were queued.
    ``bookings`` is the window's visits, whose keys are read in one query."""
    numbers = texting_numbers([(booking.patient_id, booking.id) for booking in due])
    if not numbers:
        return 0
    keys = {text_reminder_key(booking) for booking in bookings}
    queued_keys = set(db.session.scalars(select(OutboxMessage.idempotency_key)
                                         .where(OutboxMessage.idempotency_key.in_(keys))))
    notice_hours = current_app.config["CHANGE_NOTICE_HOURS"]
    queued = 0
    for booking in due:
        if booking.id in numbers and text_reminder_key(booking) not in queued_keys:
            text = reminder_text(booking, change_window_open(booking.start_at, now, notice_hours))
            queued += queue_text(numbers[booking.id], text, text_reminder_key(booking), booking.clinic.timezone, now,
                                 booking_id=booking.id) is not None
    return queued


def reminded_visit(phone: str, now: datetime) -> Booking | None:
    """The visit an answer from this number is about: the latest one reminded by text to it
    that is still booked and ahead."""
    return db.session.scalar(
        select(Booking)
        .join(OutboxMessage, OutboxMessage.booking_id == Booking.id)
        .where(OutboxMessage.channel == Channel.SMS, OutboxMessage.recipient == phone,
               OutboxMessage.sent_at.is_not(None), Booking.status == BookingStatus.BOOKED, Booking.start_at > now)
        .order_by(OutboxMessage.sent_at.desc(), OutboxMessage.id.desc())
        .limit(1)
    )


def confirm_by_text(phone: str, now: datetime) -> tuple[str, int | None]:
    """C: the visit is marked confirmed (the day schedule shows it); the answer to send back
    and the visit's id."""
    booking = reminded_visit(phone, now)
    if booking is None:
        return "We found no upcoming visit to confirm. Please call your clinic.", None
    booking.confirmed_by_text_at = now
    db.session.flush()
    return f"Thank you: your visit to {booking.clinic.name} {_when(booking)} is confirmed.", booking.id


def cancel_by_text(phone: str, now: datetime) -> tuple[str, int | None]:
    """X: cancelled as online, inside the same change window; else the clinic's number. The
    answer to send back and the visit's id."""
    booking = reminded_visit(phone, now)
    if booking is None:
        return "We found no upcoming visit to cancel. Please call your clinic.", None
    clinic = booking.clinic
    try:
        cancel_booking(booking, by="patient", reason="Cancelled by text message", now=now)
    except ChangeRefused:
        return (f"Your visit to {clinic.name} {_when(booking)} can't be cancelled by text any more. "
                f"Please call {clinic.phone or 'the clinic'}."), booking.id
    return f"Your visit to {clinic.name} {_when(booking)} is cancelled.", booking.id


def _when(booking: Booking) -> str:
    return local_time(booking).strftime("on %a %-d %b at %-I:%M %p")
