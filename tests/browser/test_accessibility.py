"""axe-core finds no WCAG 2 A/AA violations on the public and account pages, at phone size."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.browser.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.browser
PAGES = ["/", "/clinics", "/clinics/phoenix", "/book/", "/login", "/register", "/reset-password", "/no-such-page"]
WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


@pytest.mark.parametrize("path", PAGES)
def test_page_has_no_accessibility_violations(page: Page, live_server, path):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server + path)
    results = Axe().run(page, options=WCAG_AA)
    assert results.violations_count == 0, results.generate_report()


def test_form_errors_have_no_accessibility_violations(page: Page, live_server):
    page.goto(live_server + "/register")
    page.get_by_role("button", name="Create account").click()
    assert page.locator(".error").count() >= 3
    results = Axe().run(page, options=WCAG_AA)
    assert results.violations_count == 0, results.generate_report()


def test_staff_pages_and_the_clinic_editor_with_errors_have_no_violations(page: Page, live_server):
    page.goto(live_server + "/login")
    page.get_by_label("E-mail").fill("admin@example.com")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    for path in ["/admin/", "/admin/users", "/admin/clinics", "/headoffice/"]:
        page.goto(live_server + path)
        results = Axe().run(page, options=WCAG_AA)
        assert results.violations_count == 0, (path, results.generate_report())
    page.goto(live_server + "/admin/clinics/new")
    page.get_by_label("ZIP code").fill("123")
    page.get_by_role("button", name="Save clinic").click()
    expect(page.locator("#name-error")).to_be_visible()
    results = Axe().run(page, options=WCAG_AA)
    assert results.violations_count == 0, results.generate_report()
