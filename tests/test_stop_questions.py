"""Why patients stop: the question e-mailed after quiet days, answered from its link without
signing in; per-exercise ratings on the check-in; and head office's claim page showing both
halves of the claim with the number of patients behind each figure."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from clinic_app.adherence.models import CheckInExercise, StopQuestion
from clinic_app.adherence.stop_questions import question_token, queue_stop_questions
from clinic_app.audit.service import Actor
from clinic_app.clock import utcnow
from clinic_app.extensions import db
from clinic_app.notifications.models import OutboxMessage
from clinic_app.treatments.library import seed_exercise_library
from clinic_app.treatments.programmes import Dose, exercise_library, prescribe_programme
from tests.factories import make_booking, make_user
from tests.test_check_ins import check_in_data
from tests.test_reporting import add_check_in, add_patient, add_programme


def prescribe(days_ago: int):
    visit = make_booking(start_at=utcnow() - timedelta(days=days_ago, hours=1))
    seed_exercise_library()
    first, second = exercise_library()[:2]
    programme, token = prescribe_programme(Actor(visit.practitioner.user, "203.0.113.7"), visit.patient,
                                           visit.practitioner, [Dose(first.id, 3, 10), Dose(second.id, 2, 5)], "",
                                           utcnow() - timedelta(days=days_ago))
    db.session.commit()
    return programme, token


def questions_sent() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.idempotency_key.like("stop-question:%"))))


def test_a_patient_quiet_for_three_days_is_asked_once_and_an_active_one_is_not(app):
    quiet, _ = prescribe(days_ago=5)
    active, _ = prescribe(days_ago=5)
    add_check_in(active, (utcnow() - timedelta(days=1)).date(), 3, None, {active.items[0].exercise: 1})
    db.session.commit()
    assert queue_stop_questions(utcnow()) == 1
    db.session.commit()
    assert queue_stop_questions(utcnow()) == 0
    [message] = questions_sent()
    assert message.recipient == quiet.patient.email and "/my/why-stopped/" in message.body_text


def test_the_link_opens_one_question_and_keeps_the_answer(client, app):
    programme, _ = prescribe(days_ago=6)
    queue_stop_questions(utcnow())
    db.session.commit()
    question = db.session.scalar(select(StopQuestion))
    url = f"/my/why-stopped/{question_token(question)}"
    assert "Why did you stop your exercises?" in client.get(url).text
    refused = client.submit(url, {"reason": "other", "other_text": " "})
    assert refused.status_code == 422 and 'id="other_text-error"' in refused.text
    done = client.submit(url, {"reason": "did_not_help", "other_text": "ignored"})
    assert done.status_code == 200 and "your answer is saved" in done.text
    db.session.refresh(question)
    assert (question.reason, question.other_text, question.answered_at is not None) == ("did_not_help", "", True)
    assert client.get("/my/why-stopped/not-a-token").status_code == 404


def test_each_exercise_done_can_be_rated_with_its_pain(client, app):
    programme, token = prescribe(days_ago=1)
    page = f"/my/programme/{token}"
    first, second = (item.exercise_id for item in programme.items)
    assert "how did it feel?" in client.get(page).text
    data = {**check_in_data(programme, sets=(3, 0)), f"rating_{first}": "harder", f"pain_during_{first}": "6"}
    assert client.submit(f"{page}/check-in", data, page=page).status_code == 302
    rows = {row.exercise_id: (row.rating, row.pain_during) for row in db.session.scalars(select(CheckInExercise))}
    assert rows == {first: ("harder", 6), second: (None, None)}
    not_done = {**check_in_data(programme, sets=(3, 0)), f"rating_{second}": "easier"}
    refused = client.submit(f"{page}/check-in", not_done, page=page)
    assert refused.status_code == 422 and "Rate only an exercise you did" in refused.text


# --- the claim page ------------------------------------------------------------------------------

def courses(count: int, last_exercise_day: int, reason: str | None = None):
    """``count`` patients prescribed 40 days ago who exercised daily up to ``last_exercise_day``."""
    visit = make_booking(start_at=utcnow() - timedelta(days=41))
    seed_exercise_library()
    exercise = exercise_library()[0]
    start = datetime.now(UTC) - timedelta(days=40)
    for n in range(count):
        patient = add_patient(f"Pat{last_exercise_day}x{n}")
        programme = add_programme(patient, visit.practitioner, start)
        programme.clinic_id = visit.clinic_id
        db.session.flush()
        for day in range(last_exercise_day + 1):
            add_check_in(programme, _started_on(programme) + timedelta(days=day), 4, None, {exercise: 1})
        if reason:
            db.session.add(StopQuestion(patient_id=patient.id, clinic_id=visit.clinic_id,
                                        course_started_on=_started_on(programme), last_exercised_on=None,
                                        token_hash=f"{patient.id:064d}", asked_at=utcnow(), answered_at=utcnow(),
                                        reason=reason))
    db.session.commit()


def _started_on(programme):
    from clinic_app.adherence.courses import course_of
    return course_of(programme.patient_id).started_on


@pytest.fixture
def head_office(client, app):
    make_user("head_office", email="chief@example.com")
    client.login("chief@example.com")
    return client


def claim_page(client) -> str:
    since = (utcnow() - timedelta(days=45)).date().isoformat()
    return client.get(f"/headoffice/claim?since={since}&until={utcnow().date().isoformat()}").text


def test_claim_page_shows_both_halves_with_the_curve_and_the_reasons(head_office):
    courses(8, last_exercise_day=1, reason="did_not_help")
    courses(12, last_exercise_day=20, reason="felt_better")
    html = claim_page(head_office)
    assert "First half" in html and "Second half" in html
    assert "20 patients started a programme: 20 checked in at least once" in html
    # 8 of 20 stopped on day 2 (last exercise day 1): 12/20 = 60.0% still exercising on day 3.
    assert re.search(r"Still exercising on day 3: 60\.0%</strong> \(95% band [0-9.]+% to [0-9.]+%\), 12 patients", html)
    assert 'id="curve-table"' in html and "<svg" in html and "claim: 30% on day 3" in html
    assert "20 patients answered" in html
    reasons = html.split('id="reasons-table"')[1]
    # Wilson 8/20: 21.9% to 61.3%.
    assert re.search(r"They didn&#39;t help</th>\s*<td class=\"num\">8</td>\s*<td class=\"num\">40\.0%</td>\s*"
                     r"<td class=\"num\">21\.9% to 61\.3%</td>", reasons)


def test_claim_page_suppresses_figures_from_fewer_than_ten_patients(head_office):
    courses(3, last_exercise_day=1, reason="forgot")
    html = claim_page(head_office)
    assert "No curve: fewer than 10 patients checked in." in html
    assert "Too few patients followed to day 3" in html
    assert "66.7%" not in html and html.count("fewer than 10") >= 3


def test_migration_0029_goes_down_and_up_again_with_ratings_and_answers(app):
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    db.drop_all()
    upgrade()
    programme, _ = prescribe(days_ago=6)
    add_check_in(programme, (utcnow() - timedelta(days=5)).date(), 4, None, {programme.items[0].exercise: 1})
    db.session.flush()
    db.session.scalar(select(CheckInExercise).where(CheckInExercise.sets_done > 0)).rating = "easier"
    queue_stop_questions(utcnow())
    question = db.session.scalar(select(StopQuestion))
    question.reason, question.answered_at = "forgot", utcnow()
    db.session.commit()
    db.session.remove()
    downgrade(revision="0023")
    with db.engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM check_in_exercises")) == 1
    upgrade()
    with db.engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM check_in_exercises WHERE rating IS NULL")) == 1
        assert connection.scalar(text("SELECT count(*) FROM stop_questions")) == 0
