"""A practitioner's visit from the desk to the record: check the patient in on the schedule,
write and sign the treatment note with pain scores, prescribe three home exercises; then head
office finds every step in the audit trail. The record pages pass axe at phone width."""

import re
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect
from sqlalchemy import select

from clinic_app.accounts.models import User
from clinic_app.clinics.models import Clinic
from clinic_app.clock import utcnow
from clinic_app.extensions import db
from clinic_app.patients.service import PatientDetails
from clinic_app.scheduling.availability import free_slots
from clinic_app.scheduling.booking import BookingRequest, book_appointment
from clinic_app.scheduling.models import Practitioner, WorkingHours
from clinic_app.treatments.library import seed_exercise_library
from tests.browser.conftest import DEMO_PASSWORD, demo_site
from tests.browser.test_accessibility import WCAG_AA

pytestmark = pytest.mark.browser
PATIENT = "Casey Journey"
EXERCISES = ["Pelvic tilt", "Bird dog", "Glute bridge"]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The demo site plus the exercise library and one visit with practitioner@example.com
    (in the past week, so it can be checked in whatever the time of day the test runs)."""
    with demo_site(tmp_path_factory.mktemp("records")) as (url, app):
        with app.app_context():
            seed_exercise_library()
            visit = book_demo_visit()
            db.session.commit()
            yield url, visit


def book_demo_visit() -> dict:
    practitioner = db.session.scalar(select(Practitioner).join(User).where(User.email == "practitioner@example.com"))
    clinic = db.session.scalar(select(Clinic).join(WorkingHours, WorkingHours.clinic_id == Clinic.id)
                               .where(WorkingHours.practitioner_id == practitioner.id))
    service = next(s for s in practitioner.services if not s.new_patients_only)
    now = utcnow() - timedelta(days=7)
    slot = next(iter(free_slots(clinic, service, now.date(), 7, now, practitioner.id)))
    details = PatientDetails(first_name="Casey", last_name="Journey", email="casey.journey@patients.example",
                             phone="555-0199", date_of_birth=date(1979, 4, 2))
    booking, _ = book_appointment(BookingRequest(clinic.id, service.slug, slot.start, details,
                                                 practitioner_id=practitioner.id), now)
    day = booking.start_at.astimezone(ZoneInfo(clinic.timezone)).date()
    return {"clinic_id": clinic.id, "day": day.isoformat(), "patient_id": booking.patient_id}


def log_in(page: Page, url: str, email: str) -> None:
    page.goto(url + "/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()


def assert_accessible(page: Page) -> None:
    results = Axe().run(page, options=WCAG_AA)
    assert results.violations_count == 0, (page.url, results.generate_report())


def test_a_visit_is_checked_in_noted_signed_and_prescribed_and_head_office_sees_each_step(page: Page, site):
    url, visit = site
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, url, "practitioner@example.com")

    page.goto(f"{url}/practice/clinics/{visit['clinic_id']}/schedule?date={visit['day']}")
    page.get_by_role("button", name=re.compile(rf"^Check in\W+{PATIENT}")).click()
    expect(page.get_by_text(f"{PATIENT} is checked in.")).to_be_visible()

    page.goto(f"{url}/practice/patients/{visit['patient_id']}")  # the schedule may link here too
    expect(page.get_by_role("heading", level=1)).to_have_text(PATIENT)
    # On a phone the chart's tables scroll inside themselves; the page never scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    expect(page.get_by_text("ODI due")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name=re.compile("^Write note")).click()
    page.get_by_label("Pain before treatment (0-10)").fill("6")
    page.get_by_label("Pain after treatment (0-10)").fill("3")
    page.get_by_label("Body region").select_option("lumbar")
    page.get_by_label("Subjective").fill("Low back ache since moving house.")
    page.get_by_label("Assessment").fill("Mechanical low back pain, improving.")
    page.get_by_label("Manual therapy").check()
    assert_accessible(page)
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("The draft was saved.")).to_be_visible()
    page.get_by_role("button", name="Sign note").click()
    expect(page.get_by_text("The note is signed and closed.")).to_be_visible()
    expect(page.get_by_text("This note is signed and can no longer be changed")).to_be_visible()
    expect(page.get_by_label("Subjective")).to_have_count(0)

    page.get_by_role("link", name=re.compile("^Back to")).click()
    page.get_by_role("link", name="Home exercise programme").click()
    for name in EXERCISES:
        page.get_by_label(f"Include {name}").check()
    page.get_by_role("button", name="Save and e-mail to the patient").click()
    expect(page.get_by_text("Version 1 of the programme was saved")).to_be_visible()
    expect(page.get_by_role("heading", name="Version 1 (current)")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Log out").click()
    log_in(page, url, "headoffice@example.com")
    page.goto(f"{url}/headoffice/audit?patient_id={visit['patient_id']}")
    trail = page.locator("table.data tbody")
    for step in ["Checked the patient in", "Opened the chart", "Started a note", "Saved a draft note",
                 "Signed a note", "Prescribed an exercise programme"]:
        expect(trail.get_by_text(step).first).to_be_visible()
    expect(trail).to_contain_text("practitioner@example.com")
    expect(page.get_by_text(PATIENT)).to_have_count(0)
    assert_accessible(page)


def test_the_questionnaire_and_the_note_explain_mistakes_accessibly(page: Page, site):
    url, visit = site
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, url, "practitioner@example.com")
    page.goto(f"{url}/practice/patients/{visit['patient_id']}/odi")
    page.get_by_role("group", name="1. Pain intensity").get_by_label("The pain is moderate at the moment").check()
    page.get_by_role("button", name="Save questionnaire").click()
    expect(page.get_by_role("alert")).to_contain_text("Answer at least 8 of the 10 sections")
    assert_accessible(page)
    for number in range(2, 11):
        page.locator(f"#section_{number}-1").check()
    page.get_by_role("button", name="Save questionnaire").click()
    expect(page.get_by_text("ODI 22% (moderate disability)")).to_be_visible()  # (2 + 9 x 1) / 50

    page.goto(f"{url}/practice/patients/{visit['patient_id']}/red-flags")
    page.get_by_label("Unexplained weight loss").check()
    page.get_by_role("button", name="Save red-flag screen").click()
    expect(page.get_by_text("Urgent: refer for investigation")).to_be_visible()
    assert_accessible(page)
