"""The first journeys, as a person in a real browser sees them."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def test_visitor_on_a_phone_finds_the_clinic_list_and_a_clinic_page(page: Page, live_server):
    page.set_viewport_size(PHONE)
    page.goto(live_server + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Back pain care near you")
    page.get_by_role("link", name="See all clinics").click()
    expect(page).to_have_url(live_server + "/clinics")
    expect(page.get_by_role("heading", name="Opening soon")).to_be_visible()
    page.get_by_role("link", name="Back Solution Phoenix").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Back Solution Phoenix")
    expect(page.get_by_text("Local time (MST).")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Monday"))).to_contain_text("8:00 AM – 6:00 PM")
    expect(page.get_by_role("link", name=re.compile("Directions"))).to_have_attribute(
        "href", re.compile(r"^https://www\.google\.com/maps/dir/\?api=1&destination=33\.4557")
    )
    # Nothing is wider than the phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_keyboard_user_can_skip_straight_to_the_content(page: Page, live_server):
    page.goto(live_server + "/clinics")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(live_server + "/clinics#main")
    expect(page.locator("main")).to_be_focused()


def test_head_office_logs_in_and_adds_a_clinic_after_fixing_a_bad_zip(page: Page, live_server):
    page.goto(live_server + "/login")
    page.get_by_label("E-mail").fill("headoffice@example.com")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(live_server + "/headoffice/")

    page.get_by_role("link", name="Manage clinics").click()
    page.get_by_role("link", name="Add a clinic").click()
    page.get_by_label("Clinic name").fill("Back Solution Flagstaff")
    page.get_by_label("Status").select_option("open")
    page.get_by_label("Address line 1").fill("1 E Route 66")
    page.get_by_label("City").fill("Flagstaff")
    page.get_by_label("State").select_option("AZ")
    page.get_by_label("ZIP code").fill("8600")
    page.get_by_label("Monday opens").fill("08:00")
    page.get_by_label("Monday closes").fill("17:00")
    page.get_by_role("button", name="Save clinic").click()

    zip_field = page.get_by_label("ZIP code")
    expect(zip_field).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#zip_code-error")).to_have_text("Enter a 5-digit ZIP code.")
    expect(page.get_by_label("City")).to_have_value("Flagstaff")  # nothing typed is lost

    zip_field.fill("86001")
    page.get_by_role("button", name="Save clinic").click()
    expect(page.get_by_text("Back Solution Flagstaff was added.")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Back Solution Flagstaff"))).to_contain_text("America/Phoenix")

    page.goto(live_server + "/clinics")
    page.get_by_role("link", name="Back Solution Flagstaff").click()
    expect(page.get_by_role("row", name=re.compile("Monday"))).to_contain_text("8:00 AM – 5:00 PM")
