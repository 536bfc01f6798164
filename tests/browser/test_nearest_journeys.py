"""Finding the nearest clinic, on a phone, as a patient would."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.browser
PHONE = {"width": 375, "height": 740}
WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def _search(page: Page, live_server: str, text: str) -> None:
    page.set_viewport_size(PHONE)
    page.goto(live_server + "/")
    page.get_by_label("ZIP code or city").fill(text)
    page.get_by_role("button", name="Find clinics").click()


def test_search_by_zip_puts_the_nearest_clinic_first_and_leads_to_its_page(page: Page, live_server):
    _search(page, live_server, "85701")
    expect(page.get_by_role("heading", level=1)).to_have_text("Clinics near 85701 (Tucson, AZ)")
    first = page.locator("ol.result-list > li").first
    expect(first.get_by_role("heading")).to_have_text("Back Solution Tucson")
    expect(first).to_contain_text(re.compile(r"\d+\.\d miles away"))
    first.get_by_role("link", name="Back Solution Tucson", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Back Solution Tucson")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_search_by_city_and_state(page: Page, live_server):
    _search(page, live_server, "Seattle, Washington")
    expect(page.locator("ol.result-list > li").first.get_by_role("heading")).to_have_text("Back Solution Seattle")
    # Map tiles cannot load here (no internet): the list is complete without them.
    expect(page.locator("ol.result-list > li")).to_have_count(10)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_use_my_location_searches_from_where_the_phone_is(browser: Browser, live_server):
    context = browser.new_context(
        viewport=PHONE, geolocation={"latitude": 39.7392, "longitude": -104.9903}, permissions=["geolocation"]
    )
    page = context.new_page()
    page.goto(live_server + "/")
    page.get_by_role("button", name="Use my location").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Clinics near your location")
    expect(page.locator("ol.result-list > li").first.get_by_role("heading")).to_have_text("Back Solution Denver")
    context.close()


def test_denied_location_explains_and_offers_the_search_box(browser: Browser, live_server):
    context = browser.new_context(viewport=PHONE, permissions=[])
    page = context.new_page()
    page.goto(live_server + "/")
    page.get_by_role("button", name="Use my location").click()
    expect(page.get_by_role("status").filter(has_text="Type a ZIP code or a city")).to_be_visible()
    expect(page.get_by_label("ZIP code or city")).to_be_focused()
    context.close()


def test_bad_input_is_explained_beside_the_search_box(page: Page, live_server):
    _search(page, live_server, "00000")
    expect(page.locator("#q-error")).to_have_text(re.compile("We could not find the ZIP code 00000"))
    expect(page.get_by_label("ZIP code or city")).to_have_value("00000")


def test_far_away_patients_can_ask_to_hear_when_a_clinic_opens(page: Page, live_server):
    _search(page, live_server, "59601")  # Helena, Montana: no clinic within 50 miles
    expect(page.get_by_role("heading", name=re.compile("No open clinic within 50 miles"))).to_be_visible()
    expect(page.get_by_label("ZIP code", exact=True)).to_have_value("59601")
    page.get_by_label("E-mail", exact=True).fill("hopeful@example.com")
    page.get_by_label(re.compile("E-mail me once")).check()
    page.get_by_role("button", name="Tell me when a clinic opens").click()
    expect(page.get_by_text("We will e-mail you once when a clinic opens near you.")).to_be_visible()


@pytest.mark.parametrize(
    "path", ["/", "/clinics/nearest?q=85004", "/clinics/nearest?q=59601", "/clinics/nearest?q=00000"]
)
def test_search_pages_have_no_accessibility_violations(page: Page, live_server, path):
    page.set_viewport_size(PHONE)
    page.goto(live_server + path)
    results = Axe().run(page, options=WCAG_AA)
    assert results.violations_count == 0, results.generate_report()
