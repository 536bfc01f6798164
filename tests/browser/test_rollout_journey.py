"""Head office opens a coming-soon clinic: someone nearby who asked to hear gets the e-mail,
the clinic appears in the nearest-clinic search and takes a booking, and the dashboard
counts it. Head office moves a clinic past an open milestone only after confirming, and the
stage history says who and why. The rollout pages pass axe at phone width."""

import re

import pytest
from playwright.sync_api import Page, expect

from clinic_app.notifications.cli import send_due
from tests.browser.conftest import log_in
from tests.browser.test_booking_journey import choose_a_time, fill_in_details
from tests.browser.test_practice_journey import assert_accessible
from tests.conftest import Mailbox

pytestmark = pytest.mark.browser
PHONE = {"width": 375, "height": 812}
NEIGHBOUR = "neighbour@example.com"
INDIANAPOLIS = "Back Solution Indianapolis"


def search(page: Page, url: str, zip_code: str) -> None:
    page.goto(url + "/")
    page.get_by_label("ZIP code or city").fill(zip_code)
    page.get_by_role("button", name="Find clinics").click()


def log_in_head_office(page: Page, url: str) -> None:
    log_in(page, url, "headoffice@example.com")
    expect(page.get_by_role("heading", level=1)).to_have_text("Head office")


def bookings_on_dashboard(page: Page, url: str) -> int:
    """The dashboard's count of visits booked for the next 30 days."""
    page.goto(url + "/headoffice/")
    return int(page.locator("#booking-count strong").inner_text())


def send_mail(app, box: Mailbox, expected: int):
    """One pass of the notification worker, which also writes the e-mails an opening claimed."""
    with app.app_context():
        send_due()
    return box.wait_for(expected)


def test_head_office_opens_a_clinic_and_the_neighbour_hears_searches_and_books(page: Page, mailing_site, mailbox):
    url, app = mailing_site
    box, _ = mailbox
    page.set_viewport_size(PHONE)

    search(page, url, "46201")  # Indianapolis: its clinic is only coming soon
    expect(page.get_by_role("heading", name=re.compile("No open clinic within 50 miles"))).to_be_visible()
    page.get_by_label("E-mail", exact=True).fill(NEIGHBOUR)
    page.get_by_label(re.compile("E-mail me once")).check()
    page.get_by_role("button", name="Tell me when a clinic opens").click()
    send_mail(app, box, 1)  # the sign-up's confirmation
    box.messages.clear()

    log_in_head_office(page, url)
    before = bookings_on_dashboard(page, url)
    page.get_by_role("link", name="Rollout pipeline of new clinics").click()
    expect(page.get_by_text(re.compile(r"Late: \d+ milestones? overdue")).first).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=INDIANAPOLIS).click()
    expect(page.get_by_text("The opening checklist is complete")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("^Edit Open to patients")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit milestone")
    assert_accessible(page)
    page.go_back()
    page.get_by_role("button", name=f"Open {INDIANAPOLIS}").click()
    # "Open to patients" is still open: head office confirms, saying why.
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Open {INDIANAPOLIS} with open milestones?")
    page.get_by_label("Why move on with these milestones open?").fill("Opening day is this milestone.")
    page.get_by_role("button", name=f"Open {INDIANAPOLIS} anyway").click()
    expect(page.get_by_text(re.compile(f"{INDIANAPOLIS} is open: patients can find and book it"))).to_be_visible()
    expect(page.get_by_text("Stage: Open")).to_be_visible()
    page.goto(url + "/headoffice/rollout/timeline")
    assert_accessible(page)

    messages = send_mail(app, box, 3)  # the neighbour and the two demo sign-ups nearby
    [mine] = [m for m in messages if m["To"] == NEIGHBOUR]
    body = mine.get_payload(decode=True).decode()
    assert f"{INDIANAPOLIS} is now open" in body and "/clinics/opening-alerts/unsubscribe/" in body
    booking_link = re.search(r"Book a visit: (\S+)", body).group(1)

    page.context.clear_cookies()  # the neighbour, on their own phone
    search(page, url, "46201")
    expect(page.locator("ol.result-list > li").first.get_by_role("heading")).to_have_text(INDIANAPOLIS)

    page.goto(booking_link)
    page.get_by_role("link", name="Follow-up treatment").click()
    page.locator(".practitioner h2 a").first.click()
    choose_a_time(page)
    fill_in_details(page)
    page.get_by_role("button", name="Book this visit").click()
    expect(page.get_by_text("Your visit is booked")).to_be_visible()

    log_in_head_office(page, url)
    assert bookings_on_dashboard(page, url) == before + 1  # a week or two ahead: within the next 30 days
    assert len(send_mail(app, box, 4)) == 4  # the booking confirmation; no second opening e-mail
    assert sum(1 for m in box.messages if m["To"] == NEIGHBOUR and "now open" in m["Subject"]) == 1


def test_head_office_confirms_moving_a_clinic_past_a_late_milestone_and_the_history_names_them(page: Page,
                                                                                               live_server):
    url = live_server
    page.set_viewport_size(PHONE)
    log_in_head_office(page, url)
    page.goto(url + "/headoffice/rollout")
    card = page.locator(".rollout-card", has_text="Back Solution St. Louis")
    expect(card.get_by_text("30 days in stage")).to_be_visible()
    card.locator("ul").get_by_role("link", name="Architect's drawings approved").click()  # a late item
    expect(page.locator("li.milestone:target")).to_contain_text("Architect's drawings approved")

    page.get_by_role("button", name="Move to Fit-out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Move to Fit-out with open milestones?")
    expect(page.locator("#open-milestones")).to_contain_text("Late by 2 days")
    assert_accessible(page)
    page.get_by_role("button", name="Move to Fit-out anyway").click()  # no reason yet
    expect(page.locator("#reason-error")).to_contain_text("Say why the clinic moves on")
    assert_accessible(page)
    page.get_by_label("Why move on with these milestones open?").fill("The architect signs off on Monday.")
    page.get_by_role("button", name="Move to Fit-out anyway").click()

    expect(page.get_by_text("Back Solution St. Louis moved to Fit-out.")).to_be_visible()
    expect(page.get_by_text("Public status: Coming soon")).to_be_visible()
    history = page.locator("#stage-history tbody tr").first
    expect(history).to_contain_text("Lease signed to Fit-out")
    expect(history).to_contain_text("Architect's drawings approved (due ")
    expect(history).to_contain_text("The architect signs off on Monday.")
    assert_accessible(page)
