"""What the pages of /my/ share: the portal's own page, the programme page reached by link, and
saving the daily check-in shown on both (views.py and reminders.py use them)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from clinic_app import clock
from clinic_app.adherence.forms import check_in_form
from clinic_app.adherence.service import patient_today, progress, record_check_in
from clinic_app.errors import DomainError
from clinic_app.extensions import db
from clinic_app.patients.models import Patient
from clinic_app.reporting.definitions import OUTCOME_REFERENCE, Outcome, episode_outcome, mcid_points
from clinic_app.scheduling.booking import may_change_online
from clinic_app.scheduling.models import Booking, BookingStatus
from clinic_app.scheduling.notifications import describe_when
from clinic_app.screening.rules import EMERGENCY_ADVICE
from clinic_app.screening.service import report_check_in_emergency
from clinic_app.treatments.episodes import episode_scores, latest_episode
from clinic_app.treatments.models import Programme
from clinic_app.treatments.programmes import current_programme


def save_check_in(programme: Programme, back: str, page_with):
    now = clock.utcnow()
    form = check_in_form(programme)
    if not form.validate_on_submit():
        return page_with(form), 422
    emergency = form.cauda_equina.data == "yes"
    try:
        record_check_in(programme, form.details(patient_today(programme.patient_id, now)), now)
        if emergency:
            report_check_in_emergency(programme, now)  # alerts the clinic
    except DomainError as error:
        db.session.rollback()
        form.populate_errors(error)
        return page_with(form), 422
    db.session.commit()
    if emergency:
        return render_template("portal/intake_done.html", emergency=True, advice=EMERGENCY_ADVICE)
    flash("Thank you: today's check-in is saved.", "check-in")  # shown in the check-in section
    return redirect(back)


def programme_page(programme: Programme, token: str, form=None):
    latest = current_programme(programme.patient_id) if programme.replaced_at else programme
    replaced = latest is not programme
    context = {} if replaced else check_in_context(programme, form)
    return render_template(
        "portal/programme.html",
        programme=programme,
        replaced=replaced,
        check_in_url=url_for("portal.programme_check_in", token=token),
        **context,
    )


def portal_page(form=None):
    now = clock.utcnow()
    own_visits = _visits(current_user.id)
    programme = own_programme(current_user.id)
    return render_template(
        "portal/index.html",
        user=current_user,
        upcoming=[v for v in reversed(own_visits) if v.start_at >= now and v.status == BookingStatus.BOOKED],
        past=[v for v in own_visits if v.start_at < now or v.status != BookingStatus.BOOKED][:10],
        programme=programme,
        when=describe_when,
        changeable=lambda visit: may_change_online(visit, now),
        progress_outcomes=own_outcomes(current_user.id), outcome_reference=OUTCOME_REFERENCE,
        **(check_in_context(programme, form) if programme else {}),
    )


def own_outcomes(user_id: int) -> list[tuple[str, Outcome, str]]:
    """(scale, outcome, unit) of the account's latest episode of care, by the one outcome rule
    (reporting.definitions), as the practitioner's chart and head office judge it."""
    patient_ids = list(db.session.scalars(select(Patient.id).where(Patient.user_id == user_id)))
    episode = latest_episode(patient_ids) if patient_ids else None
    if episode is None:
        return []
    pain, odi = episode_scores(episode)
    judged = [("Pain (0-10)", episode_outcome(pain, mcid_points("nprs")), ""),
              ("Back-related disability (Oswestry, 0-100%)", episode_outcome(odi, mcid_points("odi")), "%")]
    return [(label, outcome, unit) for label, outcome, unit in judged if outcome is not None]


def check_in_context(programme: Programme, form=None) -> dict:
    today = patient_today(programme.patient_id, clock.utcnow())
    found = progress(programme, today)
    if form is None:
        entry = found.checked_in_today  # checking in again starts from what was saved
        saved = {} if entry is None else {
            "pain": entry.pain,
            "feeling": entry.feeling,
            **{f"sets_{item.exercise_id}": item.sets_done for item in entry.exercises},
        }
        form = check_in_form(programme, **saved)
    return {"progress": found, "check_in_form": form}


def _visits(user_id: int) -> list[Booking]:
    """Every visit of the patient records this account holds, newest first."""
    return list(
        db.session.scalars(
            select(Booking)
            .join(Patient, Booking.patient_id == Patient.id)
            .where(Patient.user_id == user_id)
            .options(selectinload(Booking.clinic), selectinload(Booking.service), selectinload(Booking.practitioner))
            .order_by(Booking.start_at.desc())
        )
    )


def own_programme(user_id: int) -> Programme | None:
    """The current programme of the account's most recently treated patient record."""
    patient_ids = db.session.scalars(select(Patient.id).where(Patient.user_id == user_id).order_by(Patient.id.desc()))
    for patient_id in patient_ids:
        programme = current_programme(patient_id)
        if programme is not None:
            return programme
    return None
