"""Outcomes: how pain (NPRS) and disability (ODI) changed for patients seen in the range.

For each patient, at each clinic, the first and the latest score taken at visits on the report's
days; a patient counts once two or more scores are there. Lower is better on both scales, so
the improvement is first minus latest. A patient improved when the fall reaches the published
threshold in points or 30% of the first score, whichever is reached:

- NPRS: 2 points (NPRS_MCID_POINTS) or 30% (Farrar et al., Pain 2001;94(2):149-58; Ostelo et
  al., Spine 2008;33(1):90-4).
- ODI: 10 points (ODI_MCID_POINTS) or 30% (Ostelo et al., Spine 2008;33(1):90-4).

The network row groups by patient alone: a patient seen at two clinics counts once there, with
the first and latest scores over the whole network.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import Integer, and_, case, func, null, or_, select, union_all

from clinic_app.extensions import db
from clinic_app.headoffice.reporting import ClinicRef, ReportRange, in_local_range, local_windows, share
from clinic_app.scheduling.models import Booking
from clinic_app.treatments.models import OdiResponse, TreatmentNote

# 30% of the first score, compared as fall x 10 >= first x 3 so no rounding can tip it.
IMPROVEMENT_TENTHS = 3


@dataclass(frozen=True)
class OutcomeFigures:
    patients: int = 0  # with two or more scores
    improvement_total: float = 0  # first minus latest, added up over those patients
    improved: int = 0

    @property
    def mean_improvement(self) -> float | None:
        return share(self.improvement_total, self.patients)

    @property
    def improved_share(self) -> float | None:
        return share(self.improved, self.patients)


def nprs_figures(report: ReportRange, clinics: list[ClinicRef]) -> tuple[dict[int, OutcomeFigures], OutcomeFigures]:
    """Pain before treatment, from each visit's note (draft or signed, as on the patient's chart)."""
    scores = (
        select(Booking.clinic_id, Booking.patient_id, Booking.start_at.label("taken_at"),
               TreatmentNote.pain_before.label("score"))
        .join(TreatmentNote, TreatmentNote.booking_id == Booking.id)
        .where(TreatmentNote.pain_before.is_not(None),
               in_local_range(Booking.clinic_id, Booking.start_at, local_windows(report, clinics)))
    )
    return _outcomes(scores, current_app.config["NPRS_MCID_POINTS"], clinics)


def odi_figures(report: ReportRange, clinics: list[ClinicRef]) -> tuple[dict[int, OutcomeFigures], OutcomeFigures]:
    """Scored questionnaires recorded against a visit on the report's days (the clinic is the
    visit's); one left unscored, or recorded without a visit, is not counted."""
    scores = (
        select(Booking.clinic_id, OdiResponse.patient_id, OdiResponse.taken_at, OdiResponse.score)
        .join(Booking, Booking.id == OdiResponse.booking_id)
        .where(OdiResponse.score.is_not(None),
               in_local_range(Booking.clinic_id, Booking.start_at, local_windows(report, clinics)))
    )
    return _outcomes(scores, current_app.config["ODI_MCID_POINTS"], clinics)


def _outcomes(scores, threshold_points: float, clinics: list[ClinicRef]):
    """The clinic rows and the network row in one statement, so that the scores are read once:
    a CTE used twice is computed once by SQLite and PostgreSQL. The network row is the one
    without a clinic."""
    shared = scores.cte("scores")
    network = _per_group(shared, threshold_points, by_clinic=False)
    network = select(null().cast(Integer).label("clinic_id"), *network.subquery().c)
    rows = db.session.execute(union_all(_per_group(shared, threshold_points, by_clinic=True), network)).all()
    by_clinic = {row[0]: OutcomeFigures(*_numbers(row[1:])) for row in rows if row[0] is not None}
    network_row = next(row for row in rows if row[0] is None)
    return ({clinic.id: by_clinic.get(clinic.id, OutcomeFigures()) for clinic in clinics},
            OutcomeFigures(*_numbers(network_row[1:])))


def _numbers(row) -> tuple[int, float, int]:
    patients, total, improved = row
    return int(patients or 0), float(total or 0), int(improved or 0)


def _per_group(scores, threshold_points: float, by_clinic: bool):
    """Per clinic (or for the network): patients with two or more scores, the sum of their
    improvements, and how many reached the threshold."""
    group = [scores.c.clinic_id, scores.c.patient_id] if by_clinic else [scores.c.patient_id]
    ranked = select(
        *group,
        scores.c.score,
        func.row_number().over(partition_by=group, order_by=(scores.c.taken_at, scores.c.score)).label("from_first"),
        func.row_number().over(partition_by=group,
                               order_by=(scores.c.taken_at.desc(), scores.c.score.desc())).label("from_latest"),
    ).subquery()
    ranked_group = [ranked.c.clinic_id, ranked.c.patient_id] if by_clinic else [ranked.c.patient_id]
    patients = (
        select(*ranked_group,
               func.max(case((ranked.c.from_first == 1, ranked.c.score))).label("first"),
               func.max(case((ranked.c.from_latest == 1, ranked.c.score))).label("latest"))
        .group_by(*ranked_group)
        .having(func.count() >= 2)
        .subquery()
    )
    fall = patients.c.first - patients.c.latest
    improved = and_(fall > 0, or_(fall >= threshold_points, fall * 10 >= patients.c.first * IMPROVEMENT_TENTHS))
    figures = [func.count(), func.sum(fall), func.coalesce(func.sum(case((improved, 1), else_=0)), 0)]
    if by_clinic:
        return select(patients.c.clinic_id, *figures).group_by(patients.c.clinic_id)
    return select(*figures)
