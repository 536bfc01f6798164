"""Head office reads the network on a 1366 x 900 screen: the overview's key figures without
scrolling, the reports' summary with its charts within three screens, each chart's data as a
table one keypress away, tables sorted and filtered by state, clinics without data on demand.
The demo data with months of clinical history behind it."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from clinic_app.demo.clinical import seed_clinical_history
from clinic_app.extensions import db
from tests.browser.conftest import demo_site, log_in
from tests.browser.test_practice_journey import assert_accessible

pytestmark = pytest.mark.browser
SCREEN = {"width": 1366, "height": 900}
KEY_FIGURES = ["Bookings", "Utilisation", "No-show rate", "Late-cancellation rate", "New patients",
               "Episodes with pain improved (NPRS)", "Still exercising on day 3"]


@pytest.fixture(scope="module")
def history_site(tmp_path_factory):
    with demo_site(tmp_path_factory.mktemp("charts")) as (url, app):
        with app.app_context():
            seed_clinical_history(date.today())
            db.session.commit()
        yield url


def open_as_head_office(page: Page, url: str, path: str, email: str = "headoffice@example.com") -> None:
    """Signed in on a 1366 x 900 screen. (Each sign-in spends a two-factor code: a third test
    within the same half-minute signs in as the demo admin, who may see head office too.)"""
    page.set_viewport_size(SCREEN)
    log_in(page, url, email)
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    page.goto(url + path)


def bottom_of(locator) -> float:
    box = locator.bounding_box()
    assert box is not None
    return box["y"] + box["height"]


def test_the_overview_shows_every_key_figure_its_trend_the_pipeline_and_alerts_without_scrolling(
        page: Page, history_site):
    open_as_head_office(page, history_site, "/headoffice/")
    for name in KEY_FIGURES:
        card = page.locator(".figure-card").filter(has=page.get_by_role("heading", name=name, exact=True))
        expect(card).to_be_visible()
        expect(card.get_by_text("Last period:")).to_be_visible()
        expect(card.get_by_role("img", name=re.compile(f"^{re.escape(name)}, trend"))).to_be_visible()
        assert bottom_of(card) <= SCREEN["height"], f"{name} is below the first screen"
    for heading in ("Rollout pipeline", "Needs head office"):
        assert bottom_of(page.get_by_role("heading", name=heading)) <= SCREEN["height"]
    assert bottom_of(page.get_by_role("row", name=re.compile("^Soft opening"))) <= SCREEN["height"]
    assert page.evaluate("document.documentElement.scrollWidth") <= SCREEN["width"]
    expect(page.locator("#figure-outcomes .figure-note")).to_contain_text("patients")
    assert_accessible(page)

    page.get_by_role("link", name="Still exercising on day 3: detail").click()
    expect(page).to_have_url(re.compile(r"/headoffice/reports#retention$"))
    expect(page.get_by_role("heading", name="Still exercising after the visit", level=3)).to_be_visible()


def test_the_reports_summary_with_its_charts_comes_first_and_each_chart_has_its_table(page: Page, history_site):
    # Half a year: enough courses of the demo's history for a curve (none from fewer than 10).
    today = date.today()
    open_as_head_office(page, history_site,
                        f"/headoffice/reports?since={today - timedelta(days=180)}&until={today}&clinic=")
    summary = page.locator(".report-summary")
    assert bottom_of(summary) <= 3 * SCREEN["height"], "the summary takes more than three screens"
    for name in ("Bookings over time", "Utilisation over time", "No-show rate by clinic against the network",
                 "Still exercising after the visit, network, with 95% intervals"):
        expect(summary.get_by_role("img", name=re.compile("^" + re.escape(name)))).to_be_visible()
    expect(page.locator("#retention-curve figcaption")).to_contain_text("against the claimed 30%")
    assert_accessible(page)

    # Keyboard: Tab reaches the chart's data toggle, Enter opens its table.
    toggle = page.locator("#retention-curve summary")
    toggle.focus()
    page.keyboard.press("Enter")
    table = page.get_by_role("table", name="Still exercising after the visit, network, with 95% intervals")
    expect(table).to_be_visible()
    expect(table.get_by_role("row", name=re.compile(r"^3 "))).to_be_visible()
    assert_accessible(page)

    with page.expect_download() as download:
        page.get_by_role("link", name="Download “No-show rate by clinic against the network” as CSV").click()
    assert download.value.suggested_filename.startswith("no-show-funnel-")

    page.goto(history_site + "/headoffice/rollout/timeline")
    expect(page.get_by_role("img", name=re.compile(r"^Rollout timeline.*late as of"))).to_be_visible()
    assert_accessible(page)


def test_clinic_tables_open_on_demand_sort_filter_by_state_and_show_clinics_without_data_on_request(
        page: Page, history_site):
    open_as_head_office(page, history_site, "/headoffice/reports", "admin@example.com")
    table = page.locator("#bookings-table")
    expect(table).to_be_hidden()
    page.get_by_text(re.compile(r"^Bookings by clinic")).click()
    expect(table).to_be_visible()
    with_data = table.locator("tbody tr").count()
    assert 0 < with_data < 44

    table.get_by_role("button", name="Sort by Bookings").click()
    counts = [int(text) for text in table.locator("tbody tr td:nth-child(2)").all_inner_texts()]
    assert counts == sorted(counts)
    table.get_by_role("button", name="Sort by Bookings").click()
    counts = [int(text) for text in table.locator("tbody tr td:nth-child(2)").all_inner_texts()]
    assert counts == sorted(counts, reverse=True)

    states = table.locator("tbody tr").evaluate_all("rows => rows.map(r => r.dataset.state)")
    page.get_by_label("Show clinics in").select_option(states[0])
    expect(table.locator("tbody tr:visible")).to_have_count(states.count(states[0]))
    assert_accessible(page)

    page.get_by_role("link", name="Show clinics without data").click()
    page.get_by_text(re.compile(r"^Bookings by clinic")).click()
    assert table.locator("tbody tr").count() > with_data
    table.get_by_role("link", name="No-show rate", exact=True).click()
    expect(page.locator("#def-no_show_rate")).to_be_in_viewport()
