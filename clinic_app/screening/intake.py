"""The patient's intake questionnaire (red-flag questions and STarT Back) before the first
visit, opened by a signed no-login link that names the intake visit (like the programme link,
the link is the key; it expires after INTAKE_LINK_DAYS and is answered once). Its answers wait
for the practitioner's confirmation; an emergency alerts the clinic at once. Flush, never commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from clinic_app.accounts.signed_links import LinkProblem, read_token, sign_token
from clinic_app.audit.service import Actor, record_event
from clinic_app.errors import Conflict
from clinic_app.extensions import db
from clinic_app.notifications.links import public_url
from clinic_app.notifications.service import queue_email
from clinic_app.patients.models import Patient
from clinic_app.scheduling.models import Booking, BookingStatus
from clinic_app.screening.models import RedFlagScreen
from clinic_app.screening.service import intake_visit, record_patient_screen
from clinic_app.screening.startback import record_startback_by_patient
from clinic_app.treatments.access import record_scope, recording_clinic

SALT = "intake-questionnaire"
INTAKE_LINK_DAYS = 30


def intake_url(booking: Booking) -> str:
    return public_url("portal.intake", token=sign_token(SALT, {"b": booking.id}))


def booking_for_token(token: str) -> Booking | LinkProblem:
    """The visit the link was made for; INVALID when it is forged or the visit was cancelled."""
    claims = read_token(SALT, token, INTAKE_LINK_DAYS * 86400)
    if isinstance(claims, LinkProblem):
        return claims
    booking = db.session.get(Booking, claims.get("b")) if isinstance(claims.get("b"), int) else None
    if booking is None or booking.status == BookingStatus.CANCELLED:
        return LinkProblem.INVALID
    return booking


def already_answered(booking: Booking) -> bool:
    return db.session.scalar(select(RedFlagScreen.id).where(
        RedFlagScreen.booking_id == booking.id, RedFlagScreen.source == "patient").limit(1)) is not None


def record_intake(booking: Booking, findings: Sequence[str], startback_answers: Sequence[int],
                  now: datetime) -> RedFlagScreen:
    """Both questionnaires, once per visit."""
    if already_answered(booking):
        raise Conflict("Thank you: your answers for this visit have already reached the clinic.")
    record_startback_by_patient(booking, startback_answers, now)
    return record_patient_screen(booking, findings, now)


def send_intake_link(actor: Actor, patient: Patient, now: datetime) -> Booking:
    """E-mail the patient the questionnaire for their intake visit at the actor's clinic."""
    record_scope(actor.user, patient)
    booking = intake_visit(patient.id, recording_clinic(actor.user, patient.id, now))
    if booking is None:
        raise Conflict("This patient has no visit at your clinics to attach the questionnaire to.")
    queue_email(patient.email, "Before your first visit: a few questions from Back Solution",
                "emails/intake_questionnaire.txt", idempotency_key=f"intake:{booking.id}:{now.isoformat()}",
                patient=patient, clinic=booking.clinic, link=intake_url(booking), days=INTAKE_LINK_DAYS)
    record_event(actor, patient.id, "send_intake_questionnaire", booking, now)
    return booking
