"""Booking over JSON under /api/v1: services, free times, and a visit booked, read, cancelled
or moved through its secret manage token, as on the /book pages and by the same services.

No login and no cookies: the manage token is the only credential. Writes are CSRF-exempt
(nothing here reads the session) and share one rate limit per address, BOOKING_API_LIMIT.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import abort, current_app, jsonify
from werkzeug.exceptions import UnprocessableEntity

from clinic_app import clock
from clinic_app.api import bookings_bp as bp
from clinic_app.api.booking_schemas import (
    AvailabilityQuerySchema,
    AvailabilitySchema,
    BookingEnvelopeSchema,
    CancelSchema,
    NewBookingSchema,
    RescheduleSchema,
    ServiceListSchema,
    SlotSchema,
    SlotUnavailableSchema,
)
from clinic_app.booking.journey import offered_service
from clinic_app.clinics.models import ClinicStatus
from clinic_app.clinics.service import get_public_clinic
from clinic_app.errors import DomainError, ErrorSchema, ValidationFailed, error_response
from clinic_app.extensions import begin_serialised_transaction, db, limiter
from clinic_app.headers import keep_token_private, never_cache
from clinic_app.ids import LARGEST_ID
from clinic_app.notifications.links import public_url
from clinic_app.patients.service import PatientDetails
from clinic_app.scheduling import service as scheduling
from clinic_app.scheduling.availability import free_slots
from clinic_app.scheduling.booking import (
    BookingRequest,
    SlotUnavailable,
    book_appointment,
    booking_for_token,
    cancel_booking,
    may_change_online,
    reschedule_booking,
)
from clinic_app.scheduling.models import Booking
from clinic_app.scheduling.rules import Slot

write_limit = limiter.shared_limit(lambda: current_app.config["BOOKING_API_LIMIT"], scope="booking-api")

# The booking service names patient problems by the HTML form's field; here they are nested.
PATIENT_FIELDS = {"first_name", "last_name", "email", "phone", "date_of_birth"}


@bp.errorhandler(DomainError)
def refused(error: DomainError):
    """A business rule said no: nothing is kept, and the field at fault is named."""
    db.session.rollback()
    field = f"patient.{error.field}" if error.field in PATIENT_FIELDS else error.field
    response = error_response(error.status, error.code, error.message, {field: [error.message]} if field else None)
    if isinstance(error, SlotUnavailable):
        body = response.get_json()
        slots = [_slot_body(slot, error.zone) for slot in error.next_slots]
        body["error"]["next_slots"] = SlotSchema(many=True).dump(slots)
        response.set_data(current_app.json.dumps(body))
    return response


@bp.errorhandler(UnprocessableEntity)
def invalid(error: UnprocessableEntity):
    """Malformed requests, each problem named by its dotted field (patient.email)."""
    by_location = (getattr(error, "data", None) or {}).get("messages") or {}
    problems = {field: texts for located in by_location.values() for field, texts in _flatten(located).items()}
    message = " ".join(f"{field}: {' '.join(texts)}" for field, texts in problems.items()) or error.description
    return error_response(422, "validation_failed", message, problems or None)


bp.after_request(never_cache)
bp.after_request(keep_token_private)


@bp.get("/services")
@bp.response(200, ServiceListSchema)
def list_services():
    """Every service that can be booked somewhere, those for new patients first."""
    return {"services": scheduling.list_services()}


@bp.get("/clinics/<int:clinic_id>/availability")
@bp.arguments(AvailabilityQuerySchema, location="query", as_kwargs=True)
@bp.response(200, AvailabilitySchema)
@bp.alt_response(404, schema=ErrorSchema, description="No public clinic has this id")
@bp.alt_response(422, schema=ErrorSchema, description="Unknown service, or one this clinic does not offer")
def availability(clinic_id: int, service: str, days: int, start: date | None = None, practitioner_id=None):
    """Free times for a service at a clinic over ``days`` days from ``start``. A clinic that is
    not open for bookings (coming soon, temporarily closed) has none."""
    clinic = get_public_clinic(clinic_id, with_hours=False) if clinic_id <= LARGEST_ID else None
    if clinic is None:
        abort(404)
    chosen = offered_service(clinic, service)
    if chosen is None:
        raise ValidationFailed(f"{clinic.name} does not offer a service called {service!r}.", "service")
    now, zone = clock.utcnow(), ZoneInfo(clinic.timezone)
    first_day = start or now.astimezone(zone).date()
    bookable = clinic.status == ClinicStatus.OPEN
    slots = free_slots(clinic, chosen, first_day, days, now, practitioner_id) if bookable else []
    return jsonify(availability_body(clinic.id, clinic.timezone, slots))


def availability_body(clinic_id: int, zone_name: str, slots: list[Slot]) -> dict:
    """What AvailabilitySchema would dump (tests/test_booking_api.py holds them equal), built
    directly: a week can hold hundreds of slots, and dumping each through marshmallow cost more
    than finding them."""
    zone = ZoneInfo(zone_name)
    return {"clinic_id": clinic_id, "timezone": zone_name, "slots": [
        {"start": slot.start.astimezone(zone).isoformat(), "end": slot.end.astimezone(zone).isoformat(),
         "practitioner_id": slot.practitioner_id} for slot in slots]}


@bp.post("/bookings")
@write_limit
@bp.arguments(NewBookingSchema)
@bp.response(201, BookingEnvelopeSchema)
@bp.alt_response(409, schema=SlotUnavailableSchema, description="The time was just taken (code slot_unavailable)")
@bp.alt_response(422, schema=ErrorSchema, description="Invalid input; error.fields names each field at fault")
@bp.alt_response(429, schema=ErrorSchema, description="Too many bookings from this address (BOOKING_API_LIMIT)")
def create_booking(data: dict):
    """Book a visit. The response holds the manage token, shown only this once (it is also in
    the confirmation e-mail). The confirmation is e-mailed after the commit."""
    now = clock.utcnow()
    _check_within_horizon(data["start"], now)
    begin_serialised_transaction()
    booking, token = book_appointment(_booking_request(data), now)
    return _committed(_booking_body(booking, token, now))


@bp.get("/bookings/<token>")
@bp.response(200, BookingEnvelopeSchema)
@bp.alt_response(404, schema=ErrorSchema, description="No visit has this token")
def get_booking(token: str):
    return _booking_body(_booking_or_404(token), token, clock.utcnow())


@bp.post("/bookings/<token>/cancel")
@write_limit
@bp.arguments(CancelSchema)
@bp.response(200, BookingEnvelopeSchema)
@bp.alt_response(404, schema=ErrorSchema, description="No visit has this token")
@bp.alt_response(409, schema=ErrorSchema, description="Already cancelled, or inside the notice window "
                                                      "(code change_not_allowed)")
def cancel(data: dict, token: str):
    """Cancel the visit (it stays on record as cancelled); the patient is e-mailed."""
    now = clock.utcnow()
    booking = _booking_or_404(token)
    cancel_booking(booking, by="patient", reason=data["reason"], now=now)
    return _committed(_booking_body(booking, token, now))


@bp.post("/bookings/<token>/reschedule")
@write_limit
@bp.arguments(RescheduleSchema)
@bp.response(200, BookingEnvelopeSchema)
@bp.alt_response(404, schema=ErrorSchema, description="No visit has this token")
@bp.alt_response(409, schema=SlotUnavailableSchema, description="The new time is taken (slot_unavailable), or the "
                                                                "visit can no longer be moved (change_not_allowed)")
@bp.alt_response(422, schema=ErrorSchema, description="The new time is past or not on the clinic's grid")
def reschedule(data: dict, token: str):
    """Move the visit to another free time for the same service at the same clinic."""
    now = clock.utcnow()
    _check_within_horizon(data["start"], now)
    begin_serialised_transaction()
    booking = reschedule_booking(_booking_or_404(token), data["start"], now)
    return _committed(_booking_body(booking, token, now))


def _committed(answer: dict) -> dict:
    """Commit, then give the answer built before it, from what the request holds in memory:
    once the change is committed (and its e-mail queued with it), the client is told it is done
    even if the database goes away at that moment. Read after the commit, the expired booking
    would have to be loaded again, and an outage then would answer 503 for a visit that exists."""
    db.session.commit()
    return answer


def _booking_request(data: dict) -> BookingRequest:
    patient = data["patient"]
    return BookingRequest(
        clinic_id=data["clinic_id"],
        service_slug=data["service"],
        start=data["start"],
        patient=PatientDetails(patient["first_name"], patient["last_name"], patient["email"], patient["phone"],
                               patient["date_of_birth"]),
        practitioner_id=data.get("practitioner_id"),
        new_patient=data["new_patient"],
        pain_area=data["pain_area"],
        source="api",
        text_consent_source="api" if data["text_reminders"] else "",
    )


def _check_within_horizon(start: datetime, now: datetime) -> None:
    """Times beyond the booking horizon are refused before any calendar is computed for them
    (and a year like 9999 cannot overflow one)."""
    if start > now + timedelta(days=current_app.config["BOOKING_HORIZON_DAYS"] + 2):
        raise ValidationFailed("That time is further ahead than we take bookings.", "start")


def _booking_or_404(token: str) -> Booking:
    return booking_for_token(token[:100]) or abort(404)


def _booking_body(booking: Booking, token: str, now: datetime) -> dict:
    zone = ZoneInfo(booking.clinic.timezone)
    return {"booking": {
        "id": booking.id, "reference": booking.reference, "status": booking.status,
        "start": booking.start_at.astimezone(zone), "end": booking.end_at.astimezone(zone),
        "clinic_id": booking.clinic_id, "practitioner_id": booking.practitioner_id, "service": booking.service.slug,
        "can_change_online": may_change_online(booking, now), "manage_token": token,
        "manage_url": public_url("booking.manage", token=token),
        "ics_url": public_url("booking.calendar", token=token),
    }}


def _slot_body(slot: Slot, zone: ZoneInfo) -> dict:
    return {"start": slot.start.astimezone(zone), "end": slot.end.astimezone(zone),
            "practitioner_id": slot.practitioner_id}


def _flatten(messages, prefix: str = "") -> dict[str, list[str]]:
    """{"patient": {"email": [...]}} -> {"patient.email": [...]}"""
    if not isinstance(messages, dict):
        return {prefix or "_schema": [str(m) for m in messages] if isinstance(messages, list) else [str(messages)]}
    flat: dict[str, list[str]] = {}
    for field, problems in messages.items():
        flat.update(_flatten(problems, f"{prefix}.{field}" if prefix else str(field)))
    return flat
