"""The patient's chart: condition, onset, red flags, visits, notes and outcome trends.
Opening it is audited like changing it. Flush, never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from clinic_app.audit.service import Actor, record_event
from clinic_app.errors import ValidationFailed
from clinic_app.extensions import db
from clinic_app.patients.models import Patient
from clinic_app.scheduling.models import Booking
from clinic_app.treatments.models import Chart, NoteCosignature, OdiResponse, TreatmentNote
from clinic_app.treatments.rules import (
    ODI_SECTIONS,
    RED_FLAGS,
    Change,
    Chronicity,
    change_in,
    chronicity,
    odi_score,
)

TIMEPOINTS = ("intake", "progress", "discharge")


@dataclass(frozen=True)
class ChartDetails:
    condition: str
    onset_date: date | None
    red_flags: tuple[str, ...]


@dataclass(frozen=True)
class PatientRecord:
    """Everything the chart page shows, loaded in a handful of queries."""

    patient: Patient
    chart: Chart | None
    chronicity: Chronicity | None
    visits: list[Booking]
    notes_by_booking: dict[int, TreatmentNote]
    odi: list[OdiResponse]
    pain_trend: Change | None
    odi_trend: Change | None

    @property
    def red_flags(self) -> list[str]:
        return [RED_FLAGS[code] for code in (self.chart.red_flags if self.chart else []) if code in RED_FLAGS]


def open_record(actor: Actor, patient: Patient, now: datetime) -> PatientRecord:
    """The patient's whole record, newest visit first; the read is audited."""
    chart = db.session.scalar(select(Chart).where(Chart.patient_id == patient.id))
    visits = list(
        db.session.scalars(
            select(Booking)
            .where(Booking.patient_id == patient.id)
            .options(selectinload(Booking.clinic), selectinload(Booking.practitioner), selectinload(Booking.service))
            .order_by(Booking.start_at.desc())
        )
    )
    notes = list(
        db.session.scalars(
            select(TreatmentNote)
            .where(TreatmentNote.patient_id == patient.id)
            .options(selectinload(TreatmentNote.addenda), selectinload(TreatmentNote.author),
                     selectinload(TreatmentNote.cosignatures).selectinload(NoteCosignature.user))
        )
    )
    odi = list(db.session.scalars(select(OdiResponse).where(OdiResponse.patient_id == patient.id)
                                  .order_by(OdiResponse.taken_at)))
    record_event(actor, patient.id, "view_chart", None, now)
    today = now.astimezone(ZoneInfo(visits[0].clinic.timezone)).date() if visits else now.date()
    return PatientRecord(
        patient=patient,
        chart=chart,
        chronicity=chronicity(chart.onset_date, today) if chart and chart.onset_date else None,
        visits=visits,
        notes_by_booking={note.booking_id: note for note in notes},
        odi=odi,
        pain_trend=change_in(pain_series(visits, notes), current_app.config["NPRS_MCID_POINTS"]),
        odi_trend=change_in([r.score for r in odi if r.score is not None], current_app.config["ODI_MCID_POINTS"]),
    )


def pain_series(visits: list[Booking], notes: list[TreatmentNote]) -> list[int]:
    """Pain before treatment at each visit, oldest first (the NPRS taken at every visit)."""
    start_by_booking = {visit.id: visit.start_at for visit in visits}
    scored = [n for n in notes if n.pain_before is not None and n.booking_id in start_by_booking]
    return [n.pain_before for n in sorted(scored, key=lambda n: start_by_booking[n.booking_id])]


def update_chart(actor: Actor, patient: Patient, details: ChartDetails, now: datetime) -> Chart:
    unknown = set(details.red_flags) - set(RED_FLAGS)
    if unknown:
        raise ValidationFailed("Choose red flags from the list.", "red_flags")
    if details.onset_date and details.onset_date > now.date():
        raise ValidationFailed("The onset date cannot be in the future.", "onset_date")
    chart = db.session.scalar(select(Chart).where(Chart.patient_id == patient.id))
    if chart is None:
        chart = Chart(patient_id=patient.id)
        db.session.add(chart)
    chart.condition = details.condition.strip()[:200]
    chart.onset_date = details.onset_date
    chart.red_flags = list(details.red_flags)
    chart.updated_at, chart.updated_by_id = now, actor.user.id
    db.session.flush()
    record_event(actor, patient.id, "update_chart", chart, now)
    return chart


def record_odi(actor: Actor, patient: Patient, answers: list[int | None], timepoint: str, now: datetime,
               booking_id: int | None = None) -> OdiResponse:
    """Store one Oswestry questionnaire with its score."""
    if timepoint not in TIMEPOINTS:
        raise ValidationFailed("Choose intake, progress or discharge.", "timepoint")
    if len(answers) != ODI_SECTIONS or any(a is not None and not 0 <= a <= 5 for a in answers):
        raise ValidationFailed("Each section is answered 0 to 5, or left blank.", "answers")
    response = OdiResponse(patient_id=patient.id, booking_id=booking_id, recorded_by_id=actor.user.id,
                           taken_at=now, timepoint=timepoint, answers=list(answers), score=odi_score(answers))
    db.session.add(response)
    db.session.flush()
    record_event(actor, patient.id, "record_odi", response, now)
    return response
