"""Patient records. Flush, never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from clinic_app.accounts.rules import normalise_email
from clinic_app.clock import utcnow
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
    created: bool = False  # the record was made by this call


def match_or_create_patient(details: PatientDetails, user_id: int | None = None) -> PatientMatch:
    """The patient with this e-mail and date of birth, or a new one with these details.

    An existing record's names and phone are never changed here: a booking (online, through
    the API, or at the desk) proves only that someone knew an e-mail address and a date of
    birth. What was typed differently comes back as ``differences``, kept on the booking for
    the desk to confirm with the patient (accept_identity_details)."""
    email = normalise_email(details.email)
    given = {name: getattr(details, name).strip() for name in IDENTITY_FIELDS}
    patient = _create_patient(email, details.date_of_birth, given, user_id)
    created = patient is not None
    patient = patient or _find_patient(email, details.date_of_birth)
    if patient is None:
        raise LookupError("a patient record that refused a duplicate cannot be found")
    differences = identity_differences(_identity(patient), given)
    if user_id is not None and patient.user_id is None:
        patient.user_id = user_id
        db.session.flush()
    return PatientMatch(patient, differences, created)


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


def _create_patient(email: str, date_of_birth: date, identity: dict[str, str], user_id: int | None) -> Patient | None:
    """A new record, or None when one with this e-mail and date of birth exists (made earlier,
    or by a simultaneous request: two tabs, a double click; PostgreSQL waits for that one to
    commit). One INSERT ... ON CONFLICT DO NOTHING: no look-up first, no savepoint."""
    insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(Patient)
        .values(email=email, date_of_birth=date_of_birth, user_id=user_id, created_at=utcnow(), **identity)
        .on_conflict_do_nothing(index_elements=["email", "date_of_birth"])
        .returning(Patient)
    )
    return db.session.scalars(statement).first()
