"""What a signed-in patient need not type again when booking: the details of the patient
record their account holds (the latest one), whether they have been seen before, and the
consent they gave when that record was made."""

from __future__ import annotations

from sqlalchemy import exists, select

from clinic_app.extensions import db
from clinic_app.patients.models import Patient
from clinic_app.scheduling.models import ATTENDED, Booking


def details_on_record(user_id: int) -> dict:
    """The booking form's fields filled from the account's latest patient record; {} when the
    account has none yet. "Returning" once a visit of theirs was attended."""
    patient = db.session.scalar(select(Patient).where(Patient.user_id == user_id).order_by(Patient.id.desc()))
    if patient is None:
        return {}
    attended = db.session.scalar(select(exists().where(
        Booking.patient_id.in_(select(Patient.id).where(Patient.user_id == user_id)),
        Booking.status.in_([str(status) for status in ATTENDED]))))
    return {
        "first_name": patient.first_name, "last_name": patient.last_name, "phone": patient.phone,
        "date_of_birth": patient.date_of_birth, "new_patient": "returning" if attended else "new",
        "consent": True,  # given when the record was made, and still on it
    }
