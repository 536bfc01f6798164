"""Early warning on the practice dashboard: the alerts and the patients at risk (listed by
practice.index through ``dashboard``), acknowledging an alert and nudging a patient. Staff act
only on patients in their care (404 otherwise, as for records)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, url_for
from flask_login import current_user

from clinic_app import clock
from clinic_app.accounts.models import User
from clinic_app.accounts.policy import area_required
from clinic_app.adherence.early_warning import AtRisk, InCare, early_warning, patients_in_care
from clinic_app.adherence.forms import AlertAcknowledgementForm
from clinic_app.adherence.models import ExerciseCheckIn
from clinic_app.adherence.nudges import acknowledge_alert, nudge_patient
from clinic_app.adherence.rules import FLAT_OR_WORSE_ENTRIES, AlertReason, RiskReason
from clinic_app.audit.service import record_listed
from clinic_app.errors import DomainError
from clinic_app.extensions import begin_serialised_transaction, db
from clinic_app.practice import bp
from clinic_app.practice.pages import staff_actor

RISK_WORDS = {
    RiskReason.QUIET: "No check-in for {days} days",
    RiskReason.NOT_IMPROVING: f"Pain not improving over the last {FLAT_OR_WORSE_ENTRIES} check-ins ({{pains}})",
    RiskReason.WORSE_AFTER_EXERCISE: "Felt worse after exercising at the last check-in",
}
ALERT_WORDS = {
    AlertReason.SEVERE_PAIN: "Pain {pain}/10",
    AlertReason.WORSE_TWICE: "Felt worse on two check-ins in a row",
}


def dashboard(user: User) -> dict:
    """What the dashboard template needs for the early-warning lists. The lists show pain scores
    and check-ins by patient, so showing them is audited (audit.service.record_listed: once per
    patient and day); the caller commits."""
    now = clock.utcnow()
    warning = early_warning(user, now)
    shown = {alert.care.patient.id for alert in warning.alerts} | {risk.care.patient.id for risk in warning.at_risk}
    record_listed(staff_actor(), "list_early_warning", shown, now)
    return {"warning": warning, "now": now, "risk_words": RISK_WORDS, "alert_words": ALERT_WORDS,
            "local_time": local_time, "risk_text": risk_text}


def risk_text(risk: AtRisk, reason: RiskReason) -> str:
    """The card's line for a reason; quiet since prescription when there was never a check-in,
    so the card never says "no check-in for 46 days" beside "last check-in: none yet"."""
    if reason is RiskReason.QUIET and risk.last_check_in is None:
        return f"No check-in since the programme was prescribed {risk.days_quiet} days ago"
    return RISK_WORDS[reason].format(days=risk.days_quiet, pains=", ".join(map(str, risk.recent_pains)))


def local_time(moment: datetime, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime("%-d %b, %-I:%M %p")


@bp.post("/patients/<int:patient_id>/nudge")
@area_required("practice")
def nudge(patient_id: int):
    begin_serialised_transaction()  # the 24-hour check and the nudge, one request at a time
    now = clock.utcnow()
    care = _in_care_or_404(patient_id, now)
    try:
        nudge_patient(staff_actor(), care, now)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(f"A nudge with a rebooking link is on its way to {care.patient.full_name}.", "success")
    return redirect(url_for("practice.index", _anchor="at-risk"), 303)


@bp.post("/alerts/<int:check_in_id>/acknowledge")
@area_required("practice")
def acknowledge(check_in_id: int):
    now = clock.utcnow()
    begin_serialised_transaction()  # SQLite: a double click waits for the first, then finds its row
    entry = db.session.get(ExerciseCheckIn, check_in_id) or abort(404)
    care = _in_care_or_404(entry.patient_id, now)
    if care.programme.id != entry.programme_id:
        abort(404)
    form = AlertAcknowledgementForm()
    if not form.validate():
        db.session.rollback()
        flash(" ".join(form.action_taken.errors) or "Say what you did about this alert.", "error")
        return redirect(url_for("practice.index", _anchor=f"alert-{check_in_id}"), 303)
    acknowledge_alert(staff_actor(), entry, now, form.action_taken.data)
    db.session.commit()
    flash(f"The alert for {care.patient.full_name} is acknowledged.", "success")
    return redirect(url_for("practice.index", _anchor="alerts"), 303)


def _in_care_or_404(patient_id: int, now: datetime) -> InCare:
    """The patient, when in the signed-in member of staff's care; 404 otherwise, so that staff
    cannot learn who is a patient elsewhere."""
    found = patients_in_care(current_user, now, patient_id)
    if not found:
        abort(404)
    return found[0]
