"""Head office reads the network report at phone width: it passes axe, a wrong date is shown
next to its field, and each table downloads as CSV."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import fits_a_phone, open_as_head_office_on_a_phone
from tests.browser.test_practice_journey import assert_accessible

pytestmark = pytest.mark.browser


def test_head_office_reads_the_network_report_at_phone_width(page: Page, live_server):
    open_as_head_office_on_a_phone(page, live_server, "Network reports")
    expect(page.get_by_role("heading", name="Network reports")).to_be_visible()
    expect(page.get_by_role("heading", name="Still exercising after the visit")).to_be_visible()
    assert_accessible(page)
    assert fits_a_phone(page)

    with page.expect_download() as download:
        page.get_by_role("link", name="Download bookings as CSV").click()
    assert download.value.suggested_filename.startswith("bookings-")

    page.get_by_label("To (inclusive)").fill("2000-01-01")
    page.get_by_role("button", name="Show the report").click()
    expect(page.locator("#until-error")).to_contain_text("on or after the first day")
    assert_accessible(page)
