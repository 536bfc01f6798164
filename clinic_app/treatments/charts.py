"""The patient's chart: condition, onset, visits, notes and outcome trends, as far as
the member of staff may see them (treatments.access.RecordScope: their own clinics' records,
and other clinics' once the patient has attended at theirs). Opening it is audited like
changing it, and a read that showed another clinic's records is flagged. Flush, never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from clinic_app.accounts.models import User
from clinic_app.audit.service import Actor, record_cross_clinic_reads, record_event
from clinic_app.clinics.models import Clinic
from clinic_app.errors import Conflict, NotAllowed, ValidationFailed
from clinic_app.extensions import db
from clinic_app.patients.models import Patient
from clinic_app.scheduling.models import ATTENDED, Booking
from clinic_app.treatments.access import RecordScope, record_scope, recording_clinic
from clinic_app.treatments.episodes import close_lapsed_episode, episode_for_visit, episodes_of
from clinic_app.treatments.models import Chart, Episode, NoteCosignature, OdiResponse, TreatmentNote
from clinic_app.treatments.rules import ODI_SECTIONS, Chronicity, chronicity, odi_score

TIMEPOINTS = ("intake", "progress", "discharge")


@dataclass(frozen=True)
class ChartDetails:
    condition: str
    onset_date: date | None


@dataclass(frozen=True)
class PatientRecord:
    """Everything the chart page shows, loaded in a handful of queries."""

    patient: Patient
    chart: Chart | None
    chronicity: Chronicity | None
    visits: list[Booking]
    notes_by_booking: dict[int, TreatmentNote]
    odi: list[OdiResponse]
    episodes: list[Episode]  # oldest first, those at the clinics shown
    # False: only the user's own clinics' records are shown (the patient has not attended there yet).
    whole: bool = True
    own_clinic_ids: frozenset[int] = frozenset()
    chart_elsewhere: bool = False  # a chart exists that another clinic wrote, not shown

    def pain_scores(self, episode: Episode) -> list[int]:
        """The episode's pain scores (before treatment) that count as outcomes, oldest first: in
        signed notes of visits the patient came to. Drafts and no-show visits never count."""
        visits = {visit.id: visit for visit in self.visits}
        scored = [(visits[note.booking_id].start_at, note.pain_before) for note in self.notes_by_booking.values()
                  if note.episode_id == episode.id and note.signed and note.pain_before is not None
                  and visits[note.booking_id].status in ATTENDED]
        return [pain for _, pain in sorted(scored, key=lambda pair: pair[0])]

    def odi_scores(self, episode: Episode) -> list[float]:
        """The episode's scored Oswestry questionnaires, oldest first."""
        return [r.score for r in self.odi if r.episode_id == episode.id and r.score is not None]


def open_record(actor: Actor, patient: Patient, now: datetime) -> PatientRecord:
    """The patient's record as ``actor`` may see it, newest visit first; the read is audited. An
    episode of care with no visit for the configured days is closed on the way."""
    scope = record_scope(actor.user, patient)
    close_lapsed_episode(patient.id, now)
    visits = [visit for visit in _visits(patient.id) if scope.shows(visit.clinic_id)]
    shown_visits = {visit.id for visit in visits}
    notes = [note for note in _notes(patient.id) if note.booking_id in shown_visits]
    odi = [response for response in _odi(patient.id) if scope.shows(response.clinic_id)]
    written = db.session.scalar(select(Chart).where(Chart.patient_id == patient.id))
    chart = written if written is not None and scope.shows(written.clinic_id) else None
    shown_at = [visit.clinic for visit in visits] + [response.clinic for response in odi]
    _audit_read(actor, scope, shown_at + ([chart.clinic] if chart else []), now)
    today = now.astimezone(ZoneInfo(visits[0].clinic.timezone)).date() if visits else now.date()
    return PatientRecord(
        patient=patient,
        chart=chart,
        chronicity=chronicity(chart.onset_date, today) if chart and chart.onset_date else None,
        visits=visits,
        notes_by_booking={note.booking_id: note for note in notes},
        odi=odi,
        episodes=[episode for episode in episodes_of(patient.id) if scope.shows(episode.clinic_id)],
        whole=scope.whole, own_clinic_ids=scope.own_clinic_ids, chart_elsewhere=written is not None and chart is None,
    )


def _audit_read(actor: Actor, scope: RecordScope, clinics: list[Clinic], now: datetime) -> None:
    record_event(actor, scope.patient.id, "view_chart", None, now)
    others = scope.other_clinics({clinic.id for clinic in clinics})
    record_cross_clinic_reads(actor, scope.patient.id, {c for c in clinics if c.id in others}, now)


def _visits(patient_id: int) -> list[Booking]:
    return list(db.session.scalars(
        select(Booking).where(Booking.patient_id == patient_id)
        .options(selectinload(Booking.clinic), selectinload(Booking.practitioner), selectinload(Booking.service))
        .order_by(Booking.start_at.desc())
    ))


def _notes(patient_id: int) -> list[TreatmentNote]:
    return list(db.session.scalars(
        select(TreatmentNote).where(TreatmentNote.patient_id == patient_id)
        .options(selectinload(TreatmentNote.addenda), selectinload(TreatmentNote.author),
                 selectinload(TreatmentNote.cosignatures).selectinload(NoteCosignature.user))
    ))


def _odi(patient_id: int) -> list[OdiResponse]:
    return list(db.session.scalars(
        select(OdiResponse).where(OdiResponse.patient_id == patient_id)
        .options(selectinload(OdiResponse.clinic)).order_by(OdiResponse.taken_at)
    ))


def update_chart(actor: Actor, patient: Patient, details: ChartDetails, now: datetime) -> Chart:
    """Write the chart (one per patient). A chart another clinic wrote, which the scope hides,
    is never overwritten unseen."""
    if details.onset_date and details.onset_date > now.date():
        raise ValidationFailed("The onset date cannot be in the future.", "onset_date")
    scope = record_scope(actor.user, patient)
    chart = db.session.scalar(select(Chart).where(Chart.patient_id == patient.id))
    if chart is not None and not scope.shows(chart.clinic_id):
        raise NotAllowed(CHART_ELSEWHERE)
    clinic_id = recording_clinic(actor.user, patient.id, now)
    if chart is None:
        chart = Chart(patient_id=patient.id, clinic_id=clinic_id)
        db.session.add(chart)
    chart.clinic_id = clinic_id
    chart.condition = details.condition.strip()[:200]
    chart.onset_date = details.onset_date
    chart.updated_at, chart.updated_by_id = now, actor.user.id
    db.session.flush()
    record_event(actor, patient.id, "update_chart", chart, now)
    return chart


CHART_ELSEWHERE = ("This patient's chart was written at another clinic. It opens here, to read and to change, once "
                   "the patient has checked in for a visit at one of your clinics.")


def record_odi(actor: Actor, patient: Patient, answers: list[int | None], timepoint: str, now: datetime,
               booking_id: int | None = None) -> OdiResponse:
    """Store one Oswestry questionnaire with its score, at a visit (the one given, else the
    patient's latest visit at ``actor``'s clinics that they came to) and so in that visit's
    episode of care, as a record of the visit's clinic."""
    if timepoint not in TIMEPOINTS:
        raise ValidationFailed("Choose intake, progress or discharge.", "timepoint")
    if len(answers) != ODI_SECTIONS or any(a is not None and not 0 <= a <= 5 for a in answers):
        raise ValidationFailed("Each section is answered 0 to 5, or left blank.", "answers")
    record_scope(actor.user, patient)
    visit = db.session.get(Booking, booking_id) if booking_id is not None else attended_visit(actor.user, patient.id)
    if visit is None or visit.patient_id != patient.id or visit.status not in ATTENDED:
        raise Conflict(ODI_NEEDS_A_VISIT)
    response = OdiResponse(patient_id=patient.id, booking_id=visit.id, clinic_id=visit.clinic_id,
                           episode_id=episode_for_visit(visit).id, recorded_by_id=actor.user.id, taken_at=now,
                           timepoint=timepoint, answers=list(answers), score=odi_score(answers))
    db.session.add(response)
    db.session.flush()
    record_event(actor, patient.id, "record_odi", response, now)
    return response


ODI_NEEDS_A_VISIT = ("A questionnaire is recorded at a visit, in its episode of care: check the patient in for a "
                     "visit at your clinic first.")


def attended_visit(user: User, patient_id: int) -> Booking | None:
    """The patient's latest visit at one of ``user``'s clinics that they came to."""
    return db.session.scalar(
        select(Booking).where(Booking.patient_id == patient_id, Booking.status.in_(ATTENDED),
                              Booking.clinic_id.in_([clinic.id for clinic in user.clinics]))
        .order_by(Booking.start_at.desc()).limit(1))
