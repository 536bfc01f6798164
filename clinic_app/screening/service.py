"""Red-flag screens: the patient's answers before the first visit, the practitioner's screen
(which confirms them), the daily check-in's cauda equina question, the action taken on an
emergency, and the queries the chart, the note, the schedule and the dashboard read. An
emergency alerts the clinic (alerts.py) and holds the signing of the patient's notes until its
action is recorded (require_action_recorded). Flush, never commit."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select

from clinic_app.accounts.models import User
from clinic_app.accounts.policy import sees_whole_clinic
from clinic_app.audit.service import Actor, record_event
from clinic_app.errors import ValidationFailed
from clinic_app.extensions import db
from clinic_app.patients.models import Patient
from clinic_app.scheduling.models import Booking, BookingStatus
from clinic_app.screening.alerts import alert_clinic
from clinic_app.screening.models import RedFlagScreen
from clinic_app.screening.rules import ACTIONS, CHECK_IN_FINDING, SCREEN_FLAGS, Tier, tier_of
from clinic_app.treatments.access import record_scope, recording_clinic
from clinic_app.treatments.models import Programme

ACTION_NEEDED = ("An emergency red flag is open for this patient: record the action taken on the chart "
                 "before signing the note.")


def intake_visit(patient_id: int, clinic_id: int) -> Booking | None:
    """The patient's first visit (not cancelled) at the clinic: where an episode of care starts."""
    return db.session.scalar(
        select(Booking).where(Booking.patient_id == patient_id, Booking.clinic_id == clinic_id,
                              Booking.status != BookingStatus.CANCELLED)
        .order_by(Booking.start_at, Booking.id).limit(1))


def record_patient_screen(booking: Booking, findings: Iterable[str], now: datetime) -> RedFlagScreen:
    """The patient's own answers, before the visit ``booking``: kept as reported, for the
    practitioner to confirm; an emergency alerts the clinic at once."""
    return _add_screen(booking.patient_id, booking.clinic_id, booking, "patient", findings, now, None)


def record_practitioner_screen(actor: Actor, patient: Patient, findings: Iterable[str],
                               now: datetime) -> RedFlagScreen:
    """The practitioner's screen (empty findings: screened, none found). It confirms the
    patient's answers still waiting."""
    record_scope(actor.user, patient)
    clinic_id = recording_clinic(actor.user, patient.id, now)
    screen = _add_screen(patient.id, clinic_id, intake_visit(patient.id, clinic_id), "practitioner", findings,
                         now, actor.user)
    screen.confirmed_at, screen.confirmed_by_id = now, actor.user.id
    for waiting in db.session.scalars(select(RedFlagScreen).where(
            RedFlagScreen.patient_id == patient.id, RedFlagScreen.source == "patient",
            RedFlagScreen.confirmed_at.is_(None))):
        waiting.confirmed_at, waiting.confirmed_by_id = now, actor.user.id
    db.session.flush()
    record_event(actor, patient.id, "record_red_flags", screen, now)
    return screen


def report_check_in_emergency(programme: Programme, now: datetime) -> RedFlagScreen:
    """The patient answered "yes" to the check-in's cauda equina question: an emergency for the
    clinic that prescribed the programme, and its practitioner."""
    return _add_screen(programme.patient_id, programme.clinic_id, None, "check_in", [CHECK_IN_FINDING], now,
                       programme.practitioner.user)


def _add_screen(patient_id: int, clinic_id: int, booking: Booking | None, source: str, findings: Iterable[str],
                now: datetime, by: User | None) -> RedFlagScreen:
    codes = sorted(set(findings))
    allowed = SCREEN_FLAGS.keys() | ({CHECK_IN_FINDING} if source == "check_in" else set())
    if not set(codes) <= allowed:
        raise ValidationFailed("Choose red flags from the list.", "findings")
    screen = RedFlagScreen(patient_id=patient_id, clinic_id=clinic_id, booking=booking, source=source,
                           findings=codes, tier=tier_of(codes).code, screened_at=now,
                           recorded_by_id=by.id if by and source == "practitioner" else None)
    db.session.add(screen)
    db.session.flush()
    if screen.level == Tier.EMERGENCY:
        alert_clinic(screen, by if source != "patient" else None)
    return screen


def record_action(actor: Actor, screen: RedFlagScreen, action_code: str, detail: str,
                  now: datetime) -> RedFlagScreen:
    """What was done about a flag. Once recorded it is not overwritten: a later event is a new screen."""
    record_scope(actor.user, screen.patient)
    if screen.action_at is not None:
        raise ValidationFailed("The action for this flag is already recorded.", "action_code")
    if action_code not in ACTIONS:
        raise ValidationFailed("Choose the action taken.", "action_code")
    if action_code == "assessed_not_present" and not detail.strip():
        raise ValidationFailed("Say what the assessment found.", "action_detail")
    screen.action_code, screen.action_detail = action_code, detail.strip()[:300]
    screen.action_at, screen.action_by_id = now, actor.user.id
    db.session.flush()
    record_event(actor, screen.patient_id, "record_red_flag_action", screen, now)
    return screen


def open_emergencies(patient_ids: Iterable[int]) -> dict[int, RedFlagScreen]:
    """Per patient, the oldest emergency flag with no action recorded yet."""
    wanted = set(patient_ids)
    if not wanted:
        return {}
    found: dict[int, RedFlagScreen] = {}
    for screen in db.session.scalars(_open().where(RedFlagScreen.patient_id.in_(wanted))):
        found.setdefault(screen.patient_id, screen)
    return found


def require_action_recorded(patient_id: int) -> None:
    """The hold on signing a note (treatments.notes.sign_note) while an emergency is open."""
    if open_emergencies([patient_id]):
        raise ValidationFailed(ACTION_NEEDED)


def open_emergencies_for(user: User) -> list[RedFlagScreen]:
    """The open emergencies a member of staff is told about on the dashboard: a manager's whole
    clinics; a practitioner's, for patients with a visit with them there."""
    clinic_ids = [clinic.id for clinic in user.clinics]
    query = _open().where(RedFlagScreen.clinic_id.in_(clinic_ids))
    if not sees_whole_clinic(user):
        own_patients = select(Booking.patient_id).where(Booking.practitioner.has(user_id=user.id))
        query = query.where(RedFlagScreen.patient_id.in_(own_patients))
    return list(db.session.scalars(query))


def _open():
    return (select(RedFlagScreen).where(RedFlagScreen.tier == Tier.EMERGENCY.code, RedFlagScreen.action_at.is_(None))
            .order_by(RedFlagScreen.screened_at, RedFlagScreen.id))


def screens_of(patient: Patient, shows) -> list[RedFlagScreen]:
    """The patient's screens the viewer's record scope ``shows`` (by clinic), newest first."""
    screens = db.session.scalars(select(RedFlagScreen).where(RedFlagScreen.patient_id == patient.id)
                                 .order_by(RedFlagScreen.screened_at.desc(), RedFlagScreen.id.desc()))
    return [screen for screen in screens if shows(screen.clinic_id)]
