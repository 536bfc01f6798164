"""What staff do from the early-warning lists: nudge a patient at risk (an e-mail with a
rebooking link and the way back to their programme) and acknowledge an alert. Each is audited.
Flush, never commit."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from clinic_app.adherence.early_warning import NUDGE_INTERVAL, InCare, last_nudges
from clinic_app.adherence.models import AdherenceNudge, CheckInAlertAcknowledgement, ExerciseCheckIn
from clinic_app.adherence.reminders import check_in_link
from clinic_app.adherence.stop_questions import question_for_patient, question_url
from clinic_app.audit.service import Actor, record_event
from clinic_app.clinics.models import Clinic
from clinic_app.errors import Conflict
from clinic_app.extensions import db
from clinic_app.notifications.links import public_url
from clinic_app.notifications.service import queue_email
from clinic_app.notifications.texts import queue_text
from clinic_app.patients.models import Patient
from clinic_app.patients.texting import texting_number
from clinic_app.scheduling.models import Practitioner, Service


class NudgeTooSoon(Conflict):
    """The patient was nudged less than NUDGE_INTERVAL ago: one e-mail a day is enough."""


def nudge_patient(actor: Actor, care: InCare, now: datetime) -> AdherenceNudge:
    """Record a nudge and queue its e-mail to the patient's address on record, unless they were
    nudged in the last 24 hours. The rebooking link opens the public booking pages at the
    clinic and with the practitioner of the patient's latest visit. The caller serialises
    (begin_serialised_transaction); on PostgreSQL the patient's row is locked here, so two
    clicks at once send one e-mail."""
    patient = db.session.execute(select(Patient).where(Patient.id == care.patient.id).with_for_update()).scalar_one()
    last = last_nudges([patient.id]).get(patient.id)
    if last is not None and now - last < NUDGE_INTERVAL:
        again = (last + NUDGE_INTERVAL).astimezone(ZoneInfo(care.zone))
        raise NudgeTooSoon(f"{patient.full_name} was nudged less than a day ago; no second e-mail was sent. "
                           f"You can nudge again after {again.strftime('%-d %b, %-I:%M %p')}.")
    visit = care.latest_visit
    clinic = db.session.get_one(Clinic, visit.clinic_id)
    practitioner = db.session.get_one(Practitioner, visit.practitioner_id)
    nudge = AdherenceNudge(patient_id=patient.id, clinic_id=clinic.id, sent_by_id=actor.user.id, sent_at=now)
    db.session.add(nudge)
    db.session.flush()
    record_event(actor, patient.id, "nudge_patient", nudge, now)
    rebooking = rebooking_url(clinic, practitioner, db.session.get_one(Service, visit.service_id))
    queue_email(
        patient.email,
        "How are your exercises going?",
        "emails/adherence_nudge.txt",
        html_template="emails/adherence_nudge.html",
        idempotency_key=f"adherence-nudge:{nudge.id}",
        patient=patient,
        practitioner=practitioner,
        clinic=clinic,
        rebooking_url=rebooking,
        programme_url=check_in_link(patient.id, now),  # no sign-in needed
        stop_question_url=_stop_question_url(patient.id, now),
    )
    _text_nudge(patient.id, clinic, nudge, rebooking, now)
    return nudge


def _text_nudge(patient_id: int, clinic: Clinic, nudge: AdherenceNudge, rebooking: str, now: datetime) -> None:
    """The nudge by text too, for a patient who agreed to texts: the clinic's name and the
    booking link only (no word of exercises or pain: a text is read on a lock screen)."""
    phone = texting_number(patient_id)
    if phone is not None:
        text = (f"{clinic.name}: we'd like to hear how you are getting on. Book a visit: {rebooking} "
                "Reply STOP to opt out.")
        queue_text(phone, text, f"adherence-nudge-text:{nudge.id}", clinic.timezone, now)


def _stop_question_url(patient_id: int, now: datetime) -> str:
    """The no-login "why did you stop?" link of the patient's course ("" without a course)."""
    question = question_for_patient(patient_id, now)
    return question_url(question) if question is not None else ""


def rebooking_url(clinic: Clinic, practitioner: Practitioner, last_service: Service) -> str:
    """The booking page for a follow-up with this practitioner at this clinic: the service of
    the last visit, or (when that was for new patients only, or is withdrawn) another they offer
    there. Without one, the clinic's list of services."""
    offered = [s for s in practitioner.services if s.active and any(c.id == clinic.id for c in s.clinics)]
    follow_ups = [s for s in offered if not s.new_patients_only]
    service = last_service if last_service in follow_ups else next(iter(follow_ups), None)
    if service is None:
        return public_url("booking.services", clinic=clinic.slug)
    return public_url("booking.times", clinic=clinic.slug, service=service.slug, practitioner=practitioner.id)


def acknowledge_alert(actor: Actor, check_in: ExerciseCheckIn, now: datetime,
                      action_taken: str = "") -> CheckInAlertAcknowledgement:
    """Mark the alert raised by this check-in, as it is now, as seen, with what the clinician
    did about it: it leaves the dashboard until the patient checks in again (or changes this
    entry); a pain of 9 or more stays until acknowledged, whatever came after. Acknowledging it
    again, or twice at once, keeps the one acknowledgement (with the latest who, when and what)."""
    seen = _acknowledgement(check_in) or _first_acknowledgement(check_in, now)
    seen.entry_updated_at = check_in.updated_at
    seen.acknowledged_by_id = actor.user.id
    seen.acknowledged_at = now
    seen.action_taken = action_taken.strip()
    db.session.flush()
    record_event(actor, check_in.patient_id, "acknowledge_alert", check_in, now)
    return seen


def _acknowledgement(check_in: ExerciseCheckIn) -> CheckInAlertAcknowledgement | None:
    return db.session.scalar(
        select(CheckInAlertAcknowledgement).where(CheckInAlertAcknowledgement.check_in_id == check_in.id)
    )


def _first_acknowledgement(check_in: ExerciseCheckIn, now: datetime) -> CheckInAlertAcknowledgement:
    """A new acknowledgement; when a simultaneous click inserted it first (the unique
    check_in_id refuses the second), theirs is used: the alert is already acknowledged."""
    seen = CheckInAlertAcknowledgement(check_in_id=check_in.id, entry_updated_at=check_in.updated_at,
                                       acknowledged_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(seen)
    except IntegrityError:
        raced = _acknowledgement(check_in)
        if raced is None:
            raise  # not the simultaneous acknowledgement this handles
        return raced
    return seen
