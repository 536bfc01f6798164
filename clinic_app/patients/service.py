"""Patient records. Flush, never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from clinic_app.accounts.rules import normalise_email
from clinic_app.extensions import db
from clinic_app.patients.models import Patient
from clinic_app.patients.rules import IDENTITY_FIELDS, identity_differences


@dataclass(frozen=True)
class PatientDetails:
    first_name: str
    last_name: str
    email: str
    phone: str
    date_of_birth: date


@dataclass(frozen=True)
class PatientMatch:
    patient: Patient
    # Identity details given that differ from an existing record (rules.identity_differences).
    differences: dict[str, str]
    created: bool = False  # the record is new: these details made it


def match_or_create_patient(details: PatientDetails, user_id: int | None = None) -> PatientMatch:
    """The patient with this e-mail and date of birth, or a new one with these details.

    An existing record's names and phone are never changed here: a booking (online, through
    the API, or at the desk) proves only that someone knew an e-mail address and a date of
    birth. What was typed differently comes back as ``differences``, kept on the booking for
    the desk to confirm with the patient (accept_identity_details)."""
    email = normalise_email(details.email)
    given = {name: getattr(details, name).strip() for name in IDENTITY_FIELDS}
    found = _find_patient(email, details.date_of_birth)
    patient = found or _create_patient(email, details.date_of_birth, given)
    differences = identity_differences(_identity(patient), given)
    if user_id is not None and patient.user_id is None:
        patient.user_id = user_id
    db.session.flush()
    return PatientMatch(patient, differences, created=found is None)


def accept_identity_details(patient: Patient, details: dict[str, str]) -> None:
    """Write confirmed identity details (first_name, last_name, phone) into the record."""
    for name, value in details.items():
        if name in IDENTITY_FIELDS:
            setattr(patient, name, value)
    db.session.flush()


def _identity(patient: Patient) -> dict[str, str]:
    return {name: getattr(patient, name) for name in IDENTITY_FIELDS}


def _find_patient(email: str, date_of_birth: date) -> Patient | None:
    return db.session.scalar(select(Patient).where(Patient.email == email, Patient.date_of_birth == date_of_birth))


def _create_patient(email: str, date_of_birth: date, identity: dict[str, str]) -> Patient:
    """A new record; when a simultaneous request created the same person first (two tabs,
    a double click), theirs is used, as it stands."""
    try:
        with db.session.begin_nested():
            patient = Patient(email=email, date_of_birth=date_of_birth, **identity)
            db.session.add(patient)
        return patient
    except IntegrityError:
        raced = _find_patient(email, date_of_birth)
        if raced is None:
            raise  # not the simultaneous creation this handles
        return raced
