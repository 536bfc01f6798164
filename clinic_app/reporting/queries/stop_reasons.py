"""The answers to "why did you stop?" (adherence.stop_questions), counted by reason and by the
day of the course on which the patient stopped: the day after their last exercise when asked
(none: never exercised). Courses are chosen as for the curve: first prescribed on the report's
days (the clinic's calendar), at the chosen clinic."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from clinic_app.adherence.models import StopQuestion
from clinic_app.extensions import db
from clinic_app.reporting.queries.scope import ReportRange
from clinic_app.reporting.queries.sql import days_between


def stop_reason_counts(report: ReportRange) -> Counter[tuple[int | None, str]]:
    """(day of stopping, reason) -> answers. Day None: never exercised before being asked."""
    stop_day = days_between(StopQuestion.last_exercised_on, StopQuestion.course_started_on) + 1
    query = (select(stop_day, StopQuestion.reason, func.count())
             .where(StopQuestion.reason.is_not(None),
                    StopQuestion.course_started_on.between(report.first_day, report.last_day))
             .group_by(stop_day, StopQuestion.reason))
    if report.clinic_id is not None:
        query = query.where(StopQuestion.clinic_id == report.clinic_id)
    return Counter({(day, reason): count for day, reason, count in db.session.execute(query)})
