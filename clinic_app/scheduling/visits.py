"""What happens to a visit on the day: the patient arrives, is seen, or does not come.
Flush, never commit; each change is audited with the member of staff who made it."""

from __future__ import annotations

from datetime import datetime, timedelta

from clinic_app.audit.service import Actor, record_event
from clinic_app.errors import Conflict
from clinic_app.extensions import db
from clinic_app.scheduling.models import Booking, BookingStatus

# A patient can be checked in a little early; nobody is marked absent before the visit starts.
EARLIEST_CHECK_IN = timedelta(hours=2)

ALLOWED = {
    BookingStatus.ARRIVED: (BookingStatus.BOOKED,),
    BookingStatus.COMPLETED: (BookingStatus.BOOKED, BookingStatus.ARRIVED),
    BookingStatus.NO_SHOW: (BookingStatus.BOOKED,),
    # Undo a mistaken click at the desk.
    BookingStatus.BOOKED: (BookingStatus.ARRIVED, BookingStatus.NO_SHOW),
}


def mark_visit(actor: Actor, booking: Booking, status: BookingStatus, now: datetime) -> None:
    """Move the visit to ``status`` (arrived, completed, no_show, or back to booked)."""
    if booking.status not in ALLOWED.get(status, ()):
        raise Conflict(f"A visit that is {booking.status.replace('_', ' ')} cannot be marked "
                       f"{status.replace('_', ' ')}.")
    if status == BookingStatus.ARRIVED and now < booking.start_at - EARLIEST_CHECK_IN:
        raise Conflict("Patients can be checked in from two hours before their visit.")
    if status == BookingStatus.NO_SHOW and now < booking.start_at:
        raise Conflict("A visit can be marked as a no-show only once its start time has passed.")
    if status == BookingStatus.COMPLETED and now < booking.start_at:
        raise Conflict("A visit can be marked as seen only once its start time has passed.")
    booking.status = status
    db.session.flush()
    record_event(actor, booking.patient_id, f"mark_{status}", booking, now)
