"""STarT Back questionnaires: taken at intake by the patient (by link) or by the practitioner,
scored by rules.startback_score; the latest gives the patient's risk group and care pathway on
the chart, and risk_groups_of lets reporting split outcomes by group. Flush, never commit."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import func, select

from clinic_app.audit.service import Actor, record_event
from clinic_app.errors import ValidationFailed
from clinic_app.extensions import db
from clinic_app.patients.models import Patient
from clinic_app.scheduling.models import Booking
from clinic_app.screening.models import StartBackScreen
from clinic_app.screening.rules import RiskGroup, startback_score
from clinic_app.screening.service import intake_visit
from clinic_app.treatments.access import record_scope, recording_clinic


def record_startback_by_patient(booking: Booking, answers: Sequence[int], now: datetime) -> StartBackScreen:
    return _add(booking.patient_id, booking.clinic_id, booking, "patient", answers, now, None)


def record_startback(actor: Actor, patient: Patient, answers: Sequence[int], now: datetime) -> StartBackScreen:
    record_scope(actor.user, patient)
    clinic_id = recording_clinic(actor.user, patient.id, now)
    screen = _add(patient.id, clinic_id, intake_visit(patient.id, clinic_id), "practitioner", answers, now,
                  actor.user.id)
    record_event(actor, patient.id, "record_startback", screen, now)
    return screen


def _add(patient_id: int, clinic_id: int, booking: Booking | None, source: str, answers: Sequence[int],
         now: datetime, by: int | None) -> StartBackScreen:
    try:
        result = startback_score(answers)
    except ValueError:
        raise ValidationFailed("Answer all nine questions.", "answers") from None
    screen = StartBackScreen(patient_id=patient_id, clinic_id=clinic_id, booking_id=booking.id if booking else None,
                             source=source, answers=list(answers), total=result.total, psychosocial=result.psychosocial,
                             risk_group=result.group.value, taken_at=now, recorded_by_id=by)
    db.session.add(screen)
    db.session.flush()
    return screen


def latest_startback(patient_id: int, shows) -> StartBackScreen | None:
    """The newest questionnaire the viewer's record scope ``shows`` (by clinic)."""
    screens = db.session.scalars(select(StartBackScreen).where(StartBackScreen.patient_id == patient_id)
                                 .order_by(StartBackScreen.taken_at.desc(), StartBackScreen.id.desc()))
    return next((screen for screen in screens if shows(screen.clinic_id)), None)


def risk_groups_of(patient_ids: Iterable[int], as_of: datetime | None = None) -> dict[int, RiskGroup]:
    """Each patient's risk group by their latest STarT Back (taken at or before ``as_of``), for
    splitting outcomes by group; patients never screened are absent."""
    wanted = set(patient_ids)
    if not wanted:
        return {}
    screened = select(StartBackScreen.patient_id, func.max(StartBackScreen.id).label("id")).where(
        StartBackScreen.patient_id.in_(wanted))
    if as_of is not None:
        screened = screened.where(StartBackScreen.taken_at <= as_of)
    latest = screened.group_by(StartBackScreen.patient_id).subquery()
    rows = db.session.execute(select(StartBackScreen.patient_id, StartBackScreen.risk_group)
                              .join(latest, latest.c.id == StartBackScreen.id))
    return {patient_id: RiskGroup(group) for patient_id, group in rows}
