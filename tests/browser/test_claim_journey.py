"""The claim, put to the data, end to end at phone width: a patient rates each exercise on the
check-in from their programme link and answers "why did you stop?" from the e-mailed link; head
office's claim page shows both halves of the claim, the curve with its table, and the reasons."""

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from clinic_app.adherence.courses import course_of
from clinic_app.adherence.stop_questions import ask_why_stopped, question_token
from clinic_app.audit.service import Actor
from clinic_app.clock import utcnow
from clinic_app.demo.clinical import seed_clinical_history
from clinic_app.extensions import db
from clinic_app.treatments.programmes import Dose, exercise_library, prescribe_programme
from tests.browser.conftest import demo_site, open_as_head_office_on_a_phone
from tests.browser.test_adherence_journey import practitioner_account, seen_a_week_ago
from tests.browser.test_practice_journey import assert_accessible

pytestmark = pytest.mark.browser
PHONE = {"width": 375, "height": 812}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The demo site (its adherence drawn from the demo model) and a patient given a
    two-exercise programme a week ago: (url, programme link token, why-stopped token, names)."""
    with demo_site(tmp_path_factory.mktemp("claim")) as (url, app):
        with app.app_context():
            seed_clinical_history(utcnow().date())  # as `flask seed-demo` does: the model's histories
            patient = seen_a_week_ago(email="claim.patient@example.com")
            exercises = exercise_library()[:2]
            practitioner = practitioner_account()
            _, token = prescribe_programme(Actor(practitioner.user), patient, practitioner,
                                           [Dose(e.id, 2, 10) for e in exercises], "", utcnow() - timedelta(days=7))
            question = ask_why_stopped(course_of(patient.id), utcnow())
            db.session.commit()
            yield url, token, question_token(question), [e.name for e in exercises]


def test_patient_rates_each_exercise_and_says_why_they_stopped(page: Page, site):
    url, token, stop_token, (first, second) = site
    page.set_viewport_size(PHONE)
    page.goto(f"{url}/my/programme/{token}")
    page.get_by_label(f"{first}: sets done").fill("2")
    page.get_by_role("group", name=f"{first}: how did it feel?").get_by_label("Harder or painful").check()
    page.get_by_label(f"{first}: pain during it (0-10, optional)").fill("6")
    page.get_by_role("group", name="Pain right now").get_by_label("5", exact=True).check()
    page.get_by_role("button", name="Save check-in").click()
    expect(page.get_by_text("check-in is saved")).to_be_visible()

    page.goto(f"{url}/my/why-stopped/{stop_token}")
    assert_accessible(page)
    page.get_by_label("They didn't help").check()
    page.get_by_role("button", name="Send my answer").click()
    expect(page.get_by_role("status")).to_contain_text("your answer is saved")


def test_head_office_sees_both_halves_of_the_claim_with_the_curve_and_the_reasons(page: Page, site):
    url, *_ = site
    open_as_head_office_on_a_phone(page, url, "The claim, put to the data")
    page.get_by_label("From").fill((utcnow() - timedelta(days=150)).date().isoformat())
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", name="First half: do 7 in 10 stop within 2-3 days?")).to_be_visible()
    expect(page.get_by_role("heading", name="Second half: do they stop because the exercises don't help?")) \
        .to_be_visible()
    expect(page.locator("#curve-table")).to_be_visible()
    expect(page.locator("#curve-chart")).to_be_visible()
    expect(page.locator("#reasons-table")).to_contain_text("They didn't help")
    expect(page.locator("#exercise-effect-table")).to_be_visible()
    assert_accessible(page)
