"""A patient's home programme at phone width: they log in, check in with their exercises done and
see the streak grow; then they check in "worse" with pain 9, and their practitioner finds the
alert at the top of /practice/ at once, and acknowledges it."""

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from clinic_app.accounts.models import User
from clinic_app.adherence.models import CheckInExercise, ExerciseCheckIn
from clinic_app.adherence.service import patient_today
from clinic_app.audit.service import Actor
from clinic_app.clinics.models import Clinic
from clinic_app.clock import utcnow
from clinic_app.extensions import db
from clinic_app.patients.service import PatientDetails
from clinic_app.scheduling.availability import free_slots
from clinic_app.scheduling.booking import BookingRequest, book_appointment
from clinic_app.scheduling.models import Practitioner, WorkingHours
from clinic_app.treatments.library import seed_exercise_library
from clinic_app.treatments.programmes import Dose, exercise_library, prescribe_programme
from tests.browser.conftest import demo_site
from tests.browser.test_practice_journey import assert_accessible, log_in

pytestmark = pytest.mark.browser
PHONE = {"width": 375, "height": 812}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The demo site where patient@example.com was seen by practitioner@example.com a week ago,
    was given a two-exercise programme, and checked in yesterday with the exercises done."""
    with demo_site(tmp_path_factory.mktemp("adherence")) as (url, app):
        with app.app_context():
            seed_exercise_library()
            patient = seen_a_week_ago()
            exercises = exercise_library()[:2]
            practitioner = practitioner_account()
            programme, _ = prescribe_programme(Actor(practitioner.user), patient, practitioner,
                                               [Dose(e.id, 2, 10) for e in exercises], "", utcnow() - timedelta(days=7))
            checked_in_yesterday(programme, exercises[0].id)
            db.session.commit()
            yield url, [e.name for e in exercises]


def practitioner_account() -> Practitioner:
    return db.session.scalar(select(Practitioner).join(User).where(User.email == "practitioner@example.com"))


def seen_a_week_ago(email: str = "patient@example.com"):
    practitioner = practitioner_account()
    clinic = db.session.scalar(select(Clinic).join(WorkingHours, WorkingHours.clinic_id == Clinic.id)
                               .where(WorkingHours.practitioner_id == practitioner.id))
    service = next(s for s in practitioner.services if not s.new_patients_only)
    now = utcnow() - timedelta(days=7)
    slot = next(iter(free_slots(clinic, service, now.date(), 7, now, practitioner.id)))
    details = PatientDetails(first_name="Pat", last_name="Patient", email=email, phone="555-0142",
                             date_of_birth=date(1985, 6, 1))
    booking, _ = book_appointment(BookingRequest(clinic.id, service.slug, slot.start, details,
                                                 practitioner_id=practitioner.id), now)
    booking.patient.user_id = db.session.scalar(select(User.id).where(User.email == email))
    return booking.patient


def checked_in_yesterday(programme, exercise_id: int) -> None:
    yesterday = patient_today(programme.patient_id, utcnow()) - timedelta(days=1)
    entry = ExerciseCheckIn(patient_id=programme.patient_id, programme_id=programme.id, on_date=yesterday, pain=4,
                            feeling="better", created_at=utcnow(), updated_at=utcnow())
    entry.exercises.append(CheckInExercise(exercise_id=exercise_id, sets_done=2))
    db.session.add(entry)


def check_in(page: Page, exercises: list[str], pain: str, feeling: str) -> None:
    for name in exercises:
        page.get_by_label(f"{name}: sets done").fill("2")
    page.get_by_role("group", name="Pain right now").get_by_label(pain, exact=True).check()
    page.get_by_role("group", name="Did the exercises make you feel better?").get_by_label(feeling).check()
    page.get_by_role("button", name="Save check-in").click()
    expect(page.get_by_text("Thank you: today's check-in is saved.")).to_be_visible()


def test_a_patients_worse_check_in_reaches_their_practitioner_as_an_alert(page: Page, site):
    url, exercises = site
    page.set_viewport_size(PHONE)
    log_in(page, url, "patient@example.com")
    expect(page).to_have_url(re.compile(r"/my/"))
    expect(page.get_by_text("1-day streak.")).to_be_visible()  # yesterday's

    check_in(page, exercises, pain="3", feeling="Better")
    expect(page.get_by_text("2-day streak.")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert_accessible(page)

    check_in(page, exercises, pain="9", feeling="Worse")  # later the same day: it replaces the first
    expect(page.get_by_text("pain 9/10, felt worse")).to_be_visible()
    page.get_by_role("button", name="Log out").click()

    log_in(page, url, "practitioner@example.com")
    alerts = page.get_by_role("region", name="Alerts")
    expect(alerts.get_by_role("link", name="Pat Patient")).to_be_visible()
    expect(alerts).to_contain_text("Pain 9/10")
    expect(alerts).to_contain_text("pain 9/10, felt worse")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert_accessible(page)

    alerts.get_by_label("What did you do?").first.fill("Called Pat: pain settling, exercises paused for two days.")
    alerts.get_by_role("button", name="Acknowledge the alert for Pat Patient").first.click()
    expect(page.get_by_text("The alert for Pat Patient is acknowledged.")).to_be_visible()
    expect(page.get_by_role("region", name="Alerts")).to_contain_text("No alerts.")
