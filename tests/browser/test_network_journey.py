"""Head office reads the network map and the where-next ranking at phone width: both pass axe,
the map draws every clinic with its status letter, and the ranking downloads as CSV."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import fits_a_phone, open_as_head_office_on_a_phone
from tests.browser.test_practice_journey import assert_accessible

pytestmark = pytest.mark.browser


def test_head_office_reads_the_network_map_at_phone_width(page: Page, live_server):
    open_as_head_office_on_a_phone(page, live_server, "Network map")

    expect(page.get_by_role("heading", name="Network map", level=1)).to_be_visible()
    rows = page.locator("#clinic-table tbody tr").count()
    expect(page.locator("#network-map .map-cluster").first).to_be_visible()
    assert clinics_drawn(page) == rows  # every clinic, alone or in a cluster of the two clinic layers
    assert_accessible(page)
    assert fits_a_phone(page)

    page.get_by_role("checkbox", name="Clinics in the pipeline").uncheck()  # hide a layer
    expect(page.locator("#network-map .map-cluster-pipeline")).to_have_count(0)
    expect(page.locator("#network-map .clinic-pin-planned, #network-map .clinic-pin-coming_soon")).to_have_count(0)
    assert 0 < clinics_drawn(page) < rows


def clinics_drawn(page: Page) -> int:
    """Clinic pins on the map plus the clinics counted in the clusters of the clinic layers."""
    pins = page.locator("#network-map .leaflet-marker-icon.clinic-pin").count()
    counts = page.locator("#network-map .map-cluster-open > span > span:first-child, "
                          "#network-map .map-cluster-pipeline > span > span:first-child").all_inner_texts()
    return pins + sum(int(count) for count in counts)


def test_head_office_ranks_where_to_open_next_at_phone_width(page: Page, live_server):
    open_as_head_office_on_a_phone(page, live_server, "Where to open next")

    expect(page.locator("#picks-table tbody tr")).to_have_count(10)
    assert_accessible(page)
    assert fits_a_phone(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the ranking as CSV").click()
    assert download.value.suggested_filename.startswith("where-next-50-miles-")

    page.get_by_label("Radius a clinic serves (miles)").fill("1")
    page.get_by_role("button", name="Rank the cities").click()
    expect(page.locator("#radius_miles-error")).to_contain_text("from 5 to 300")
    assert_accessible(page)


def test_head_office_ranks_with_and_without_the_pipeline_as_coverage(page: Page, live_server):
    open_as_head_office_on_a_phone(page, live_server, "Where to open next")
    expect(page.get_by_label("Count clinics in the pipeline as coverage")).to_be_checked()
    expect(page.get_by_label("From the stage")).to_have_value("lease_signed")

    page.get_by_label("From the stage").select_option(label="Prospect")  # every clinic in the pipeline counts
    page.get_by_label("How many cities").fill("25")
    page.get_by_role("button", name="Rank the cities").click()
    expect(page.locator("#picks-table tbody tr")).to_have_count(25)
    assert min(planned_miles(page)) > 50  # no pick within the radius of a clinic in the pipeline
    assert_accessible(page)

    page.get_by_label("Count clinics in the pipeline as coverage").uncheck()
    page.get_by_role("button", name="Rank the cities").click()
    expect(page.get_by_label("Count clinics in the pipeline as coverage")).not_to_be_checked()
    assert min(planned_miles(page)) <= 50  # now a pipeline clinic's city is open ground again
    first_why = page.locator("#picks-table tbody tr").first.locator("td.why")
    expect(first_why).to_contain_text("people newly within 50 miles")


def planned_miles(page: Page) -> list[float]:
    """Each pick's miles to its nearest clinic in the pipeline (the "Nearest planned clinic" column)."""
    cells = page.locator("#picks-table tbody tr td:nth-of-type(8)").all_inner_texts()
    return [float(re.search(r"([\d.]+) mi$", cell).group(1)) for cell in cells if cell != "None"]
