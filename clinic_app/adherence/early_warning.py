"""Early warning on the practice dashboard: which of a member of staff's patients look like they
are dropping their home programme, and which need a call today. Read-only; the rules are
adherence.rules risk_reasons and alert_reasons.

Whose patients: a practitioner's are those whose current programme they prescribed or whose
latest visit was with them; a clinic manager's are all of their clinics' patients. Either way
only patients with a visit (not cancelled) at a clinic the user works at, only programmes the
user may see (accounts.policy.can_see_clinic_record: prescribed at their clinics, or anywhere
once the patient has attended at theirs), and only while the programme is being watched:
prescribed in the last WATCH_DAYS, or checked in to lately.

The whole dashboard costs a fixed number of queries, however many patients there are: one
for the programmes, one for the visits, one (plus its exercises) for the recent check-ins,
one each for acknowledgements and nudges.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import contains_eager, selectinload

from clinic_app.accounts.models import User
from clinic_app.accounts.policy import can_see_clinic_record, clinics_caring_for_patients, sees_whole_clinic
from clinic_app.adherence.models import AdherenceNudge, CheckInAlertAcknowledgement, ExerciseCheckIn
from clinic_app.adherence.rules import (
    ALERT_PAIN,
    FLAT_OR_WORSE_ENTRIES,
    AlertReason,
    RiskReason,
    alert_reasons,
    risk_reasons,
)
from clinic_app.adherence.service import as_check_in
from clinic_app.clinics.models import Clinic
from clinic_app.clinics.rules import local_date
from clinic_app.extensions import db
from clinic_app.scheduling.care import care_from_visits
from clinic_app.scheduling.models import Booking, BookingStatus, Practitioner
from clinic_app.treatments.models import Programme

# Check-ins older than this are not read: the rules look at the last few entries only.
RECENT_DAYS = 14
# A programme nobody has checked in to lately stops being watched this long after prescription.
WATCH_DAYS = 56
# A patient is nudged at most once in this long.
NUDGE_INTERVAL = timedelta(hours=24)


@dataclass(frozen=True)
class Visit:
    clinic_id: int
    practitioner_id: int
    service_id: int
    start_at: datetime
    status: str
    zone: str


@dataclass(frozen=True)
class InCare:
    """A patient with a current programme whom this member of staff looks after."""

    programme: Programme
    latest_visit: Visit  # the latest that has started (the latest booked when none has)
    zone: str  # where the patient is treated: the clinic of their latest booking
    next_visit_booked: bool

    @property
    def patient(self):
        return self.programme.patient


@dataclass(frozen=True)
class AtRisk:
    care: InCare
    reasons: list[RiskReason]
    last_check_in: date | None
    days_quiet: int  # since the last check-in, or since prescription without one
    recent_pains: list[int]  # of the last check-ins, oldest first
    nudged_at: datetime | None

    def can_nudge(self, now: datetime) -> bool:
        return self.nudged_at is None or now - self.nudged_at >= NUDGE_INTERVAL


@dataclass(frozen=True)
class Alert:
    care: InCare
    check_in: ExerciseCheckIn  # the latest, which raised it
    reasons: list[AlertReason]


@dataclass(frozen=True)
class EarlyWarning:
    alerts: list[Alert]
    at_risk: list[AtRisk]


def early_warning(user: User, now: datetime) -> EarlyWarning:
    """The alerts not yet acknowledged (newest check-in first) and the patients at risk (the
    longest quiet first) among ``user``'s patients."""
    patients = patients_in_care(user, now)
    entries = _recent_check_ins([care.programme.id for care in patients], now)
    latest = [found[-1] for found in entries.values() if found]
    acknowledged = _acknowledged(latest)
    severe = _unacknowledged_severe_pain([care.programme.id for care in patients])
    nudged = last_nudges([care.patient.id for care in patients])
    alerts, at_risk = [], []
    for care in patients:
        found = entries.get(care.programme.id, [])
        alert = _alert(care, found, acknowledged)
        if alert is not None:
            alerts.append(alert)
        alerts += [Alert(care, entry, [AlertReason.SEVERE_PAIN]) for entry in severe.get(care.programme.id, [])
                   if alert is None or entry.id != alert.check_in.id]
        risk = _risk(care, found, nudged.get(care.patient.id), now)
        if risk is not None:
            at_risk.append(risk)
    alerts.sort(key=lambda a: (a.care.patient.last_name, a.care.patient.first_name))
    alerts.sort(key=lambda a: (a.check_in.on_date, a.check_in.updated_at), reverse=True)
    at_risk.sort(key=lambda r: (-r.days_quiet, r.care.patient.last_name, r.care.patient.first_name))
    return EarlyWarning(alerts, at_risk)


def patients_in_care(user: User, now: datetime, patient_id: int | None = None) -> list[InCare]:
    """``user``'s patients with a watched current programme (just one, with ``patient_id``)."""
    clinic_ids = clinics_caring_for_patients(user)
    if not clinic_ids:
        return []
    mine = None if sees_whole_clinic(user) else _practitioner_id(user)
    if mine is None and not sees_whole_clinic(user):
        return []  # a practitioner account without a profile treats nobody
    programmes = _watched_programmes(clinic_ids, now, patient_id)
    visits = _visits([programme.patient_id for programme in programmes])
    found = []
    for programme in programmes:
        patient_visits = visits.get(programme.patient_id, [])
        if not can_see_clinic_record(user, care_from_visits((v.clinic_id, v.status) for v in patient_visits),
                                     programme.clinic_id):
            continue
        care = _in_care(programme, patient_visits, now)
        if care is not None and (mine is None or mine in (programme.practitioner_id,
                                                          care.latest_visit.practitioner_id)):
            found.append(care)
    return found


def last_nudges(patient_ids: list[int]) -> dict[int, datetime]:
    """When each of these patients was last nudged."""
    if not patient_ids:
        return {}
    rows = db.session.execute(
        select(AdherenceNudge.patient_id, func.max(AdherenceNudge.sent_at))
        .where(AdherenceNudge.patient_id.in_(patient_ids))
        .group_by(AdherenceNudge.patient_id)
    )
    return {patient_id: sent_at for patient_id, sent_at in rows}


def _watched_programmes(clinic_ids: list[int], now: datetime, patient_id: int | None) -> list[Programme]:
    # Correlated on the patient, so each candidate is looked up by the bookings' patient index
    # instead of reading every booking these clinics ever had.
    treated_here = (
        select(Booking.id)
        .where(Booking.patient_id == Programme.patient_id, Booking.clinic_id.in_(clinic_ids),
               Booking.status != BookingStatus.CANCELLED)
        .exists()
    )
    checked_in_lately = select(ExerciseCheckIn.programme_id).where(ExerciseCheckIn.on_date >= _since(now))
    query = (
        select(Programme)
        .join(Programme.patient)
        .options(contains_eager(Programme.patient))
        .where(
            Programme.replaced_at.is_(None),
            or_(Programme.created_at >= now - timedelta(days=WATCH_DAYS), Programme.id.in_(checked_in_lately)),
        )
        .order_by(Programme.patient_id)
    )
    if patient_id is not None:
        query = query.where(Programme.patient_id == patient_id)
    return list(db.session.scalars(query.where(treated_here)))


def _visits(patient_ids: list[int]) -> dict[int, list[Visit]]:
    """Each patient's visits that were not cancelled, oldest first."""
    found: dict[int, list[Visit]] = defaultdict(list)
    if not patient_ids:
        return found
    rows = db.session.execute(
        select(Booking.patient_id, Booking.clinic_id, Booking.practitioner_id, Booking.service_id,
               Booking.start_at, Booking.status, Clinic.timezone)
        .join(Clinic, Clinic.id == Booking.clinic_id)
        .where(Booking.patient_id.in_(patient_ids), Booking.status != BookingStatus.CANCELLED)
        .order_by(Booking.patient_id, Booking.start_at, Booking.id)
    )
    for patient_id, clinic_id, practitioner_id, service_id, start_at, status, zone in rows:
        found[patient_id].append(Visit(clinic_id, practitioner_id, service_id, start_at, status, zone))
    return found


def _in_care(programme: Programme, visits: list[Visit], now: datetime) -> InCare | None:
    if not visits:
        return None
    started = [visit for visit in visits if visit.start_at <= now]
    return InCare(
        programme=programme,
        latest_visit=started[-1] if started else visits[-1],
        zone=visits[-1].zone,
        next_visit_booked=any(v.status == BookingStatus.BOOKED and v.start_at > now for v in visits),
    )


def _practitioner_id(user: User) -> int | None:
    return db.session.scalar(select(Practitioner.id).where(Practitioner.user_id == user.id))


def _since(now: datetime) -> date:
    # A day more than RECENT_DAYS: "today" is the patient's, up to a day away from UTC's.
    return (now - timedelta(days=RECENT_DAYS + 1)).date()


def _recent_check_ins(programme_ids: list[int], now: datetime) -> dict[int, list[ExerciseCheckIn]]:
    """The programmes' check-ins of the last RECENT_DAYS, oldest first."""
    found: dict[int, list[ExerciseCheckIn]] = defaultdict(list)
    if not programme_ids:
        return found
    entries = db.session.scalars(
        select(ExerciseCheckIn)
        .where(ExerciseCheckIn.programme_id.in_(programme_ids), ExerciseCheckIn.on_date >= _since(now))
        .options(selectinload(ExerciseCheckIn.exercises))
        .order_by(ExerciseCheckIn.programme_id, ExerciseCheckIn.on_date)
    )
    for entry in entries:
        found[entry.programme_id].append(entry)
    return found


def _acknowledged(entries: list[ExerciseCheckIn]) -> set[int]:
    """Those of ``entries`` whose alert was acknowledged as they are now."""
    if not entries:
        return set()
    seen = {
        ack.check_in_id: ack.entry_updated_at
        for ack in db.session.scalars(
            select(CheckInAlertAcknowledgement).where(
                CheckInAlertAcknowledgement.check_in_id.in_([entry.id for entry in entries])
            )
        )
    }
    return {entry.id for entry in entries if entry.id in seen and seen[entry.id] >= entry.updated_at}


def _unacknowledged_severe_pain(programme_ids: list[int]) -> dict[int, list[ExerciseCheckIn]]:
    """Check-ins of any age with pain of ALERT_PAIN or more whose alert nobody has acknowledged
    (as the entry is now): a later, lower score does not clear them."""
    found: dict[int, list[ExerciseCheckIn]] = defaultdict(list)
    if not programme_ids:
        return found
    seen = CheckInAlertAcknowledgement
    entries = db.session.scalars(
        select(ExerciseCheckIn)
        .outerjoin(seen, seen.check_in_id == ExerciseCheckIn.id)
        .where(ExerciseCheckIn.programme_id.in_(programme_ids), ExerciseCheckIn.pain >= ALERT_PAIN,
               or_(seen.id.is_(None), seen.entry_updated_at < ExerciseCheckIn.updated_at))
        .order_by(ExerciseCheckIn.programme_id, ExerciseCheckIn.on_date)
    )
    for entry in entries:
        found[entry.programme_id].append(entry)
    return found


def _alert(care: InCare, entries: list[ExerciseCheckIn], acknowledged: set[int]) -> Alert | None:
    """An alert for the latest check-in, unless it has been acknowledged."""
    reasons = alert_reasons([as_check_in(entry) for entry in entries])
    if not reasons or entries[-1].id in acknowledged:
        return None
    return Alert(care, entries[-1], reasons)


def _risk(care: InCare, entries: list[ExerciseCheckIn], nudged_at: datetime | None, now: datetime) -> AtRisk | None:
    today = local_date(care.zone, now)
    prescribed_on = min(local_date(care.zone, care.programme.created_at), today)
    reasons = risk_reasons(prescribed_on, [as_check_in(entry) for entry in entries], care.next_visit_booked, today)
    if not reasons:
        return None
    last = entries[-1].on_date if entries else None
    return AtRisk(
        care=care,
        reasons=reasons,
        last_check_in=last,
        days_quiet=(today - (last or prescribed_on)).days,
        recent_pains=[entry.pain for entry in entries[-FLAT_OR_WORSE_ENTRIES:]],
        nudged_at=nudged_at,
    )
