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
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import aliased

from clinic_app.extensions import db
from clinic_app.reporting.definitions import IMPROVEMENT_TENTHS
from clinic_app.reporting.models import OutcomeScore
from clinic_app.reporting.queries.scope import ClinicRef, ReportRange, share
from clinic_app.reporting.queries.sql import count_where


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
    """Pain before treatment, from each visit's note (outcome_scores.score_rows)."""
    return _outcomes("nprs", report, clinics, current_app.config["NPRS_MCID_POINTS"])


def odi_figures(report: ReportRange, clinics: list[ClinicRef]) -> tuple[dict[int, OutcomeFigures], OutcomeFigures]:
    """Scored questionnaires recorded against a visit on the report's days (the clinic is the
    visit's); one left unscored, or recorded without a visit, is not counted."""
    return _outcomes("odi", report, clinics, current_app.config["ODI_MCID_POINTS"])


def _outcomes(scale: str, report: ReportRange, clinics: list[ClinicRef], threshold_points: float):
    """The clinic rows, and the network row, which groups by patient alone."""
    def in_range(scores):
        conditions = [scores.scale == scale, scores.day.between(report.first_day, report.last_day)]
        if report.clinic_id is not None:
            conditions.append(scores.clinic_id == report.clinic_id)
        return conditions

    rows = db.session.execute(_per_group(in_range, threshold_points, by_clinic=True))
    by_clinic = {row[0]: OutcomeFigures(*_numbers(row[1:])) for row in rows}
    network = db.session.execute(_per_group(in_range, threshold_points, by_clinic=False)).one()
    return ({clinic.id: by_clinic.get(clinic.id, OutcomeFigures()) for clinic in clinics},
            OutcomeFigures(*_numbers(network)))


def _numbers(row) -> tuple[int, float, int]:
    patients, total, improved = row
    return int(patients or 0), float(total or 0), int(improved or 0)


def _per_group(in_range, threshold_points: float, by_clinic: bool):
    """Per clinic (or for the network): patients with two or more scores, the sum of their
    improvements, and how many reached the threshold. A patient's first score is the one taken
    earliest (the lower of two taken at once), the latest the one taken last (the higher of
    two): the span of each patient's scores first, then the scores at its two ends."""
    names = ("clinic_id", "patient_id") if by_clinic else ("patient_id",)
    spans = (
        select(*(getattr(OutcomeScore, name) for name in names),
               func.min(OutcomeScore.taken_at).label("first_at"), func.max(OutcomeScore.taken_at).label("latest_at"))
        .where(*in_range(OutcomeScore)).group_by(*(getattr(OutcomeScore, name) for name in names))
        .having(func.count() >= 2).subquery()
    )
    ends = aliased(OutcomeScore)
    group = [spans.c[name] for name in names]
    patients = (
        select(*group[:-1],
               func.min(case((ends.taken_at == spans.c.first_at, ends.score))).label("first"),
               func.max(case((ends.taken_at == spans.c.latest_at, ends.score))).label("latest"))
        .select_from(spans)
        .join(ends, and_(*in_range(ends), *(getattr(ends, name) == spans.c[name] for name in names),
                         ends.taken_at.in_([spans.c.first_at, spans.c.latest_at])))
        .group_by(*group)
        .subquery()
    )
    fall = patients.c.first - patients.c.latest
    improved = and_(fall > 0, or_(fall >= threshold_points, fall * 10 >= patients.c.first * IMPROVEMENT_TENTHS))
    figures = [func.count(), func.sum(fall), count_where(improved)]
    if by_clinic:
        return select(patients.c.clinic_id, *figures).group_by(patients.c.clinic_id)
    return select(*figures)
