"""Text-message reminders as a patient and the desk meet them: a patient opts in to texts while
booking, the worker's reminder reaches the SMS provider (a local stand-in speaking Twilio's REST
API, tests/twilio_standin.py), the patient answers C, and the clinic manager sees "Confirmed by
text" on the day's schedule."""

from datetime import timedelta
from urllib.parse import urlencode
from urllib.request import Request, urlopen
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from clinic_app.extensions import db
from clinic_app.notifications.cli import send_due
from clinic_app.scheduling.models import Booking
from tests.browser.conftest import demo_site, log_in
from tests.browser.test_booking_journey import choose_a_time
from tests.browser.test_practice_journey import assert_accessible
from tests.twilio_standin import TwilioStandIn

pytestmark = pytest.mark.browser
ACCOUNT_SID, AUTH_TOKEN = "AC" + "1" * 32, "journey-auth-token"


@pytest.fixture(scope="module")
def texting_site(tmp_path_factory):
    """The demo site sending texts through the stand-in: (url, app, provider)."""
    with TwilioStandIn(ACCOUNT_SID, AUTH_TOKEN) as provider:
        settings = {"TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
                    "TWILIO_API_BASE_URL": provider.url, "SMS_FROM": "+12125550000"}
        with demo_site(tmp_path_factory.mktemp("texting"), **settings) as (url, app):
            yield url, app, provider


def answer_by_text(url: str, body: str, sender: str) -> str:
    """The patient's reply, posted to the webhook as Twilio posts it, signed with the token."""
    form = {"From": sender, "To": "+12125550000", "Body": body, "MessageSid": "SM" + "c" * 32}
    signature = RequestValidator(AUTH_TOKEN).compute_signature(f"{url}/sms/incoming", form)
    request = Request(f"{url}/sms/incoming", data=urlencode(form).encode(),  # noqa: S310 - our own test server
                      headers={"X-Twilio-Signature": signature})
    with urlopen(request, timeout=10) as response:  # noqa: S310 - our own test server
        return response.read().decode()


def test_a_patient_opts_in_while_booking_confirms_by_text_and_the_desk_sees_it(page: Page, texting_site):
    url, app, provider = texting_site
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(url + "/clinics/manhattan")
    page.get_by_role("link", name="Book here").click()
    page.get_by_role("link", name="Follow-up treatment").click()
    page.locator(".practitioner h2 a").first.click()
    choose_a_time(page)
    page.get_by_label("First name").fill("Tex")
    page.get_by_label("Last name").fill("Messenger")
    page.get_by_label("E-mail").fill("tex@example.com")
    page.get_by_label("Phone").fill("(212) 555-0142")
    page.get_by_label("Text me reminders at this number (optional)").check()
    page.get_by_label("Date of birth").fill("1985-06-15")
    page.get_by_label("No, this is my first visit").check()
    page.get_by_label("Where does it hurt?").select_option("Lower back")
    page.get_by_label("I agree that Back Solution stores my health information").check()
    assert_accessible(page)
    page.get_by_role("button", name="Book this visit").click()
    expect(page.get_by_text("Your visit is booked")).to_be_visible()

    with app.app_context():
        booking = db.session.scalar(select(Booking).order_by(Booking.id.desc()).limit(1))
        clinic_id, start, zone = booking.clinic_id, booking.start_at, ZoneInfo(booking.clinic.timezone)
        send_due(start - timedelta(hours=app.config["REMINDER_HOURS_BEFORE"]))  # the worker's pass a day before
    [text] = provider.received
    assert text["To"] == "+12125550142" and text["Body"].startswith("Back Solution Manhattan: reminder of your visit")

    assert "is confirmed" in answer_by_text(url, "C", "+12125550142")

    log_in(page, url, "manager@example.com")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{url}/practice/clinics/{clinic_id}/schedule?date={start.astimezone(zone).date().isoformat()}")
    visit = page.locator("li.visit", has_text="Tex Messenger")
    expect(visit.locator(".badge-confirmed")).to_have_text("Confirmed by text")
    assert_accessible(page)
