"""Adherence courses in SQL: the SQL form of reporting.definitions.course_follow_up over many
patients at once, counted per clinic and day for the Kaplan-Meier curve (reporting.statistics).
Tests check that both give the same curve on the same histories.

``courses`` is the one place (with adherence/courses.py, its one-patient form) that says what a
course is. Today: a patient from their first prescription (programme version 1), at the clinic
that prescribed it; every later version, and every check-in of the patient, continues it. When
episodes of care land, a course becomes an episode: only these two change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Date, and_, case, exists, func, literal, select

from clinic_app.adherence.courses import is_course_start
from clinic_app.adherence.models import ExerciseCheckIn
from clinic_app.clinics.models import Clinic
from clinic_app.clinics.rules import local_date as clinic_date
from clinic_app.extensions import db
from clinic_app.reporting.definitions import STOP_QUIET_DAYS, CourseState, last_closed_day
from clinic_app.reporting.queries.adherence import created_around
from clinic_app.reporting.queries.scope import ClinicRef, ReportRange
from clinic_app.reporting.queries.sql import days_between, local_date
from clinic_app.reporting.statistics import SurvivalPoint, kaplan_meier_counts
from clinic_app.treatments.models import Programme


def courses(*conditions):
    """One row per course: course_id (the patient), clinic_id, started_at and started_on (the
    clinic's calendar day of the first prescription), last_exercised_on (over all the patient's
    programme versions) and checked_in (any check-in at all). ``conditions`` on the first
    Programme narrow the courses first. MATERIALIZED, as in queries/adherence.py."""
    later = Programme.__table__.alias("later_version")
    last_exercised = (select(func.max(later.c.last_exercised_on)).where(later.c.patient_id == Programme.patient_id)
                      .correlate(Programme).scalar_subquery())
    checked_in = exists().where(ExerciseCheckIn.patient_id == Programme.patient_id).correlate(Programme)
    first = (
        select(Programme.patient_id.label("course_id"), Programme.clinic_id, Programme.created_at.label("started_at"),
               last_exercised.label("last_exercised_on"), checked_in.label("checked_in"))
        .where(is_course_start(), *conditions)
        .cte().prefix_with("MATERIALIZED")
    )
    return (
        select(first, local_date(first.c.started_at, Clinic.timezone).label("started_on"))
        .join(Clinic, Clinic.id == first.c.clinic_id)
        .cte().prefix_with("MATERIALIZED")
    )


@dataclass
class CourseFigures:
    """One clinic's (or the network's) courses started in the range: how many, how many never
    started or are awaiting their first check-in, and the stops and censorings per day."""

    courses: int = 0
    never_started: int = 0
    awaiting: int = 0
    stopped: dict[int, int] = field(default_factory=dict)  # day -> courses that stopped that day
    followed: dict[int, int] = field(default_factory=dict)  # day -> censored there

    @property
    def curve_patients(self) -> int:
        return sum(self.stopped.values()) + sum(self.followed.values())

    def curve(self) -> list[SurvivalPoint]:
        return kaplan_meier_counts(self.stopped, self.followed)

    def add(self, other: CourseFigures) -> None:
        self.courses += other.courses
        self.never_started += other.never_started
        self.awaiting += other.awaiting
        for mine, theirs in ((self.stopped, other.stopped), (self.followed, other.followed)):
            for day, count in theirs.items():
                mine[day] = mine.get(day, 0) + count


def course_figures(report: ReportRange, clinics: list[ClinicRef], now: datetime) -> dict[int, CourseFigures]:
    """Per clinic, the courses whose first prescription fell on the report's days (the clinic's
    calendar), each placed by course_follow_up's rule on the clinic's date at ``now``."""
    found = {clinic.id: CourseFigures() for clinic in clinics}
    if not clinics:
        return found
    placed = courses(created_around(report))
    closed = case({clinic.id: literal(last_closed_day(clinic_date(clinic.timezone, now)), Date())
                   for clinic in clinics}, value=placed.c.clinic_id)
    followed_to = days_between(closed, placed.c.started_on)
    last = func.coalesce(days_between(placed.c.last_exercised_on, placed.c.started_on), -1)
    state = case(
        (and_(~placed.c.checked_in, followed_to >= STOP_QUIET_DAYS - 1), CourseState.NEVER_STARTED.value),
        (~placed.c.checked_in, CourseState.AWAITING.value),
        (last + STOP_QUIET_DAYS <= followed_to, CourseState.STOPPED.value),
        else_=CourseState.FOLLOWED.value,
    )
    time = case((~placed.c.checked_in, None), (last + STOP_QUIET_DAYS <= followed_to, last + 1),
                (last < followed_to, last), else_=followed_to)
    rows = (select(placed.c.clinic_id, state.label("state"), time.label("time"), func.count())
            .where(placed.c.clinic_id.in_(list(found)),
                   placed.c.started_on.between(report.first_day, report.last_day))
            .group_by(placed.c.clinic_id, state, time))
    for clinic_id, course_state, day, count in db.session.execute(rows):
        _count(found[clinic_id], CourseState(course_state), day, count)
    return found


def _count(figures: CourseFigures, state: CourseState, day: int | None, count: int) -> None:
    figures.courses += count
    if state is CourseState.NEVER_STARTED:
        figures.never_started += count
    elif state is CourseState.AWAITING:
        figures.awaiting += count
    elif day is not None and day >= 0:  # censored before day 0: nothing known yet
        counts = figures.stopped if state is CourseState.STOPPED else figures.followed
        counts[day] = counts.get(day, 0) + count


def network_figures(by_clinic: dict[int, CourseFigures]) -> CourseFigures:
    whole = CourseFigures()
    for figures in by_clinic.values():
        whole.add(figures)
    return whole
