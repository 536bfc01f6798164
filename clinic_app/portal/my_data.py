""""Download my data": everything the clinics hold about a patient account, as plain data.

The patient reading their own record is not a staff access, so it is not written to the
staff audit trail. Draft notes are the practitioner's unfinished work and are left out;
signed notes, with their addenda, are the record. Times are UTC, in ISO 8601; the day a
visit's pain score is dated is the day at the clinic.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from clinic_app.accounts.models import User
from clinic_app.adherence.models import ExerciseCheckIn
from clinic_app.clinics.rules import local_date
from clinic_app.extensions import db
from clinic_app.patients.models import Patient
from clinic_app.scheduling.models import Booking
from clinic_app.treatments.models import (
    Exercise,
    NoteStatus,
    OdiResponse,
    Programme,
    ProgrammeExercise,
    TreatmentNote,
)

EXPORT_FORMAT = "back-solution-patient-data/1"


def export_account_data(user: User, now: datetime) -> dict:
    """The account and, for each patient record joined to it, that record's visits, signed
    treatment notes, pain scores, questionnaires, exercise programmes and check-ins."""
    patients = db.session.scalars(select(Patient).where(Patient.user_id == user.id).order_by(Patient.id))
    return {
        "format": EXPORT_FORMAT,
        "exported_at": _iso(now),
        "account": _account(user),
        "patient_records": [_patient_record(patient) for patient in patients],
    }


def _account(user: User) -> dict:
    return {
        "email": user.email,
        "email_confirmed_at": _iso(user.email_verified_at),
        "full_name": user.full_name,
        "phone": user.phone,
        "date_of_birth": _iso(user.date_of_birth),
        "created_at": _iso(user.created_at),
        "last_login_at": _iso(user.last_login_at),
        "contact_preferences": {"visit_reminder_emails": user.visit_reminder_emails},
    }


def _patient_record(patient: Patient) -> dict:
    notes = _signed_notes(patient.id)
    check_ins = _check_ins(patient.id)
    exercise_names = _exercise_names(check_ins)
    return {
        "first_name": patient.first_name,
        "last_name": patient.last_name,
        "email": patient.email,
        "phone": patient.phone,
        "date_of_birth": _iso(patient.date_of_birth),
        "visits": [_visit(booking) for booking in _bookings(patient.id)],
        "treatment_notes": [_note(note) for note in notes],
        "pain_scores": _pain_scores(notes, check_ins),
        "questionnaires": [_questionnaire(odi) for odi in _questionnaires(patient.id)],
        "programmes": [_programme(programme) for programme in _programmes(patient.id)],
        "check_ins": [_check_in(entry, exercise_names) for entry in check_ins],
    }


def _records_of(patient_id: int, model, order_by, *loads, where=()) -> list:
    """The patient's rows of ``model`` (those ``where`` also selects) in ``order_by`` order,
    with the relationships in ``loads`` read in the same round trip."""
    query = select(model).where(model.patient_id == patient_id, *where).options(*loads).order_by(order_by)
    return list(db.session.scalars(query))


def _bookings(patient_id: int) -> list[Booking]:
    loads = (selectinload(Booking.clinic), selectinload(Booking.service), selectinload(Booking.practitioner))
    return _records_of(patient_id, Booking, Booking.start_at, *loads)


def _visit(booking: Booking) -> dict:
    return {
        "reference": booking.reference,
        "clinic": booking.clinic.name,
        "service": booking.service.name,
        "practitioner": booking.practitioner.display_name,
        "start_at": _iso(booking.start_at),
        "end_at": _iso(booking.end_at),
        "status": booking.status,
        "pain_area": booking.pain_area,
        "booked_at": _iso(booking.created_at),
        "cancelled_at": _iso(booking.cancelled_at),
        "cancellation_reason": booking.cancellation_reason,
    }


def _signed_notes(patient_id: int) -> list[TreatmentNote]:
    loads = (selectinload(TreatmentNote.booking).selectinload(Booking.clinic), selectinload(TreatmentNote.addenda))
    signed = (TreatmentNote.status == NoteStatus.SIGNED,)
    return _records_of(patient_id, TreatmentNote, TreatmentNote.signed_at, *loads, where=signed)


def _note(note: TreatmentNote) -> dict:
    return {
        "visit_reference": note.booking.reference,
        "signed_at": _iso(note.signed_at),
        "body_region": note.body_region,
        "subjective": note.subjective,
        "objective": note.objective,
        "assessment": note.assessment,
        "plan": note.plan,
        "techniques": list(note.techniques or []),
        "pain_before": note.pain_before,
        "pain_after": note.pain_after,
        "addenda": [{"added_at": _iso(a.created_at), "reason": a.reason, "text": a.body} for a in note.addenda],
    }


def _pain_scores(notes: list[TreatmentNote], check_ins: list[ExerciseCheckIn]) -> list[dict]:
    """Every 0-10 pain score on record, oldest first: at visits (before and after treatment),
    dated the day of the visit where the clinic is, and in the daily check-ins."""
    scores = [
        {"on": _iso(_visit_day(note.booking)), "source": source, "score": score}
        for note in notes
        for source, score in (("visit, before treatment", note.pain_before),
                              ("visit, after treatment", note.pain_after))
        if score is not None
    ]
    scores += [{"on": _iso(entry.on_date), "source": "daily check-in", "score": entry.pain} for entry in check_ins]
    return sorted(scores, key=lambda score: score["on"])


def _visit_day(booking: Booking) -> date:
    return local_date(booking.clinic.timezone, booking.start_at)


def _questionnaires(patient_id: int) -> list[OdiResponse]:
    return _records_of(patient_id, OdiResponse, OdiResponse.taken_at)


def _questionnaire(odi: OdiResponse) -> dict:
    return {
        "questionnaire": "Oswestry Disability Index",
        "timepoint": odi.timepoint,
        "taken_at": _iso(odi.taken_at),
        "answers": list(odi.answers),
        "score_percent": odi.score,
    }


def _programmes(patient_id: int) -> list[Programme]:
    exercises = selectinload(Programme.items).selectinload(ProgrammeExercise.exercise)
    loads = (selectinload(Programme.practitioner), exercises)
    return _records_of(patient_id, Programme, Programme.created_at, *loads)


def _programme(programme: Programme) -> dict:
    return {
        "version": programme.version,
        "prescribed_by": programme.practitioner.display_name,
        "created_at": _iso(programme.created_at),
        "replaced_at": _iso(programme.replaced_at),
        "notes": programme.notes,
        "exercises": [
            {"exercise": item.exercise.name, "sets": item.sets, "reps": item.reps,
             "hold_seconds": item.hold_seconds, "times_per_day": item.times_per_day, "notes": item.notes}
            for item in programme.items
        ],
    }


def _check_ins(patient_id: int) -> list[ExerciseCheckIn]:
    return _records_of(patient_id, ExerciseCheckIn, ExerciseCheckIn.on_date, selectinload(ExerciseCheckIn.exercises))


def _exercise_names(check_ins: list[ExerciseCheckIn]) -> dict[int, str]:
    ids = {item.exercise_id for entry in check_ins for item in entry.exercises}
    if not ids:
        return {}
    rows = db.session.execute(select(Exercise.id, Exercise.name).where(Exercise.id.in_(ids)))
    return {row.id: row.name for row in rows}


def _check_in(entry: ExerciseCheckIn, exercise_names: dict[int, str]) -> dict:
    return {
        "on": _iso(entry.on_date),
        "pain": entry.pain,
        "feeling": entry.feeling,
        "exercises": [
            {"exercise": exercise_names.get(item.exercise_id, ""), "sets_done": item.sets_done}
            for item in entry.exercises
        ],
    }


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
