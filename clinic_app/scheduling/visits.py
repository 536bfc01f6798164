"""What happens to a visit on the day: the patient arrives, is seen, or does not come; and the
desk settles the identity details given at booking. Flush, never commit; each change is
audited with the member of staff who made it."""

from __future__ import annotations

from datetime import datetime, timedelta

from clinic_app.accounts.policy import can_confirm_patient_details
from clinic_app.audit.service import Actor, record_event
from clinic_app.errors import Conflict, NotAllowed
from clinic_app.extensions import db
from clinic_app.patients.service import accept_identity_details
from clinic_app.scheduling.care import patient_care
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


def settle_given_details(actor: Actor, booking: Booking, accept: bool, now: datetime) -> dict[str, str]:
    """Accept the identity details given at this booking into the patient's record, or keep the
    record as it is; either way they stop waiting. Returns what was given. Only staff who may
    confirm them (policy.can_confirm_patient_details) do this."""
    given = booking.given_details
    if not given:
        raise Conflict("Nothing given at this booking is waiting to be confirmed.")
    if not can_confirm_patient_details(actor.user, booking, patient_care(booking.patient_id)):
        raise NotAllowed("Check these details with the patient once they have checked in for a visit here; "
                         "until then the record stays as it is.")
    if accept:
        accept_identity_details(booking.patient, given)
    booking.given_first_name = booking.given_last_name = booking.given_phone = None
    db.session.flush()
    record_event(actor, booking.patient_id, "accept_patient_details" if accept else "keep_patient_details",
                 booking, now)
    return given
