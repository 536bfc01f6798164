"""Screening on the chart: the red-flag screen (which confirms the patient's own answers), the
action taken on an emergency, STarT Back, and e-mailing the patient the intake questionnaire.
Staff see only patients of their own clinics (404 otherwise, as for records)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from clinic_app.accounts.policy import area_required
from clinic_app.clock import utcnow
from clinic_app.errors import DomainError
from clinic_app.extensions import db
from clinic_app.practice import bp
from clinic_app.practice.pages import staff_actor
from clinic_app.screening.forms import ActionForm, RedFlagScreenForm, SendIntakeForm, StartBackForm
from clinic_app.screening.intake import send_intake_link
from clinic_app.screening.models import RedFlagScreen
from clinic_app.screening.rules import CARE_PATHWAYS, RED_FLAGS, RiskGroup, Tier
from clinic_app.screening.service import open_emergencies, record_action, record_practitioner_screen, screens_of
from clinic_app.screening.startback import latest_startback, record_startback
from clinic_app.treatments.access import patient_for, record_scope


def chart_screening(patient) -> dict:
    """What the chart's screening panel shows: the screens in the viewer's scope, and every open
    emergency whatever clinic recorded it (it must be acted on, so it is never hidden)."""
    shows = record_scope(current_user, patient).shows
    screens = screens_of(patient, shows)
    emergency = open_emergencies([patient.id]).get(patient.id)
    return {"screens": screens, "current_screen": next((s for s in screens if s.confirmed), None),
            "waiting_screen": next((s for s in screens if not s.confirmed), None), "emergency": emergency,
            "startback": latest_startback(patient.id, shows), "red_flags": RED_FLAGS, "pathways": CARE_PATHWAYS,
            "RiskGroup": RiskGroup, "Tier": Tier, "action_form": ActionForm(formdata=None) if emergency else None,
            "send_form": SendIntakeForm(formdata=None)}


@bp.route("/patients/<int:patient_id>/red-flags", methods=["GET", "POST"])
@area_required("practice")
def red_flags(patient_id: int):
    patient = patient_for(current_user, patient_id)
    form = RedFlagScreenForm()
    if form.validate_on_submit():
        try:
            screen = record_practitioner_screen(staff_actor(), patient, form.findings.data or [], utcnow())
        except DomainError as error:
            db.session.rollback()
            form.populate_errors(error)
        else:
            db.session.commit()
            flash("Red-flag screen saved: " + (f"{len(screen.findings)} found." if screen.findings
                                               else "screened, none found."), "success")
            return redirect(url_for("practice.chart", patient_id=patient.id), 303)
    elif not form.is_submitted():
        waiting = next((s for s in screens_of(patient, record_scope(current_user, patient).shows)
                        if not s.confirmed), None)
        form.findings.data = list(waiting.findings) if waiting else []
    return render_template("practice/red_flags.html", form=form, patient=patient), 422 if form.errors else 200


@bp.post("/red-flags/<int:screen_id>/action")
@area_required("practice")
def red_flag_action(screen_id: int):
    screen = db.session.get(RedFlagScreen, screen_id) or abort(404)
    patient = patient_for(current_user, screen.patient_id)
    form = ActionForm()
    if form.validate():
        try:
            record_action(staff_actor(), screen, form.action_code.data, form.action_detail.data or "", utcnow())
        except DomainError as error:
            db.session.rollback()
            form.populate_errors(error)
        else:
            db.session.commit()
            flash("The action taken is recorded.", "success")
            return redirect(url_for("practice.chart", patient_id=patient.id), 303)
    return render_template("practice/red_flag_action.html", form=form, patient=patient, screen=screen,
                           red_flags=RED_FLAGS), 422


@bp.route("/patients/<int:patient_id>/startback", methods=["GET", "POST"])
@area_required("practice")
def startback(patient_id: int):
    patient = patient_for(current_user, patient_id)
    form = StartBackForm()
    if form.validate_on_submit():
        try:
            screen = record_startback(staff_actor(), patient, form.startback_answers(), utcnow())
        except DomainError as error:
            db.session.rollback()
            form.populate_errors(error)
        else:
            db.session.commit()
            flash(f"STarT Back saved: {screen.risk_group} risk (total {screen.total}/9, "
                  f"psychosocial {screen.psychosocial}/5).", "success")
            return redirect(url_for("practice.chart", patient_id=patient.id), 303)
    return render_template("practice/startback.html", form=form, patient=patient), 422 if form.errors else 200


@bp.post("/patients/<int:patient_id>/intake-questionnaire")
@area_required("practice")
def intake_questionnaire(patient_id: int):
    patient = patient_for(current_user, patient_id)
    if not SendIntakeForm().validate_on_submit():
        flash("The form had expired; send it again.", "error")
        return redirect(url_for("practice.chart", patient_id=patient.id), 303)
    try:
        send_intake_link(staff_actor(), patient, utcnow())
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(f"The intake questionnaire was e-mailed to {patient.first_name}.", "success")
    return redirect(url_for("practice.chart", patient_id=patient.id), 303)

