"""A patient's chart in the practice area: the record, editing the condition, and
the Oswestry questionnaire. Notes and programmes are in record_notes.py and
record_programmes.py. Staff see only the patients of their own clinics (404 otherwise)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from clinic_app.accounts.policy import area_required, can_work_at
from clinic_app.audit.service import record_event
from clinic_app.clock import utcnow
from clinic_app.errors import DomainError
from clinic_app.extensions import db
from clinic_app.practice import bp
from clinic_app.practice.pages import staff_actor
from clinic_app.practice.record_screening import chart_screening
from clinic_app.practice.records_forms import ODI_QUESTIONS, ChartForm, DischargeForm, OdiForm
from clinic_app.practice.trend_chart import trend_chart
from clinic_app.reporting.definitions import OUTCOME_REFERENCE, Outcome, episode_outcome, mcid_points
from clinic_app.scheduling.models import ATTENDED, Booking
from clinic_app.treatments.access import patient_for
from clinic_app.treatments.charts import (
    CHART_ELSEWHERE,
    ChartDetails,
    PatientRecord,
    open_record,
    record_odi,
    update_chart,
)
from clinic_app.treatments.episodes import discharge_episode
from clinic_app.treatments.models import Episode
from clinic_app.treatments.rules import DISCHARGE_REASONS, ODI_MIN_ANSWERED, odi_band, odi_due


@bp.get("/patients/<int:patient_id>")
@area_required("practice")
def chart(patient_id: int):
    patient = patient_for(current_user, patient_id)
    record = open_record(staff_actor(), patient, utcnow())
    db.session.commit()  # the audited read is kept
    return chart_page(record, DischargeForm())


def chart_page(record: PatientRecord, discharge_form: DischargeForm, status: int = 200):
    pain = pain_points(record)
    outcomes = episode_outcomes(record)
    latest = outcomes[0] if outcomes else None
    return render_template(
        "practice/chart.html", record=record, patient=record.patient, pain_points=pain,
        pain_series=[(day, before) for day, before, _ in pain],
        odi_points=[(r.taken_at.date(), r.score) for r in record.odi if r.score is not None],
        trend_chart=trend_chart, odi_band=odi_band, odi_is_due=odi_is_due(record),
        on_clinic_clock=on_clinic_clock, age=age_on(record.patient.date_of_birth, utcnow().date()),
        mcid={"pain": mcid_points("nprs"), "odi": mcid_points("odi")}, outcomes=outcomes,
        pain_change=latest.nprs if latest else None, odi_change=latest.odi if latest else None,
        outcome_reference=OUTCOME_REFERENCE, discharge_form=discharge_form, discharge_reasons=DISCHARGE_REASONS,
        clinic_day=clinic_day, screening=chart_screening(record.patient),
    ), status


@dataclass(frozen=True)
class EpisodeOutcomes:
    episode: Episode
    nprs: Outcome | None
    odi: Outcome | None


def episode_outcomes(record: PatientRecord) -> list[EpisodeOutcomes]:
    """Each episode's outcome on both scales by the one rule (reporting.definitions), newest first."""
    return [EpisodeOutcomes(episode, episode_outcome(record.pain_scores(episode), mcid_points("nprs")),
                            episode_outcome(record.odi_scores(episode), mcid_points("odi")))
            for episode in reversed(record.episodes)]


@bp.post("/patients/<int:patient_id>/episodes/<int:episode_id>/discharge")
@area_required("practice")
def discharge(patient_id: int, episode_id: int):
    patient = patient_for(current_user, patient_id)
    episode = db.session.get(Episode, episode_id)
    if episode is None or episode.patient_id != patient.id:
        abort(404)
    form = DischargeForm()
    if form.validate():
        try:
            discharge_episode(staff_actor(), episode, form.reason.data, utcnow())
        except DomainError as error:
            reject(form, error)
            status = error.status
        else:
            db.session.commit()
            flash(f"{patient.full_name} was discharged: {DISCHARGE_REASONS[form.reason.data].lower()}.", "success")
            return redirect(url_for("practice.chart", patient_id=patient.id), 303)
    else:
        status = 422
    record = open_record(staff_actor(), patient, utcnow())
    db.session.commit()
    return chart_page(record, form, status)


@bp.route("/patients/<int:patient_id>/edit", methods=["GET", "POST"])
@area_required("practice")
def chart_edit(patient_id: int):
    patient = patient_for(current_user, patient_id)
    form, status = ChartForm(), 200
    if not form.is_submitted():
        record = open_record(staff_actor(), patient, utcnow())
        db.session.commit()
        if record.chart:
            form.condition.data, form.onset_date.data = record.chart.condition, record.chart.onset_date
        if record.chart_elsewhere:
            form.form_errors.append(CHART_ELSEWHERE)
    elif form.validate():
        details = ChartDetails(form.condition.data or "", form.onset_date.data)
        try:
            update_chart(staff_actor(), patient, details, utcnow())
        except DomainError as error:
            reject(form, error)
            status = error.status
        else:
            db.session.commit()
            flash("The chart was saved.", "success")
            return redirect(url_for("practice.chart", patient_id=patient.id), 303)
    else:
        status = 422
    return render_template("practice/chart_edit.html", form=form, patient=patient), status


@bp.route("/patients/<int:patient_id>/odi", methods=["GET", "POST"])
@area_required("practice")
def odi(patient_id: int):
    patient = patient_for(current_user, patient_id)
    form = OdiForm()
    if form.validate_on_submit():
        try:
            response = record_odi(staff_actor(), patient, form.answers(), form.timepoint.data, utcnow())
        except DomainError as error:
            reject(form, error)
        else:
            db.session.commit()
            flash(odi_result(response.score), "success")
            return redirect(url_for("practice.chart", patient_id=patient.id), 303)
    record_event(staff_actor(), patient.id, "open_odi_form", None, utcnow())  # the page names the patient
    db.session.commit()
    return render_template("practice/odi.html", form=form, patient=patient, questions=ODI_QUESTIONS,
                           minimum=ODI_MIN_ANSWERED), 422 if form.errors else 200


def odi_result(score: float | None) -> str:
    if score is None:
        return "The questionnaire was saved; too few sections were answered for a score."
    return f"The questionnaire was saved: ODI {score:g}% ({odi_band(score)})."


def reject(form, error: DomainError) -> None:
    """Undo the request's work and put the rule's complaint beside its field (or at the top)."""
    db.session.rollback()
    form.populate_errors(error)


def visit_for_records(booking_id: int) -> Booking:
    """A visit at one of the user's clinics whose patient they may see; 404 otherwise."""
    booking = db.session.get(Booking, booking_id)
    if booking is None or not can_work_at(current_user, booking.clinic_id):
        abort(404)
    patient_for(current_user, booking.patient_id)
    return booking


def on_clinic_clock(booking: Booking):
    return booking.start_at.astimezone(ZoneInfo(booking.clinic.timezone))


def clinic_day(moment, clinic) -> date:
    """The calendar day at ``clinic`` at a stored instant."""
    return moment.astimezone(ZoneInfo(clinic.timezone)).date()


def age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def pain_points(record: PatientRecord) -> list[tuple[date, int, int | None]]:
    """(visit day, pain before, pain after) of every visit with a pain score, oldest first."""
    points = []
    for visit in reversed(record.visits):
        note = record.notes_by_booking.get(visit.id)
        if note is not None and note.pain_before is not None:
            points.append((on_clinic_clock(visit).date(), note.pain_before, note.pain_after))
    return points


def odi_is_due(record: PatientRecord) -> bool:
    """Whether the ODI is due at this or the next visit (rules.odi_due): counted over the
    visits the patient attended."""
    attended = [v for v in record.visits if v.status in ATTENDED]
    if not record.odi:
        return True
    last_taken = record.odi[-1].taken_at
    since = sum(1 for v in attended if v.start_at > last_taken)
    return odi_due(len(attended) + 1, since, discharging=False)
