"""A patient books on a phone by clicking through /book, gets the confirmation e-mail with a
calendar file that puts the visit at the time the page showed, and cancels from the link."""

from datetime import datetime
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
import vobject
from playwright.sync_api import Page, expect

from clinic_app.notifications.service import deliver_pending
from tests.browser.test_practice_journey import assert_accessible

pytestmark = pytest.mark.browser
PHOENIX = ZoneInfo("America/Phoenix")


def on_clinic_clock(moment: datetime) -> str:
    local = moment.astimezone(PHOENIX)
    return local.strftime("%A %-d %B %Y at %-I:%M %p ") + local.tzname()


def choose_a_time(page: Page) -> tuple[str, str]:
    """Click a time a week or more ahead (so the visit can still be changed online); return
    the time's ISO start from its link and the time step's address for that day."""
    page.get_by_role("link", name="Later days").click()
    page.locator("a.day").first.click()
    time_link = page.locator(".time-list a").first
    start = parse_qs(urlsplit(time_link.get_attribute("href")).query)["start"][0]
    day_url = page.url
    time_link.click()
    return start, day_url


def fill_in_details(page: Page):
    page.get_by_label("First name").fill("Ada")
    page.get_by_label("Last name").fill("Lovelace")
    page.get_by_label("E-mail").fill("ada@example.com")
    page.get_by_label("Phone").fill("(555) 010-0199")
    page.get_by_label("Date of birth").fill("1985-06-15")
    page.get_by_label("No, this is my first visit").check()
    page.get_by_label("Where does it hurt?").select_option("Lower back")
    page.get_by_label("I agree that Back Solution stores my health information").check()


def test_a_patient_books_on_a_phone_gets_the_e_mail_and_cancels_from_its_link(page: Page, mailing_site, mailbox):
    url, app = mailing_site
    box, _ = mailbox
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(url + "/clinics/phoenix")
    page.get_by_role("link", name="Book here").click()  # straight to the kind of visit at this clinic
    page.get_by_role("link", name="Follow-up treatment").click()
    page.locator(".practitioner h2 a").first.click()
    expect(page.get_by_role("heading", name="When would you like to come?")).to_be_visible()
    assert_accessible(page)

    start, day_url = choose_a_time(page)
    expect(page.get_by_role("heading", name="Your details")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Book this visit").click()
    expect(page.locator(".error-summary")).to_be_focused()
    assert_accessible(page)
    fill_in_details(page)
    page.get_by_role("button", name="Book this visit").click()

    expect(page.get_by_text("Your visit is booked")).to_be_visible()
    shown_when = page.locator("dt:has-text('When') + dd").inner_text()
    assert shown_when == on_clinic_clock(datetime.fromisoformat(start))
    reference = page.locator(".reference").inner_text()
    page.goto(day_url)
    assert page.locator(f'.time-list a[href*="{start}"]').count() == 0  # taken now

    with app.app_context():
        assert deliver_pending() == 1
    (message,) = box.wait_for(1)
    text_body = next(p for p in message.walk() if p.get_content_type() == "text/plain").get_payload(decode=True)
    assert reference in text_body.decode()
    manage_link = next(word for word in text_body.decode().split() if "/book/manage/" in word)
    calendar = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    event = vobject.readOne(calendar.get_payload(decode=True).decode(), validate=True).vevent
    assert on_clinic_clock(event.dtstart.value) == shown_when

    page.goto(manage_link)
    page.get_by_label("Why are you cancelling?").select_option("The time no longer suits me")
    page.get_by_role("button", name="Cancel this visit").click()
    expect(page.get_by_text("Your visit is cancelled")).to_be_visible()
    expect(page.locator("h1 .badge-cancelled")).to_have_text("Cancelled")
    page.goto(day_url)
    expect(page.locator(f'.time-list a[href*="{start}"]')).to_have_count(1)
