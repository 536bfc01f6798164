"""Two-factor sign-in in a real browser, at phone width: a practitioner turns it on with the key
shown beside the QR code, then logs in with a code after a wrong one."""

import re

import pyotp
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.browser.conftest import demo_site, log_in
from tests.browser.test_accessibility import WCAG_AA
from tests.conftest import two_factor_code

pytestmark = pytest.mark.browser
PHONE = {"width": 375, "height": 812}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with demo_site(tmp_path_factory.mktemp("two-factor")) as (url, app):
        yield url, app


def assert_accessible_on_a_phone(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    results = Axe().run(page, options=WCAG_AA)
    assert results.violations_count == 0, (page.url, results.generate_report())


def test_practitioner_turns_on_two_factor_and_then_logs_in_with_a_code(page: Page, site):
    url, app = site
    page.set_viewport_size(PHONE)
    log_in(page, url, "practitioner@example.com")
    page.goto(url + "/account/two-factor")
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor sign-in")
    expect(page.locator("svg.qr-code")).to_be_visible()
    assert_accessible_on_a_phone(page)

    secret = page.locator("#secret-key").inner_text().replace(" ", "")
    page.get_by_label("Authentication code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_text("Two-factor sign-in is on.")).to_be_visible()
    page.get_by_role("button", name="Log out").click()

    page.unroute(re.compile(r"/login(\?.*)?$"))  # take the code step by hand this time
    log_in(page, url, "practitioner@example.com")
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your code")
    page.get_by_label("Authentication code").fill("12345")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_label("Authentication code")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#code-error")).to_have_text("The code is 6 digits, like 123456.")
    assert_accessible_on_a_phone(page)

    page.get_by_label("Authentication code").fill(two_factor_code(app, "practitioner@example.com"))
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(url + "/practice/")
