"""Home exercise programmes: a practitioner prescribes exercises with a dosage; changing the
programme makes a new version and keeps the old. The patient gets a link by e-mail (its token
stored only as a hash) to a printable page. Each version is a record of the clinic where it was
prescribed, shown to other clinics' staff as accounts.policy.can_see_clinic_record says.
Flush, never commit."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from clinic_app.audit.service import Actor, record_cross_clinic_reads, record_event
from clinic_app.errors import NotAllowed, ValidationFailed
from clinic_app.extensions import db
from clinic_app.notifications.links import public_url
from clinic_app.notifications.service import queue_email
from clinic_app.patients.models import Patient
from clinic_app.scheduling.models import Practitioner
from clinic_app.treatments.access import record_scope, recording_clinic
from clinic_app.treatments.models import Exercise, Programme, ProgrammeExercise

MAX_EXERCISES = 12
DOSAGE_LIMITS = {"sets": (1, 20), "reps": (1, 100), "hold_seconds": (0, 600), "times_per_day": (1, 10),
                 "minutes": (0, 180)}


@dataclass(frozen=True)
class Dose:
    exercise_id: int
    sets: int
    reps: int
    hold_seconds: int = 0
    times_per_day: int = 1
    notes: str = ""
    minutes: int = 0  # a timed exercise; 0 when counted in sets of reps


def exercise_library(active_only: bool = True) -> list[Exercise]:
    query = select(Exercise).order_by(Exercise.category, Exercise.name)
    if active_only:
        query = query.where(Exercise.active.is_(True))
    return list(db.session.scalars(query))


def current_programme(patient_id: int) -> Programme | None:
    return db.session.scalar(
        select(Programme)
        .where(Programme.patient_id == patient_id, Programme.replaced_at.is_(None))
        .options(selectinload(Programme.items).selectinload(ProgrammeExercise.exercise))
    )


def programme_history(patient_id: int) -> list[Programme]:
    """Every version, newest first."""
    return list(
        db.session.scalars(
            select(Programme)
            .where(Programme.patient_id == patient_id)
            .options(selectinload(Programme.items).selectinload(ProgrammeExercise.exercise),
                     selectinload(Programme.clinic))
            .order_by(Programme.version.desc())
        )
    )


@dataclass(frozen=True)
class ProgrammesShown:
    current: Programme | None  # None also when the current one is another clinic's, not shown
    history: list[Programme]  # newest first


def open_programmes(actor: Actor, patient: Patient, now: datetime) -> ProgrammesShown:
    """The versions ``actor`` may see; the read is audited, a read across clinics flagged."""
    scope = record_scope(actor.user, patient)
    history = [programme for programme in programme_history(patient.id) if scope.shows(programme.clinic_id)]
    record_event(actor, patient.id, "view_programme", None, now)
    others = scope.other_clinics({programme.clinic_id for programme in history})
    record_cross_clinic_reads(actor, patient.id, {p.clinic for p in history if p.clinic_id in others}, now)
    return ProgrammesShown(next((p for p in history if p.replaced_at is None), None), history)


def prescribe_programme(actor: Actor, patient: Patient, practitioner: Practitioner, doses: list[Dose],
                        notes: str, now: datetime) -> tuple[Programme, str]:
    """A new version of the patient's programme replacing the current one; e-mails the patient
    a link. Returns the programme and the link's token (shown once). A current programme the
    prescriber may not see (another clinic's) is never replaced unseen."""
    _check_doses(doses)
    scope = record_scope(actor.user, patient)
    previous = current_programme(patient.id)
    if previous is not None and not scope.shows(previous.clinic_id):
        raise NotAllowed("This patient follows a programme from another clinic. It can be changed here once the "
                         "patient has checked in for a visit at one of your clinics.", "exercises")
    if previous is not None:
        previous.replaced_at = now
        db.session.flush()  # the partial unique index allows one current version
    latest = db.session.scalar(select(func.max(Programme.version)).where(Programme.patient_id == patient.id))
    version = (latest or 0) + 1
    token = secrets.token_urlsafe(32)
    programme = Programme(
        patient_id=patient.id, practitioner_id=practitioner.id, version=version, created_at=now,
        clinic_id=recording_clinic(actor.user, patient.id, now),
        notes=notes.strip(), access_token_hash=_hash(token),
        items=[ProgrammeExercise(position=i, **dose.__dict__) for i, dose in enumerate(doses)],
    )
    db.session.add(programme)
    db.session.flush()
    record_event(actor, patient.id, "prescribe_programme", programme, now)
    queue_email(
        patient.email,
        "Your home exercise programme from Back Solution",
        "emails/programme.txt",
        html_template="emails/programme.html",
        idempotency_key=f"programme:{programme.id}",
        patient=patient,
        practitioner=practitioner,
        programme_url=public_url("portal.programme_by_link", token=token),
    )
    return programme, token


def programme_for_token(token: str) -> Programme | None:
    """The version the link was sent for (the patient's page says when a newer one exists)."""
    return db.session.scalar(
        select(Programme)
        .where(Programme.access_token_hash == _hash(token))
        .options(selectinload(Programme.items).selectinload(ProgrammeExercise.exercise))
    )


def _check_doses(doses: list[Dose]) -> None:
    if not doses:
        raise ValidationFailed("Choose at least one exercise.", "exercises")
    if len(doses) > MAX_EXERCISES:
        raise ValidationFailed(f"A home programme holds at most {MAX_EXERCISES} exercises.", "exercises")
    ids = [dose.exercise_id for dose in doses]
    if len(set(ids)) != len(ids):
        raise ValidationFailed("Each exercise appears once; change its dosage instead.", "exercises")
    known = set(db.session.scalars(select(Exercise.id).where(Exercise.id.in_(ids), Exercise.active.is_(True))))
    if known != set(ids):
        raise ValidationFailed("Choose exercises from the library.", "exercises")
    for dose in doses:
        for name, (low, high) in DOSAGE_LIMITS.items():
            if not low <= getattr(dose, name) <= high:
                raise ValidationFailed(f"{name.replace('_', ' ').capitalize()} must be from {low} to {high}.", name)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
