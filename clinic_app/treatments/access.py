"""Which patients' records a member of staff may open (the rule itself is in accounts.policy)."""

from __future__ import annotations

from flask import abort
from sqlalchemy import select

from clinic_app.accounts.models import User
from clinic_app.accounts.policy import can_see_patient_record
from clinic_app.extensions import db
from clinic_app.patients.models import Patient
from clinic_app.scheduling.models import Booking


def clinics_of_patient(patient_id: int) -> set[int]:
    """The clinics where the patient has ever had a booking."""
    return set(db.session.scalars(select(Booking.clinic_id).where(Booking.patient_id == patient_id).distinct()))


def patient_for(user: User, patient_id: int) -> Patient:
    """The patient, when ``user`` may see their record; 404 otherwise, so that staff cannot
    learn who is a patient elsewhere."""
    patient = db.session.get(Patient, patient_id)
    if patient is None or not can_see_patient_record(user, clinics_of_patient(patient_id)):
        abort(404)
    return patient
