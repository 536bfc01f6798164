""""Why did you stop?": asked once per course, by e-mail, when a patient has not checked in for
STOP_QUESTION_DAYS days on their clinic's calendar (the notification worker), and by the link in
a practitioner's nudge. The link opens one question without signing in. Flush, never commit.

The link's token is an HMAC, under SECRET_KEY, of the question's own fields, so the e-mail and
any nudge can repeat it while only its hash is stored (as for check-in reminders).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from clinic_app.adherence.courses import Course, course_of, is_course_start
from clinic_app.adherence.models import ExerciseCheckIn, StopQuestion
from clinic_app.clinics.models import Clinic
from clinic_app.clinics.rules import local_date
from clinic_app.errors import ValidationFailed
from clinic_app.extensions import db
from clinic_app.notifications.due_now import queue_due_now
from clinic_app.notifications.links import public_url
from clinic_app.notifications.service import queue_email
from clinic_app.patients.models import Patient
from clinic_app.treatments.models import Programme

# Courses started longer ago than this are not asked: the answer would not be remembered.
ASK_WITHIN_DAYS = 56
OTHER_TEXT_MAX = 300


class StopReason(StrEnum):
    DID_NOT_HELP = "did_not_help"
    MADE_WORSE = "made_worse"
    TOO_PAINFUL = "too_painful"
    NO_TIME = "no_time"
    FORGOT = "forgot"
    FELT_BETTER = "felt_better"
    OTHER = "other"


REASON_LABELS = {
    StopReason.DID_NOT_HELP: "They didn't help",
    StopReason.MADE_WORSE: "They made my back worse",
    StopReason.TOO_PAINFUL: "They were too painful to do",
    StopReason.NO_TIME: "I had no time",
    StopReason.FORGOT: "I forgot",
    StopReason.FELT_BETTER: "My back felt better",
    StopReason.OTHER: "Something else",
}
# The claim's second half: patients stop "because the exercises don't make them feel better".
NOT_FEELING_BETTER = (StopReason.DID_NOT_HELP, StopReason.MADE_WORSE, StopReason.TOO_PAINFUL)


def quiet_days(last_check_in: date | None, started_on: date, today: date) -> int:
    """Days since the last check-in (or the prescription, without one), on the clinic's calendar."""
    return (today - (last_check_in or started_on)).days


def question_token(question: StopQuestion) -> str:
    message = f"stop-question:{question.patient_id}:{question.course_started_on.isoformat()}".encode()
    digest = hmac.new(current_app.config["SECRET_KEY"].encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def question_url(question: StopQuestion) -> str:
    return public_url("portal.stop_question", token=question_token(question))


def question_for_token(token: str) -> StopQuestion | None:
    return db.session.scalar(select(StopQuestion).where(StopQuestion.token_hash == _hash(token)))


def ask_why_stopped(course: Course, now: datetime) -> StopQuestion:
    """The course's question, made now unless it exists (two workers at once keep one)."""
    found = _question(course)
    if found is not None:
        return found
    question = StopQuestion(patient_id=course.patient_id, clinic_id=course.clinic_id,
                            course_started_on=course.started_on, last_exercised_on=_last_exercised(course.patient_id),
                            asked_at=now, token_hash="")
    question.token_hash = _hash(question_token(question))
    try:
        with db.session.begin_nested():
            db.session.add(question)
    except IntegrityError:
        raced = _question(course)
        if raced is None:
            raise
        return raced
    return question


def question_for_patient(patient_id: int, now: datetime) -> StopQuestion | None:
    """For a practitioner's nudge: the course's question (asked now if it was not yet)."""
    course = course_of(patient_id)
    return ask_why_stopped(course, now) if course is not None else None


@dataclass(frozen=True)
class StopAnswer:
    reason: StopReason
    other_text: str = ""


def answer_why_stopped(question: StopQuestion, answer: StopAnswer, now: datetime) -> None:
    """Record (or change) the answer. "Something else" needs a few words."""
    text = answer.other_text.strip()
    if answer.reason is StopReason.OTHER and not text:
        raise ValidationFailed("Tell us in a few words why you stopped.", "other_text")
    if len(text) > OTHER_TEXT_MAX:
        raise ValidationFailed(f"Keep it under {OTHER_TEXT_MAX} characters.", "other_text")
    question.reason = answer.reason.value
    question.other_text = text if answer.reason is StopReason.OTHER else ""
    question.answered_at = now
    db.session.flush()


def queue_stop_questions(now: datetime) -> int:
    """E-mail the question to every patient whose course started in the last ASK_WITHIN_DAYS,
    who has not checked in for STOP_QUESTION_DAYS days and was not asked yet; returns how many
    were queued. The outbox's key (one per question) makes a second pass queue nothing."""
    days = current_app.config["STOP_QUESTION_DAYS"]
    queued = 0
    for course, email, first_name, last in _candidates(now):
        if email and quiet_days(last, course.started_on, local_date(course.zone, now)) >= days:
            question = ask_why_stopped(course, now)
            queued += _queue(question, email, first_name, now)
    return queued


def _candidates(now: datetime):
    """Courses started lately and not yet asked, with the patient's e-mail, first name and last
    check-in day: one query."""
    last = (select(func.max(ExerciseCheckIn.on_date)).where(ExerciseCheckIn.patient_id == Programme.patient_id)
            .correlate(Programme).scalar_subquery())
    asked = select(StopQuestion.patient_id).where(StopQuestion.patient_id == Programme.patient_id).exists()
    rows = db.session.execute(
        select(Programme.patient_id, Programme.clinic_id, Clinic.timezone, Programme.created_at, Patient.email,
               Patient.first_name, last)
        .join(Clinic, Clinic.id == Programme.clinic_id).join(Patient, Patient.id == Programme.patient_id)
        .where(is_course_start(), Programme.created_at >= now - timedelta(days=ASK_WITHIN_DAYS), ~asked)
        .order_by(Programme.patient_id)
    )
    for patient_id, clinic_id, zone, started_at, email, first_name, last_on in rows:
        yield Course(patient_id, clinic_id, zone, started_at), email, first_name, last_on


def _queue(question: StopQuestion, email: str, first_name: str, now: datetime) -> int:
    return queue_due_now(lambda: queue_email(
        email,
        "A quick question about your exercises",
        "emails/stop_question.txt",
        idempotency_key=f"stop-question:{question.id}",
        first_name=first_name,
        question_url=question_url(question),
    ), now)


def _question(course: Course) -> StopQuestion | None:
    return db.session.scalar(select(StopQuestion).where(StopQuestion.patient_id == course.patient_id,
                                                        StopQuestion.course_started_on == course.started_on))


def _last_exercised(patient_id: int) -> date | None:
    return db.session.scalar(select(func.max(Programme.last_exercised_on)).where(Programme.patient_id == patient_id))


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
