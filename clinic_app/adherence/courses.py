"""What an adherence course is: a patient from their first prescription (programme version 1),
at the clinic that prescribed it. Every later version, and every check-in of the patient,
continues it, so a changed programme is not a new start.

This module and reporting.queries.courses.courses (its SQL for many patients at once) are the
only places that say so; when episodes of care land, a course becomes an episode there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from clinic_app.clinics.models import Clinic
from clinic_app.clinics.rules import local_date
from clinic_app.extensions import db
from clinic_app.treatments.models import Programme

FIRST_VERSION = 1


def is_course_start():
    """SQL, on Programme: the prescription that starts a course."""
    return Programme.version == FIRST_VERSION


@dataclass(frozen=True)
class Course:
    patient_id: int
    clinic_id: int
    zone: str
    started_at: datetime

    @property
    def started_on(self) -> date:
        """The first prescription's day on the clinic's calendar (day 0)."""
        return local_date(self.zone, self.started_at)


def course_of(patient_id: int) -> Course | None:
    row = db.session.execute(
        select(Programme.clinic_id, Clinic.timezone, Programme.created_at)
        .join(Clinic, Clinic.id == Programme.clinic_id)
        .where(Programme.patient_id == patient_id, is_course_start())
    ).first()
    return Course(patient_id, *row) if row else None
