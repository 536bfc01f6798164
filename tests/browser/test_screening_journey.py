"""An emergency red flag end to end, at phone width: the patient answers "yes" to the daily
check-in's cauda equina question and sees the 911 advice at once; the clinic's manager has an
e-mail ("urgent: open the chart") and the flag on the dashboard; the practitioner meets the
banner on the dashboard, the chart, the note and the day schedule, cannot sign the note until
the action taken is recorded, then signs it. The patient's intake questionnaire passes axe."""

import re
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from clinic_app.accounts.models import User
from clinic_app.audit.service import Actor
from clinic_app.clinics.models import Clinic
from clinic_app.clock import utcnow
from clinic_app.extensions import db
from clinic_app.notifications.models import OutboxMessage
from clinic_app.patients.service import PatientDetails
from clinic_app.scheduling.availability import free_slots
from clinic_app.scheduling.booking import BookingRequest, book_appointment
from clinic_app.scheduling.models import Practitioner, WorkingHours
from clinic_app.screening.intake import intake_url
from clinic_app.treatments.library import seed_exercise_library
from clinic_app.treatments.programmes import Dose, exercise_library, prescribe_programme
from tests.browser.conftest import demo_site
from tests.browser.test_practice_journey import assert_accessible, log_in

pytestmark = pytest.mark.browser
PHONE = {"width": 375, "height": 812}
PATIENT = "Dana Emergency"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The demo site; Dana Emergency was seen by practitioner@example.com a week ago and has a
    one-exercise programme (by link); Lee Intake has a first visit booked with a questionnaire link."""
    with demo_site(tmp_path_factory.mktemp("screening")) as (url, app):
        with app.app_context():
            seed_exercise_library()
            practitioner = db.session.scalar(
                select(Practitioner).join(User).where(User.email == "practitioner@example.com"))
            visit = seen_a_week_ago(practitioner, "Dana", "Emergency")
            visit.status = "completed"
            exercise = exercise_library()[0]
            _, token = prescribe_programme(Actor(practitioner.user), visit.patient, practitioner,
                                           [Dose(exercise.id, 2, 10)], "", utcnow() - timedelta(days=7))
            intake = seen_a_week_ago(practitioner, "Lee", "Intake")
            db.session.commit()
            yield url, app, {
                "token": token, "exercise": exercise.name, "patient_id": visit.patient_id, "booking_id": visit.id,
                "clinic_id": visit.clinic_id, "intake": re.sub(r"^https?://[^/]+", url, intake_url(intake)),
                "day": visit.start_at.astimezone(ZoneInfo(visit.clinic.timezone)).date().isoformat(),
            }


def seen_a_week_ago(practitioner, first: str, last: str):
    clinic = db.session.scalar(select(Clinic).join(WorkingHours, WorkingHours.clinic_id == Clinic.id)
                               .where(WorkingHours.practitioner_id == practitioner.id))
    service = next(s for s in practitioner.services if not s.new_patients_only)
    now = utcnow() - timedelta(days=7)
    slot = next(iter(free_slots(clinic, service, now.date(), 7, now, practitioner.id)))
    details = PatientDetails(first_name=first, last_name=last, email=f"{first}.{last}@patients.example".lower(),
                             phone="555-0177", date_of_birth=date(1970, 3, 9))
    booking, _ = book_appointment(BookingRequest(clinic.id, service.slug, slot.start, details,
                                                 practitioner_id=practitioner.id), now)
    return booking


def test_an_emergency_from_the_check_in_reaches_the_clinic_and_holds_the_note(page: Page, site):
    url, app, dana = site
    page.set_viewport_size(PHONE)
    page.goto(f"{url}/my/programme/{dana['token']}")
    page.get_by_label(f"{dana['exercise']}: sets done").fill("2")
    page.get_by_role("group", name="Pain right now").get_by_label("7", exact=True).check()
    page.get_by_role("group", name=re.compile("new numbness around your bottom")).get_by_label("Yes").check()
    page.get_by_role("button", name="Save check-in").click()
    expect(page.get_by_role("alert")).to_contain_text("Call 911 now")
    assert_accessible(page)

    with app.app_context():
        alerts = db.session.scalars(select(OutboxMessage).where(OutboxMessage.subject == "Urgent: open the chart"))
        recipients = {message.recipient: message.body_text for message in alerts}
    assert {"manager@example.com", "practitioner@example.com"} <= set(recipients)
    assert PATIENT not in recipients["manager@example.com"]

    log_in(page, url, "manager@example.com")
    banner = page.get_by_role("alert").filter(has_text="Emergency red flag")
    expect(banner.get_by_role("link", name=PATIENT)).to_be_visible()
    page.get_by_role("button", name="Log out").click()

    log_in(page, url, "practitioner@example.com")
    page.get_by_role("alert").filter(has_text="Emergency red flag").get_by_role("link", name=PATIENT).click()
    expect(page.get_by_role("alert").filter(has_text="suspected cauda equina syndrome")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert_accessible(page)

    page.goto(f"{url}/practice/clinics/{dana['clinic_id']}/schedule?date={dana['day']}")
    expect(page.get_by_role("alert").filter(has_text="Emergency red flag")).to_contain_text(PATIENT)

    page.goto(f"{url}/practice/visits/{dana['booking_id']}/note")
    expect(page.get_by_role("alert").filter(has_text="suspected cauda equina syndrome")).to_be_visible()
    page.get_by_label("Pain before treatment (0-10)").fill("7")
    page.get_by_label("Subjective").fill("New saddle numbness since yesterday.")
    page.get_by_role("button", name="Sign note").click()
    expect(page.get_by_role("alert").filter(has_text="An emergency red flag is open for this patient")).to_be_visible()
    expect(page.get_by_label("Subjective")).to_have_value("New saddle numbness since yesterday.")

    page.goto(f"{url}/practice/patients/{dana['patient_id']}#red-flag-action")
    page.get_by_label("Referred to the emergency department the same day").check()
    page.get_by_role("textbox", name="Detail").fill("County General ED, by ambulance")
    page.get_by_role("button", name="Record action").click()
    expect(page.get_by_text("The action taken is recorded.")).to_be_visible()
    expect(page.get_by_text("Emergency red flag: suspected cauda equina syndrome")).to_have_count(0)

    page.goto(f"{url}/practice/visits/{dana['booking_id']}/note")
    page.get_by_label("Pain before treatment (0-10)").fill("7")
    page.get_by_label("Subjective").fill("New saddle numbness since yesterday.")
    page.get_by_role("button", name="Sign note").click()
    expect(page.get_by_text("The note is signed and closed.")).to_be_visible()


def test_the_intake_questionnaire_works_on_a_phone_and_by_screen_reader(page: Page, site):
    url, _, people = site
    page.set_viewport_size(PHONE)
    page.goto(people["intake"])
    expect(page.get_by_role("heading", level=1)).to_have_text("Before your first visit")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert_accessible(page)
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("alert").first).to_contain_text("Answer yes or no.")
    assert_accessible(page)
    for group in page.get_by_role("group").all():
        options = group.get_by_role("radio")
        if options.count() == 2 and group.get_by_label("No").count():
            group.get_by_label("No").check()
        else:
            options.first.check()
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
    assert_accessible(page)
