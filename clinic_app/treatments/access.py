"""Which patients' records a member of staff may open, and which of their parts they see (the
rules themselves are accounts.policy's: can_see_patient_record, can_see_clinic_record)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask import abort
from sqlalchemy import select

from clinic_app.accounts.models import User
from clinic_app.accounts.policy import (
    PatientCare,
    can_see_clinic_record,
    can_see_patient_record,
    shares_other_clinics_records,
)
from clinic_app.errors import NotAllowed
from clinic_app.extensions import db
from clinic_app.patients.models import Patient
from clinic_app.scheduling.care import patient_care
from clinic_app.scheduling.models import Booking, BookingStatus


@dataclass(frozen=True)
class RecordScope:
    """What one member of staff sees of one patient's record."""

    user: User
    patient: Patient
    care: PatientCare

    def shows(self, clinic_id: int) -> bool:
        """Whether a record made at ``clinic_id`` is shown (policy.can_see_clinic_record)."""
        return can_see_clinic_record(self.user, self.care, clinic_id)

    @property
    def whole(self) -> bool:
        """Every clinic's records are shown, not only those of the user's own clinics."""
        return shares_other_clinics_records(self.user, self.care)

    @property
    def own_clinic_ids(self) -> frozenset[int]:
        return frozenset(clinic.id for clinic in self.user.clinics)

    def other_clinics(self, clinic_ids: Iterable[int]) -> set[int]:
        """Those of ``clinic_ids`` shown that are not the user's own: a read across clinics."""
        return {clinic_id for clinic_id in clinic_ids if clinic_id not in self.own_clinic_ids and self.shows(clinic_id)}


def record_scope(user: User, patient: Patient) -> RecordScope:
    """The scope of ``user``'s view of the record; NotAllowed when they may not open it (the
    services call this, so no view can skip the rule)."""
    scope = RecordScope(user, patient, patient_care(patient.id))
    if not can_see_patient_record(user, scope.care):
        raise NotAllowed("This patient's record is not open to you.")
    return scope


def patient_for(user: User, patient_id: int) -> Patient:
    """The patient, when ``user`` may open their record; 404 otherwise, so that staff cannot
    learn who is a patient elsewhere."""
    patient = db.session.get(Patient, patient_id)
    if patient is None or not can_see_patient_record(user, patient_care(patient_id)):
        abort(404)
    return patient


def recording_clinic(user: User, patient_id: int, now: datetime) -> int:
    """The clinic a record made now by ``user`` belongs to: of the patient's visits (not
    cancelled) at the user's clinics, the clinic of the latest that has started, else of the
    next one."""
    own = [clinic.id for clinic in user.clinics]
    visits = db.session.execute(
        select(Booking.clinic_id, Booking.start_at)
        .where(Booking.patient_id == patient_id, Booking.clinic_id.in_(own), Booking.status != BookingStatus.CANCELLED)
        .order_by(Booking.start_at)
    ).all()
    started = [clinic_id for clinic_id, start_at in visits if start_at <= now]
    if started:
        return started[-1]
    if visits:
        return visits[0][0]
    raise NotAllowed("This patient has no visit at your clinics.")
