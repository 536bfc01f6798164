"""The home exercise programme builder: pick exercises from the library with a dosage for
this patient; saving makes a new version (the old ones stay in the history) and e-mails the
patient the link."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from clinic_app.accounts.policy import area_required
from clinic_app.clock import utcnow
from clinic_app.errors import DomainError
from clinic_app.extensions import db
from clinic_app.ids import parse_id
from clinic_app.patients.models import Patient
from clinic_app.practice import bp
from clinic_app.practice.pages import staff_actor
from clinic_app.practice.records import reject
from clinic_app.practice.records_forms import ProgrammeForm
from clinic_app.scheduling.models import Practitioner
from clinic_app.treatments.access import patient_for
from clinic_app.treatments.models import Programme
from clinic_app.treatments.programmes import (
    MAX_EXERCISES,
    Dose,
    ProgrammesShown,
    exercise_library,
    open_programmes,
    prescribe_programme,
)


@bp.get("/patients/<int:patient_id>/programme")
@area_required("practice")
def programme(patient_id: int):
    patient = patient_for(current_user, patient_id)
    shown = open_programmes(staff_actor(), patient, utcnow())
    db.session.commit()  # the audited read is kept
    form = ProgrammeForm()
    fill_from(form, shown.current)
    return programme_page(patient, form, shown)


@bp.post("/patients/<int:patient_id>/programme")
@area_required("practice")
def programme_save(patient_id: int):
    patient = patient_for(current_user, patient_id)
    form = ProgrammeForm()
    prescriber = db.session.scalar(select(Practitioner).where(Practitioner.user_id == current_user.id))
    status = 422
    if prescriber is None:
        form.form_errors.append("Only a practitioner with a treating profile can prescribe a programme.")
    elif form.validate():
        try:
            saved, _ = prescribe_programme(staff_actor(), patient, prescriber, doses(form), form.notes.data or "",
                                           utcnow())
        except DomainError as error:
            reject(form, error)  # names "exercises" or a dosage: shown at the top of the form
            status = error.status
        else:
            db.session.commit()
            flash(f"Version {saved.version} of the programme was saved and e-mailed to {patient.first_name}.",
                  "success")
            return redirect(url_for("practice.programme", patient_id=patient.id), 303)
    shown = open_programmes(staff_actor(), patient, utcnow())
    db.session.commit()
    return programme_page(patient, form, shown, status=status)


def fill_from(form: ProgrammeForm, current: Programme | None) -> None:
    """One row per exercise of the library: ticked with this patient's dosage when it is in
    the current programme, otherwise with the exercise's usual dosage."""
    items = {item.exercise_id: item for item in current.items} if current else {}
    for exercise in exercise_library():
        source = items.get(exercise.id, exercise)
        form.exercises.append_entry({
            "exercise_id": str(exercise.id), "chosen": exercise.id in items, "sets": source.sets,
            "reps": source.reps, "hold_seconds": source.hold_seconds, "times_per_day": source.times_per_day,
            "minutes": source.minutes,
            "notes": getattr(source, "notes", "") if exercise.id in items else "",
        })
    if current:
        form.notes.data = current.notes


def doses(form: ProgrammeForm) -> list[Dose]:
    return [
        Dose(exercise_number(entry.exercise_id.data), entry.sets.data, entry.reps.data, entry.hold_seconds.data,
             entry.times_per_day.data, entry.notes.data or "", entry.minutes.data or 0)
        for entry in form.chosen()
    ]


def exercise_number(value: str | None) -> int:
    """The exercise's id from the hidden field; 0 (no such exercise) when it was tampered with."""
    return parse_id(value) or 0


def programme_page(patient: Patient, form: ProgrammeForm, shown: ProgrammesShown, status: int = 200):
    """The builder with the history of versions the user may see (open_programmes, audited)."""
    library = {str(exercise.id): exercise for exercise in exercise_library()}
    return render_template("practice/programme.html", patient=patient, form=form, library=library,
                           history=shown.history, max_exercises=MAX_EXERCISES), status
