"""The patient's /my/ page leads with today's task (issue 18): the check-in first when it is
due, then the next visit, then the rest; pain as a row of 0-10 radio buttons; each exercise's
dosage in words, minutes for a timed one; the saved confirmation where the patient is looking."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import text

from clinic_app.accounts.models import Role
from clinic_app.audit.service import Actor
from clinic_app.clock import utcnow
from clinic_app.extensions import db
from clinic_app.treatments.library import seed_exercise_library
from clinic_app.treatments.models import Exercise
from clinic_app.treatments.programmes import Dose, prescribe_programme
from clinic_app.treatments.rules import describe_dosage
from tests.factories import make_booking, make_user


def exercise(slug: str) -> Exercise:
    return db.session.scalar(db.select(Exercise).where(Exercise.slug == slug))


@pytest.fixture
def patient_with_programme(app):
    """A signed-up patient seen a week ago, with a programme of bird dog and brisk walking and a
    visit booked in three days: (user, visit, upcoming, link token)."""
    visit = make_booking(now=utcnow() - timedelta(days=8))
    seed_exercise_library()
    doses = [Dose(exercise("bird-dog").id, 2, 8, 5, 1), Dose(exercise("walking").id, 1, 1, 0, 1, minutes=20)]
    _, token = prescribe_programme(Actor(visit.practitioner.user), visit.patient, visit.practitioner, doses, "",
                                   utcnow())
    user = make_user(Role.PATIENT, email=visit.patient.email)
    visit.patient.user_id = user.id
    upcoming = make_booking(visit.clinic, visit.service, visit.practitioner, now=utcnow(), email=visit.patient.email,
                            first_name=visit.patient.first_name, last_name=visit.patient.last_name,
                            date_of_birth=visit.patient.date_of_birth)
    db.session.commit()
    return user, visit, upcoming, token


def check_in(pain="4"):
    walking, bird_dog = exercise("walking"), exercise("bird-dog")
    return {"on": "today", "pain": pain, "feeling": "better", f"sets_{bird_dog.id}": "2", f"sets_{walking.id}": "1"}


@pytest.mark.parametrize(
    ("dose", "words"),
    [
        ((2, 10, 0, 1, 0), "2 sets of 10 reps, once a day"),
        ((1, 3, 30, 2, 0), "1 set of 3 reps, hold 30 seconds, twice a day"),
        ((2, 8, 1, 3, 0), "2 sets of 8 reps, hold 1 second, 3 times a day"),
        ((1, 1, 0, 1, 20), "20 minutes, once a day"),
        ((1, 1, 0, 2, 1), "1 minute, twice a day"),
    ],
)
def test_dosage_reads_as_reps_hold_sets_and_times_a_day_or_minutes(dose, words):
    assert describe_dosage(*dose) == words


def test_my_page_puts_a_due_check_in_first_then_the_next_visit_then_the_programme(client, patient_with_programme):
    user, _, upcoming, _ = patient_with_programme
    client.login(user.email)
    page = client.get("/my/").text
    order = [page.index(marker) for marker in (
        'id="check-in"', 'Your next visit', upcoming.reference, 'id="programme"')]
    assert order == sorted(order)


def test_once_checked_in_the_next_visit_comes_first(client, patient_with_programme):
    user, _, upcoming, _ = patient_with_programme
    client.login(user.email)
    client.submit("/my/check-in", check_in(), page="/my/")
    page = client.get("/my/").text
    assert page.index("Your next visit") < page.index('id="check-in"') < page.index('id="programme"')


def test_pain_is_a_row_of_eleven_radio_buttons_in_a_fieldset_with_a_legend(client, patient_with_programme):
    user, *_ = patient_with_programme
    client.login(user.email)
    page = client.get("/my/").text
    fieldset = re.search(r'<fieldset id="pain".*?</fieldset>', page, re.S).group(0)
    assert "<legend>Pain right now</legend>" in fieldset and 'class="scale"' in fieldset
    values = re.findall(r'<input[^>]*name="pain"[^>]*type="radio"[^>]*value="(\d+)"', fieldset)
    assert values == [str(n) for n in range(11)]
    assert all(f'<label for="pain-{n}">{n}</label>' in fieldset for n in range(11))


def test_timed_exercises_show_minutes_and_others_reps_hold_and_sets(client, patient_with_programme):
    user, _, _, token = patient_with_programme
    client.login(user.email)
    for page in (client.get("/my/").text, client.get(f"/my/programme/{token}").text):
        assert "Brisk walking: 20 minutes, once a day" in page or "20 minutes, once a day" in page
        assert "2 sets of 8 reps, hold 5 seconds, once a day" in page
        assert "1 set of 1" not in page
    assert "Brisk walking: times done" in client.get("/my/").text


def test_the_saved_confirmation_is_in_the_check_in_and_the_page_goes_there(client, patient_with_programme):
    user, _, _, token = patient_with_programme
    client.login(user.email)
    response = client.submit("/my/check-in", check_in(), page="/my/")
    assert response.headers["Location"].endswith("/my/#check-in-saved")
    page = client.get("/my/").text
    section = re.search(r'<section aria-labelledby="check-in".*?</section>', page, re.S).group(0)
    assert 'id="check-in-saved" role="status" tabindex="-1" autofocus>Thank you' in section
    assert page.count("check-in is saved") == 1  # not also at the top of the page
    by_link = client.submit(f"/my/programme/{token}/check-in", check_in(), page=f"/my/programme/{token}")
    assert by_link.headers["Location"].endswith(f"/my/programme/{token}#check-in-saved")


def test_walking_prescribed_before_minutes_existed_becomes_twenty_minutes(app):
    """Migration 0030 on data: the library's walking and its prescriptions get 20 minutes, other
    exercises none; downgrading drops the column again."""
    from flask_migrate import downgrade, upgrade

    db.drop_all()
    upgrade()
    visit = make_booking()
    seed_exercise_library()
    prescribe_programme(Actor(visit.practitioner.user), visit.patient, visit.practitioner,
                        [Dose(exercise("walking").id, 1, 1), Dose(exercise("bird-dog").id, 2, 8)], "", utcnow())
    db.session.commit()
    db.session.remove()
    downgrade(revision="0023")
    upgrade()
    minutes = dict(db.session.execute(text(
        "SELECT e.slug, p.minutes FROM programme_exercises p JOIN exercises e ON e.id = p.exercise_id")).all())
    assert minutes == {"walking": 20, "bird-dog": 0}
    assert db.session.scalar(text("SELECT minutes FROM exercises WHERE slug = 'walking'")) == 20
    db.session.remove()
    downgrade(revision="0023")
    assert db.session.scalar(text("SELECT count(*) FROM programme_exercises")) == 2
    db.session.remove()  # PostgreSQL: the read's lock would hold up the migration
    upgrade()
