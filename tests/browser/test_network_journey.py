"""Head office reads the network map and the where-next ranking at phone width: both pass axe,
the map draws every clinic with its status letter, and the ranking downloads as CSV."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import fits_a_phone, open_as_head_office_on_a_phone
from tests.browser.test_practice_journey import assert_accessible

pytestmark = pytest.mark.browser


def test_head_office_reads_the_network_map_at_phone_width(page: Page, live_server):
    open_as_head_office_on_a_phone(page, live_server, "Network map")

    expect(page.get_by_role("heading", name="Network map", level=1)).to_be_visible()
    rows = page.locator("#clinic-table tbody tr")
    expect(page.locator("#network-map .clinic-pin")).to_have_count(rows.count())
    assert_accessible(page)
    assert fits_a_phone(page)


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
