"""Patient records. Flush, never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from clinic_app.accounts.rules import normalise_email
from clinic_app.extensions import db
from clinic_app.patients.models import Patient


@dataclass(frozen=True)
class PatientDetails:
    first_name: str
    last_name: str
    email: str
    phone: str
    date_of_birth: date


def match_or_create_patient(details: PatientDetails, user_id: int | None = None) -> Patient:
    """The patient with this e-mail and date of birth, or a new one. Names and phone are
    updated to what was just typed: people fix typos and change numbers."""
    email = normalise_email(details.email)
    patient = _find_patient(email, details.date_of_birth)
    if patient is None:
        patient = _create_patient(email, details.date_of_birth)
    patient.first_name = details.first_name.strip()
    patient.last_name = details.last_name.strip()
    patient.phone = details.phone.strip()
    if user_id is not None and patient.user_id is None:
        patient.user_id = user_id
    db.session.flush()
    return patient


def _find_patient(email: str, date_of_birth: date) -> Patient | None:
    return db.session.scalar(select(Patient).where(Patient.email == email, Patient.date_of_birth == date_of_birth))


def _create_patient(email: str, date_of_birth: date) -> Patient:
    """A new record; when a simultaneous request created the same person first (two tabs,
    a double click), theirs is used."""
    try:
        with db.session.begin_nested():
            patient = Patient(email=email, date_of_birth=date_of_birth, first_name="", last_name="")
            db.session.add(patient)
        return patient
    except IntegrityError:
        raced = _find_patient(email, date_of_birth)
        if raced is None:
            raise  # not the simultaneous creation this handles
        return raced
