"""axe-core finds no WCAG 2.1 A/AA violation on any page the public or a patient can reach, at
375 px wide: search, clinics, opening alerts, every booking step, the waitlist, sign-in and
account pages, and the patient's own pages (visits, profile, record access, a visit's cancel
and move pages, the programme opened from its e-mailed link)."""

from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect
from sqlalchemy import select

from clinic_app.accounts.models import User
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
from tests.browser.conftest import demo_site, log_in
from tests.browser.test_accessibility import WCAG_AA

pytestmark = pytest.mark.browser
PHONE = {"width": 375, "height": 812}
JOURNEY = "clinic=phoenix&service=follow-up"
PUBLIC_PAGES = [
    "/",
    "/clinics",
    "/clinics/phoenix",
    "/clinics/nearest",
    "/clinics/nearest?q=10001",
    "/clinics/nearest?q=99701",  # Fairbanks, Alaska: no clinic near, so the opening-alert form
    "/clinics/nearest?q=not+a+place",  # answered 404, with the search form and its error
    "/clinics/opening-alerts",
    "/book/",
    "/book/?clinic=phoenix",
    "/book/service?clinic=phoenix",
    f"/book/practitioner?{JOURNEY}",
    f"/book/time?{JOURNEY}&practitioner=any",
    f"/book/waitlist?{JOURNEY}",
    "/login",
    "/register",
    "/reset-password",
]
PATIENT = {"first_name": "Pat", "last_name": "Patient", "email": "patient@example.com", "phone": "555-0142",
           "date_of_birth": date(1985, 6, 1)}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The demo site where patient@example.com was seen a week ago, was given a home programme,
    and has a follow-up booked ten days ahead. Yields the address and the private links."""
    with demo_site(tmp_path_factory.mktemp("axe-pages")) as (url, app):
        with app.app_context():
            seed_exercise_library()
            practitioner = db.session.scalar(
                select(Practitioner).join(User).where(User.email == "practitioner@example.com"))
            now = utcnow()
            past, _ = book_for_patient(practitioner, now - timedelta(days=7))
            _, token = prescribe_programme(Actor(practitioner.user), past.patient, practitioner,
                                           [Dose(e.id, 2, 10) for e in exercise_library()[:2]], "",
                                           now - timedelta(days=7))
            upcoming, manage_token = book_for_patient(practitioner, now + timedelta(days=10), now)
            db.session.commit()
            yield url, {"visit": upcoming.id, "programme": token, "manage": manage_token}


def book_for_patient(practitioner: Practitioner, day, now=None):
    """The first free follow-up from ``day`` on with ``practitioner``, booked for the demo
    patient and linked to their account."""
    clinic = db.session.scalar(select(Clinic).join(WorkingHours, WorkingHours.clinic_id == Clinic.id)
                               .where(WorkingHours.practitioner_id == practitioner.id))
    service = next(s for s in practitioner.services if not s.new_patients_only)
    now = now or day
    slot = next(iter(free_slots(clinic, service, day.date(), 7, now, practitioner.id)))
    booking, token = book_appointment(BookingRequest(clinic.id, service.slug, slot.start, PatientDetails(**PATIENT),
                                                     practitioner_id=practitioner.id), now)
    booking.patient.user_id = db.session.scalar(select(User.id).where(User.email == "patient@example.com"))
    return booking, token


def violations(page: Page) -> str | None:
    """axe's report for the page as it stands, or None when it finds nothing."""
    results = Axe().run(page, options=WCAG_AA)
    return results.generate_report() if results.violations_count else None


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_page_has_no_accessibility_violations_at_375_px(page: Page, site, path):
    url, _ = site
    page.set_viewport_size(PHONE)
    response = page.goto(url + path)
    assert response.status == (404 if "not+a+place" in path else 200)
    assert violations(page) is None, violations(page)


def test_booking_details_step_and_its_errors_have_no_violations(page: Page, site):
    url, _ = site
    page.set_viewport_size(PHONE)
    page.goto(f"{url}/book/time?{JOURNEY}&practitioner=any")
    page.get_by_role("link", name="Later days").click()
    page.locator("a.day").first.click()
    page.goto(url + page.locator(".time-list a").first.get_attribute("href"))
    expect(page.get_by_role("heading", name="Your details")).to_be_visible()
    assert violations(page) is None, violations(page)
    page.get_by_role("button", name="Book this visit").click()
    expect(page.locator(".error-summary")).to_be_focused()
    assert violations(page) is None, violations(page)


def test_pages_reached_by_private_links_have_no_violations(page: Page, site):
    url, links = site
    page.set_viewport_size(PHONE)
    found = {}
    for path in [f"/book/manage/{links['manage']}", f"/book/manage/{links['manage']}/reschedule",
                 f"/my/programme/{links['programme']}", f"/book/waitlist/joined?{JOURNEY}"]:
        assert page.goto(url + path).status == 200, path
        found[path] = violations(page)
    assert found == dict.fromkeys(found), found


def test_every_patient_page_has_no_violations(page: Page, site):
    url, links = site
    page.set_viewport_size(PHONE)
    log_in(page, url, "patient@example.com")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    visit = links["visit"]
    found = {}
    for path in ["/my/", "/my/profile", "/my/record-access", f"/my/visits/{visit}/cancel",
                 f"/my/visits/{visit}/reschedule", "/my/delete"]:
        response = page.goto(url + path)
        assert (response.status, urlsplit(page.url).path) == (200, path)
        found[path] = violations(page)
    assert found == dict.fromkeys(found), found
