"""Outcomes: how pain (NPRS) and disability (ODI) changed over the episodes of care that began
in the range, by the one outcome rule of reporting.definitions (episode_outcome): the
episode's intake score against its latest (or discharge) score, whenever that was taken.

An episode counts at the clinic of its intake visit, in the range when the intake visit's day
(on that clinic's calendar) is; the network row adds the clinics up (an episode belongs to one
clinic, so nothing is counted twice). Episodes with an intake score but no later one are
counted as such, never dropped. The scores are those of outcome_scores.score_rows: signed
notes of visits the patient came to, and scored questionnaires.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from itertools import groupby

from sqlalchemy import select

from clinic_app.clinics.models import Clinic
from clinic_app.extensions import db
from clinic_app.reporting.definitions import Outcome, Verdict, episode_outcome, mcid_points
from clinic_app.reporting.models import OutcomeScore
from clinic_app.reporting.queries.scope import ClinicRef, ReportRange, share
from clinic_app.reporting.queries.sql import local_date
from clinic_app.treatments.models import Episode


@dataclass(frozen=True)
class OutcomeFigures:
    episodes: int = 0  # with an intake score
    followed_up: int = 0  # with a later score too
    improved: int = 0
    unchanged: int = 0
    worse: int = 0
    improvement_total: float = 0  # intake minus latest, over the followed-up episodes

    @property
    def no_follow_up(self) -> int:
        return self.episodes - self.followed_up

    @property
    def improved_share(self) -> float | None:
        """Improved among ALL episodes with an intake score, not only those followed up."""
        return share(self.improved, self.episodes)

    @property
    def mean_improvement(self) -> float | None:
        return share(self.improvement_total, self.followed_up)

    @classmethod
    def of(cls, outcomes: Iterable[Outcome]) -> OutcomeFigures:
        listed = list(outcomes)
        followed = [outcome for outcome in listed if outcome.points is not None]
        def count(verdict: Verdict) -> int:
            return sum(outcome.verdict == verdict for outcome in listed)

        return cls(len(listed), len(followed), count(Verdict.IMPROVED), count(Verdict.UNCHANGED), count(Verdict.WORSE),
                   float(sum(outcome.points or 0 for outcome in followed)))

    def __add__(self, other: OutcomeFigures) -> OutcomeFigures:
        return OutcomeFigures(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))


def nprs_figures(report: ReportRange, clinics: list[ClinicRef]) -> tuple[dict[int, OutcomeFigures], OutcomeFigures]:
    return outcome_figures("nprs", report, clinics)


def odi_figures(report: ReportRange, clinics: list[ClinicRef]) -> tuple[dict[int, OutcomeFigures], OutcomeFigures]:
    return outcome_figures("odi", report, clinics)


def outcome_figures(scale: str, report: ReportRange,
                    clinics: list[ClinicRef]) -> tuple[dict[int, OutcomeFigures], OutcomeFigures]:
    """The clinic rows and the network row (their sum)."""
    by_clinic: dict[int, list[Outcome]] = {}
    for clinic_id, outcome in episode_outcomes(scale, report).values():
        by_clinic.setdefault(clinic_id, []).append(outcome)
    rows = {clinic.id: OutcomeFigures.of(by_clinic.get(clinic.id, [])) for clinic in clinics}
    return rows, sum(rows.values(), OutcomeFigures())


def episode_outcomes(scale: str, report: ReportRange) -> dict[int, tuple[int, Outcome]]:
    """Episode id -> (its clinic, its outcome) for the episodes that began in the range and
    have an intake score on ``scale``."""
    began = local_date(Episode.opened_at, Clinic.timezone).between(report.first_day, report.last_day)
    query = (select(Episode.id, Episode.clinic_id, OutcomeScore.score)
             .join(Clinic, Clinic.id == Episode.clinic_id)
             .join(OutcomeScore, (OutcomeScore.episode_id == Episode.id) & (OutcomeScore.scale == scale))
             .where(began).order_by(Episode.id, OutcomeScore.taken_at, OutcomeScore.source_id))
    if report.clinic_id is not None:
        query = query.where(Episode.clinic_id == report.clinic_id)
    mcid = mcid_points(scale)
    outcomes = {}
    for (episode_id, clinic_id), rows in groupby(db.session.execute(query), key=lambda row: (row[0], row[1])):
        outcome = episode_outcome([float(row[2]) for row in rows], mcid)
        if outcome is not None:
            outcomes[episode_id] = (clinic_id, outcome)
    return outcomes
