"""Book, cancel and reschedule visits. Flush, never commit: the view commits. Each operation
ends by sending its signal (signals.py: the waitlist listens), inside the same transaction.

Double booking is impossible at the database: PostgreSQL refuses overlapping active bookings
of one practitioner (an exclusion constraint); on SQLite every transaction begins with
BEGIN IMMEDIATE, so the check below and the insert run one at a time, with a unique index
as a backstop. The free-slot check runs again inside the transaction that inserts.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import and_, exists, func, select
from sqlalchemy.exc import IntegrityError, OperationalError

from clinic_app.clinics.models import Clinic, ClinicStatus
from clinic_app.errors import Conflict, ValidationFailed
from clinic_app.extensions import db
from clinic_app.patients.rules import TEXT_PHONE_MESSAGE, InvalidPhoneNumber
from clinic_app.patients.service import PatientDetails, PatientMatch, match_or_create_patient
from clinic_app.patients.texting import give_text_consent
from clinic_app.scheduling.availability import booking_policy, free_slots, practitioners_offering, staff_booking_policy
from clinic_app.scheduling.models import (
    Booking,
    BookingStatus,
    Practitioner,
    Service,
    WorkingHours,
    clinic_services,
    practitioner_services,
)
from clinic_app.scheduling.notifications import queue_booking_message
from clinic_app.scheduling.rules import Slot, change_window_open
from clinic_app.scheduling.signals import booking_cancelled, booking_made, booking_moved


class SlotUnavailable(Conflict):
    """The time was free a moment ago but is not now; ``next_slots`` are the nearest free ones,
    shown on the clinic's clock (``zone``), which the error carries so that answering it needs
    no database."""

    code = "slot_unavailable"

    def __init__(self, message: str, next_slots: list[Slot], zone: ZoneInfo):
        super().__init__(message, "start")
        self.next_slots = next_slots
        self.zone = zone


class ChangeRefused(Conflict):
    code = "change_not_allowed"


@dataclass(frozen=True)
class BookingRequest:
    clinic_id: int
    service_slug: str
    start: datetime
    patient: PatientDetails
    practitioner_id: int | None = None
    new_patient: bool = True
    pain_area: str = ""
    source: str = "online"
    created_by_id: int | None = None
    user_id: int | None = None
    online: bool = True  # False: staff at the desk, who may book up to the start time
    # Where the patient agreed to texts at the booking's phone ("booking", "api"), or "" (no).
    text_consent_source: str = ""


def book_appointment(request: BookingRequest, now: datetime) -> tuple[Booking, str]:
    """Book the visit; return it and its manage token (shown once, stored only as a hash)."""
    clinic, service, team = _clinic_service_and_team(request.clinic_id, request.service_slug)
    slot = _free_slot(clinic, service, request.start, request.practitioner_id, now, online=request.online)
    match = match_or_create_patient(request.patient, request.user_id)
    patient = match.patient
    _check_patient_may_book(patient.id, service, request.new_patient, now, known_patient=not match.created)
    token = secrets.token_urlsafe(32)
    booking = Booking(
        reference=_new_reference(), clinic=clinic, practitioner=team[slot.practitioner_id], service=service,
        patient=patient, start_at=slot.start, end_at=slot.end,
        blocked_until=slot.end + timedelta(minutes=service.buffer_after_minutes),
        source=request.source, pain_area=request.pain_area.strip(), new_patient=request.new_patient,
        manage_token_hash=hash_token(token), created_by_id=request.created_by_id,
        **{f"given_{name}": value for name, value in match.differences.items()},
    )
    _insert_or_conflict(booking, clinic, service, now, request.online)
    if request.text_consent_source:
        _agree_to_texts(request, match, booking, now)
    queue_booking_message(booking, "confirmation", token)
    booking_made.send(booking, now=now)
    return booking, token


def _agree_to_texts(request: BookingRequest, match: PatientMatch, booking: Booking, now: datetime) -> None:
    """The agreement covers all the patient's texts when the booking made the record or its
    signed-in owner booked; else (a record matched by e-mail and date of birth alone) only
    this visit's reminders, which are the booker's own business."""
    owner = match.created or (request.user_id is not None and match.patient.user_id == request.user_id)
    try:
        give_text_consent(match.patient, request.patient.phone, request.text_consent_source, now,
                          booking_id=None if owner else booking.id)
    except InvalidPhoneNumber:
        raise ValidationFailed(TEXT_PHONE_MESSAGE, "phone") from None


def booking_for_token(token: str) -> Booking | None:
    return db.session.scalar(select(Booking).where(Booking.manage_token_hash == hash_token(token)))


def cancel_booking(booking: Booking, by: str, reason: str, now: datetime, online: bool = True) -> None:
    """Cancel (a status with who, when and why; the row stays). Online changes are refused
    inside the clinic's notice window."""
    if booking.status != BookingStatus.BOOKED:
        raise ChangeRefused("This visit can no longer be cancelled.")
    if online:
        _check_change_window(booking, now)
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at, booking.cancelled_by, booking.cancellation_reason = now, by, reason.strip()[:300]
    booking.sequence += 1
    db.session.flush()
    queue_booking_message(booking, "cancellation")
    booking_cancelled.send(booking, now=now)


def reschedule_booking(
    booking: Booking, new_start: datetime, now: datetime, online: bool = True, same_practitioner: bool = False
) -> Booking:
    """Move the visit to a free time with the same service and clinic (any practitioner when
    the original one is busy then, unless ``same_practitioner``)."""
    if booking.status != BookingStatus.BOOKED:
        raise ChangeRefused("This visit can no longer be moved.")
    if online:
        _check_change_window(booking, now)
    old_start, old_practitioner = booking.start_at, booking.practitioner_id
    booking.status = BookingStatus.CANCELLED  # free its own time while looking for the new one
    booking.cancelled_at = now
    db.session.flush()
    only = old_practitioner if same_practitioner else None
    slot = _free_slot(booking.clinic, booking.service, new_start, only, now, prefer=old_practitioner, online=online)
    booking.status, booking.cancelled_at = BookingStatus.BOOKED, None
    booking.start_at, booking.end_at, booking.practitioner_id = slot.start, slot.end, slot.practitioner_id
    booking.blocked_until = slot.end + timedelta(minutes=booking.service.buffer_after_minutes)
    booking.sequence += 1
    _insert_or_conflict(booking, booking.clinic, booking.service, now, online)
    queue_booking_message(booking, "reschedule", previous_start=old_start)
    booking_moved.send(booking, now=now, previous_start=old_start, previous_practitioner_id=old_practitioner)
    return booking


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _clinic_service_and_team(clinic_id: int, service_slug: str) -> tuple[Clinic, Service, dict[int, Practitioner]]:
    """The open clinic and the active service it offers, in one statement, with the
    practitioners who offer it there (so the confirmation names the one booked without another
    read); which of clinic and service is wrong is worked out only when that fails."""
    offers = and_(
        Practitioner.active.is_(True),
        Practitioner.id.in_(select(practitioner_services.c.practitioner_id)
                            .where(practitioner_services.c.service_id == Service.id)),
        exists().where(WorkingHours.practitioner_id == Practitioner.id, WorkingHours.clinic_id == Clinic.id),
    )
    found = db.session.execute(
        select(Clinic, Service, Practitioner)
        .join(clinic_services, clinic_services.c.clinic_id == Clinic.id)
        .join(Service, Service.id == clinic_services.c.service_id)
        .outerjoin(Practitioner, offers)
        .where(Clinic.id == clinic_id, Clinic.status == ClinicStatus.OPEN, Service.slug == service_slug,
               Service.active.is_(True))
    ).all()
    if found:
        return found[0][0], found[0][1], {p.id: p for _, _, p in found if p is not None}
    clinic = db.session.get(Clinic, clinic_id)
    if clinic is None or clinic.status != ClinicStatus.OPEN:
        raise ValidationFailed("Choose a clinic that is open for bookings.", "clinic_id")
    raise ValidationFailed("This clinic does not offer that service.", "service")


def _free_slot(clinic, service, start, practitioner_id, now, prefer=None, online=True) -> Slot:
    """The free slot at exactly ``start``: the chosen practitioner's, or the preferred one's,
    or the first available. The day's free slots are computed once; why the time is refused
    (not a bookable time, or just taken) is worked out only when it is. Staff
    (``online=False``) may book without the patients' minimum notice."""
    policy = booking_policy() if online else staff_booking_policy()
    if start.tzinfo is None:
        raise ValidationFailed("Give the time with its UTC offset.", "start")
    if start <= now:
        raise ValidationFailed("That time has already passed.", "start")
    local_day = start.astimezone(_zone(clinic)).date()
    free = [slot for slot in free_slots(clinic, service, local_day, 1, now, practitioner_id, policy=policy)
            if slot.start == start]
    if not free:
        raise _refusal(clinic, service, start, practitioner_id, now, policy)
    return next((slot for slot in free if slot.practitioner_id == prefer), free[0])


def _refusal(clinic, service, start, practitioner_id, now, policy) -> ValidationFailed | SlotUnavailable:
    """Why ``start`` is not free: a practitioner who does not offer the service here, a time
    that is not on the clinic's grid of bookable times, or one that was just taken."""
    if practitioner_id is not None and not practitioners_offering(clinic, service, practitioner_id):
        return ValidationFailed("Choose a practitioner who offers this service at this clinic, or leave it out "
                                "for the first available.", "practitioner_id")
    local_day = start.astimezone(_zone(clinic)).date()
    grid = free_slots(clinic, service, local_day, 1, now, practitioner_id, ignore_bookings=True, policy=policy)
    if not any(slot.start == start for slot in grid):
        return ValidationFailed("That is not a bookable time at this clinic: choose one of the times offered.",
                                "start")
    return SlotUnavailable("Sorry, that time was just taken. Here are the next free times.",
                           _next_free(clinic, service, start, practitioner_id, now, policy=policy), _zone(clinic))


def _next_free(clinic, service, after: datetime, practitioner_id, now, count: int = 5, policy=None) -> list[Slot]:
    local_day = after.astimezone(_zone(clinic)).date()
    slots = free_slots(clinic, service, local_day, 14, now, practitioner_id, policy=policy)
    seen, result = set(), []
    for slot in slots:
        if slot.start >= after and slot.start not in seen:
            seen.add(slot.start)
            result.append(slot)
        if len(result) == count:
            break
    return result


DEADLOCK_DETECTED = "40P01"


def _insert_or_conflict(booking: Booking, clinic, service, now, online: bool = True) -> None:
    """Insert (or move) the booking; the database's constraint is the guard against a visit
    that overlaps another. When it refuses, the whole transaction is rolled back (nothing of
    the request is kept) and the next free times are read in a fresh one."""
    start, clinic_id, service_id = booking.start_at, clinic.id, service.id
    try:
        db.session.add(booking)
        db.session.flush()
    except (IntegrityError, OperationalError) as error:
        # PostgreSQL: two overlapping inserts can wait on each other in the exclusion constraint;
        # the deadlock detector then refuses one of them (40P01). That one lost the race.
        if isinstance(error, OperationalError) and getattr(error.orig, "sqlstate", None) != DEADLOCK_DETECTED:
            raise
        db.session.rollback()
        clinic, service = db.session.get(Clinic, clinic_id), db.session.get(Service, service_id)
        raise SlotUnavailable("Sorry, that time was just taken. Here are the next free times.",
                              _next_free(clinic, service, start, None, now,
                                         policy=booking_policy() if online else staff_booking_policy()),
                              _zone(clinic)) from None


def _check_patient_may_book(patient_id: int, service: Service, new_patient: bool, now: datetime,
                            known_patient: bool = True) -> None:
    """A new-patient service only for new patients; no more than MAX_FUTURE_BOOKINGS_PER_PATIENT
    upcoming visits (a record this booking has just created has none)."""
    if service.new_patients_only and not new_patient:
        raise ValidationFailed(f"{service.name} is for new patients. Choose a follow-up visit instead.", "service")
    if not known_patient:
        return
    upcoming = db.session.scalar(
        select(func.count()).select_from(Booking).where(
            Booking.patient_id == patient_id, Booking.status == BookingStatus.BOOKED, Booking.start_at > now
        )
    )
    limit = current_app.config["MAX_FUTURE_BOOKINGS_PER_PATIENT"]
    if upcoming >= limit:
        raise ValidationFailed(
            f"You already have {upcoming} upcoming visits, the most we hold at once. Cancel one, or call the clinic.",
            "email",
        )


def may_change_online(booking: Booking, now: datetime) -> bool:
    """A booked visit whose change window is still open (rules.change_window_open)."""
    return booking.status == BookingStatus.BOOKED and change_window_open(
        booking.start_at, now, current_app.config["CHANGE_NOTICE_HOURS"])


def _check_change_window(booking: Booking, now: datetime) -> None:
    if not may_change_online(booking, now):
        hours = current_app.config["CHANGE_NOTICE_HOURS"]
        phone = booking.clinic.phone or "the clinic"
        raise ChangeRefused(
            f"Your visit is less than {hours} hours away, so it can't be changed online. Please call {phone}."
        )


def _new_reference() -> str:
    """A short code to quote on the phone: no 0/O or 1/I to misread."""
    return "".join(secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(8))


def _zone(clinic: Clinic) -> ZoneInfo:
    return ZoneInfo(clinic.timezone)
