"""POST Appointment: a partner books a visit in a free Slot for a patient, through the same
booking service as the /book pages and the JSON API (clinic_app.scheduling.booking), so every
rule holds here too: the time must still be free (409 otherwise), the patient's limit on
upcoming visits, new-patient-only services.

The patient is either one already shared with the client (``Patient/<id>``) or described in a
contained Patient (family and given name, birthDate, an e-mail; a phone if known), matched or
created by e-mail and date of birth as on the booking pages."""

from __future__ import annotations

from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from fhir.resources.R4B.appointment import Appointment
from flask import current_app
from pydantic import ValidationError
from sqlalchemy import select

from clinic_app.accounts.rules import normalise_email
from clinic_app.audit.service import record_system_event
from clinic_app.extensions import db
from clinic_app.fhir.directory import free_time_by_id
from clinic_app.fhir.ids import decode_record_id
from clinic_app.fhir.partners import share_patient
from clinic_app.fhir.records import Reader, readable_patients, refuse
from clinic_app.fhir.responses import FhirError
from clinic_app.patients.models import Patient
from clinic_app.patients.service import PatientDetails
from clinic_app.scheduling.booking import BookingRequest, book_appointment
from clinic_app.scheduling.models import Booking

CREATED = "fhir_create"


def parse_appointment(body: object) -> Appointment:
    """The request body as an R4 Appointment; 400 naming what is wrong when it is not one."""
    if not isinstance(body, dict) or body.get("resourceType") != "Appointment":
        raise FhirError(400, "Send an Appointment resource as application/fhir+json.")
    try:
        return Appointment.model_validate(body)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()[:5])
        raise FhirError(400, f"Not a valid Appointment: {problems}") from None


def book_from_appointment(reader: Reader, appointment: Appointment) -> Booking:
    """Book the visit the Appointment proposes, share its patient with the client, audit it."""
    if appointment.status != "proposed":
        raise FhirError(422, "A new Appointment has status proposed; the answer says booked.")
    free, _ = _slot(appointment, reader.now)
    patient_details, known_patient = _patient(reader, appointment)
    _check_within_horizon(free.slot.start, reader.now)
    request = BookingRequest(
        clinic_id=free.clinic.id, service_slug=free.service.slug, start=free.slot.start, patient=patient_details,
        practitioner_id=free.practitioner.id, new_patient=known_patient is None or free.service.new_patients_only,
        pain_area=(appointment.comment or appointment.description or "")[:200], source="fhir")
    existed = known_patient is not None or _existing_patient(patient_details) is not None
    booking, _ = book_appointment(request, reader.now)
    assert reader.client is not None
    if not existed:  # a patient the partner referred: their record starts with this booking
        share_patient(reader.client, booking.patient_id, "booked", reader.now)
    record_system_event(reader.audit_role, reader.ip_address, booking.patient_id, CREATED, "Appointment", booking.id,
                        reader.now)
    return booking


def _slot(appointment: Appointment, now: datetime):
    references = [slot.reference or "" for slot in appointment.slot or []]
    if len(references) != 1 or not references[0].startswith("Slot/"):
        raise FhirError(422, "Name exactly one free Slot: slot: [{reference: Slot/<id>}].")
    found = free_time_by_id(references[0].removeprefix("Slot/"), now)
    if found is None:
        raise FhirError(422, "No Slot has this id.")
    return found


def _patient(reader: Reader, appointment: Appointment) -> tuple[PatientDetails, Patient | None]:
    actors = [p.actor.reference for p in appointment.participant if p.actor and p.actor.reference]
    contained = {c.id: c for c in appointment.contained or [] if c.get_resource_type() == "Patient"}
    for reference in actors:
        if reference.startswith("#") and reference[1:] in contained:
            return _details_from(contained[reference[1:]]), None
        if reference.startswith("Patient/"):
            return _shared_patient(reader, reference.removeprefix("Patient/"))
    raise FhirError(422, "Name the patient: a participant Patient/<id> shared with you, or #<id> of a contained "
                         "Patient.")


def _shared_patient(reader: Reader, opaque: str) -> tuple[PatientDetails, Patient]:
    patient_id = decode_record_id("Patient", opaque)
    patient = db.session.get(Patient, patient_id) if patient_id else None
    if patient is None:
        raise FhirError(422, "No Patient has this id.")
    if patient.id not in readable_patients(reader):
        refuse(reader, patient.id, "Appointment", "This patient's record is not shared with your client.")
    return PatientDetails(patient.first_name, patient.last_name, patient.email, patient.phone,
                          patient.date_of_birth), patient


def _details_from(patient) -> PatientDetails:
    name = (patient.name or [None])[0]
    telecom = {t.system: t.value for t in patient.telecom or [] if t.value}
    if name is None or not name.family or not name.given or patient.birthDate is None or "email" not in telecom:
        raise FhirError(422, "The contained Patient needs a family and a given name, a birthDate and an e-mail.")
    try:
        validate_email(telecom["email"], check_deliverability=False)
    except EmailNotValidError:
        raise FhirError(422, "The contained Patient's e-mail is not an e-mail address.") from None
    return PatientDetails(name.given[0][:80], name.family[:80], telecom["email"][:254], telecom.get("phone", "")[:20],
                          patient.birthDate)


def _existing_patient(details: PatientDetails) -> Patient | None:
    """Knowing an e-mail and a date of birth books a visit but shows no record: a partner who
    books for a patient the clinics already know is not given that patient's record (an admin
    shares it, on the patient's say-so)."""
    return db.session.scalar(select(Patient).where(Patient.email == normalise_email(details.email),
                                                   Patient.date_of_birth == details.date_of_birth))


def _check_within_horizon(start: datetime, now: datetime) -> None:
    if start > now + timedelta(days=current_app.config["BOOKING_HORIZON_DAYS"] + 2):
        raise FhirError(422, "That time is further ahead than we take bookings.")
