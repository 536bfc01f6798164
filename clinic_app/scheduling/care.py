"""Where a patient is in care, read from their visits, for the access rules of accounts.policy."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from clinic_app.accounts.policy import PatientCare
from clinic_app.extensions import db
from clinic_app.scheduling.models import ATTENDED, Booking, BookingStatus


def patient_care(patient_id: int) -> PatientCare:
    """The clinics where the patient has a visit that is not cancelled, and those where they
    have attended one (checked in or seen)."""
    rows = db.session.execute(
        select(Booking.clinic_id, Booking.status)
        .where(Booking.patient_id == patient_id, Booking.status != BookingStatus.CANCELLED)
        .distinct()
    )
    return care_from_visits((clinic_id, status) for clinic_id, status in rows)


def care_from_visits(visits: Iterable[tuple[int, str]]) -> PatientCare:
    """The same, from (clinic id, status) pairs already loaded; cancelled visits count for nothing."""
    visits = [(clinic_id, status) for clinic_id, status in visits if status != BookingStatus.CANCELLED]
    return PatientCare(
        booked=frozenset(clinic_id for clinic_id, _ in visits),
        attended=frozenset(clinic_id for clinic_id, status in visits if status in ATTENDED),
    )
