"""Issue 18 journeys on the demo, at phone (390 x 844) and desktop (1366 x 900) sizes, each page
checked with axe: forgiving place search with suggestions as you type and "did you mean"."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from clinic_app.geo.geocoding import warm_up

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
SIZES = pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


@pytest.fixture(scope="module", autouse=True)
def place_data_loaded():
    """As wsgi.py does at start-up: the place indexes are built before the first request."""
    warm_up()


def no_axe_violations(page: Page) -> None:
    results = Axe().run(page, options=WCAG_AA)
    assert results.violations_count == 0, results.generate_report()


@SIZES
def test_typing_part_of_a_city_offers_places_and_a_city_alone_is_found(page: Page, live_server, size):
    page.set_viewport_size(size)
    page.goto(live_server + "/")
    box = page.get_by_label("ZIP code or city")
    expect(box).to_have_attribute("list", "place-suggestions")
    box.press_sequentially("sea", delay=30)
    expect(page.locator("#place-suggestions option").first).to_have_attribute("value", "Seattle, WA")
    no_axe_violations(page)
    box.fill("seattle")
    page.get_by_role("button", name="Find clinics").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Clinics near Seattle, WA")
    expect(page.locator("ol.result-list > li").first.get_by_role("heading")).to_have_text("Back Solution Seattle")
    no_axe_violations(page)


@SIZES
def test_a_typo_offers_did_you_mean_and_the_link_searches_there(page: Page, live_server, size):
    page.set_viewport_size(size)
    page.goto(live_server + "/clinics/nearest?q=Pheonix")
    expect(page.locator("#q-error")).to_contain_text("Did you mean Phoenix, AZ?")
    no_axe_violations(page)
    page.get_by_role("link", name="Phoenix, AZ").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Clinics near Phoenix, AZ")
    assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
