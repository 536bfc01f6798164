"""The nearest-clinic results show on a map too: a pin for each clinic listed, with the
OpenStreetMap credit the tiles require."""

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_nearest_results_map_pins_every_listed_clinic_and_credits_openstreetmap(page: Page, live_server):
    page.goto(live_server + "/")
    page.get_by_label("ZIP code or city").fill("85701")
    page.get_by_role("button", name="Find clinics").click()

    listed = page.locator("ol.result-list > li")
    expect(listed.first).to_be_visible()
    expect(page.locator("#clinic-map .leaflet-marker-icon")).to_have_count(listed.count())
    expect(page.locator("#clinic-map .leaflet-control-attribution")).to_contain_text("OpenStreetMap")
