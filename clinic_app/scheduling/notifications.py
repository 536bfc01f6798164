"""Booking e-mails and their calendar files (confirmation, reschedule, cancellation, reminder)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress, vText

from clinic_app.clock import utcnow
from clinic_app.notifications.links import public_url
from clinic_app.notifications.service import queue_email

SUBJECTS = {
    "confirmation": "Your visit to {clinic} is booked: {when}",
    "reschedule": "Your visit to {clinic} has moved: {when}",
    "cancellation": "Your visit to {clinic} on {when} is cancelled",
    "reminder": "Reminder: your visit to {clinic} on {when}",
}


def local_time(booking, moment: datetime | None = None) -> datetime:
    return (moment or booking.start_at).astimezone(ZoneInfo(booking.clinic.timezone))


def describe_when(booking, moment: datetime | None = None) -> str:
    """ "Tuesday 24 November 2026 at 9:30 AM MST", on the clinic's own clock."""
    local = local_time(booking, moment)
    return local.strftime("%A %-d %B %Y at %-I:%M %p ") + (local.tzname() or "")


def queue_booking_message(booking, kind: str, token: str | None = None, previous_start: datetime | None = None,
                          **extra_context):
    """Queue one e-mail of this kind for this version of the booking (never twice: the key
    names the booking's sequence, so a moved visit gets its own reminder for the new time).
    Reminders carry no calendar file: the one from the confirmation is still current."""
    subject = SUBJECTS[kind].format(clinic=booking.clinic.name, when=describe_when(booking))
    context = {
        "booking": booking,
        "when": describe_when(booking),
        "previous_when": describe_when(booking, previous_start) if previous_start else "",
        "manage_url": public_url("booking.manage", token=token) if token else "",
        "kind": kind,
        **extra_context,
    }
    method = "CANCEL" if kind == "cancellation" else "REQUEST"
    calendar = None if kind == "reminder" else (calendar_for(booking), method)
    return queue_email(
        booking.patient.email,
        subject,
        f"emails/booking_{kind}.txt",
        html_template=f"emails/booking_{kind}.html",
        calendar=calendar,
        idempotency_key=booking_message_key(booking, kind),
        booking_id=booking.id,
        **context,
    )


def booking_message_key(booking, kind: str) -> str:
    return f"booking:{booking.id}:{kind}:{booking.sequence}"


def calendar_for(booking, now: datetime | None = None) -> str:
    """An iCalendar file for the visit. The UID never changes; SEQUENCE rises with every
    change, and a cancelled visit is sent as METHOD:CANCEL, so calendars update in place."""
    cancelled = booking.status == "cancelled"
    calendar = Calendar()
    calendar.add("prodid", "-//Back Solution//Clinic bookings//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")
    event = Event()
    event.add("uid", f"booking-{booking.id}-{booking.reference.lower()}@backsolution.example")
    event.add("sequence", booking.sequence)
    event.add("dtstamp", now or utcnow())
    event.add("dtstart", booking.start_at)  # UTC instants: right in every calendar and zone
    event.add("dtend", booking.end_at)
    event.add("summary", f"{booking.service.name} at {booking.clinic.name}")
    event.add("location", vText(clinic_address(booking.clinic)))
    event.add("description", f"Booking reference {booking.reference}. With {booking.practitioner.display_name}.")
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    organizer = vCalAddress(f"mailto:{booking.clinic.email or 'no-reply@backsolution.example'}")
    organizer.params["cn"] = vText(booking.clinic.name)
    event.add("organizer", organizer)
    calendar.add_component(event)
    return calendar.to_ical().decode()


def clinic_address(clinic) -> str:
    street = ", ".join(part for part in (clinic.address_line1, clinic.address_line2) if part)
    return f"{clinic.name}, {street}, {clinic.city}, {clinic.state} {clinic.zip_code}"
