"""Names on the maps are text: a clinic called like a piece of HTML shows its name literally in
the network map's tooltip and the nearest-clinic map's popup, and builds no element of its own."""

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from clinic_app.clinics.models import Clinic
from clinic_app.extensions import db
from tests.browser.conftest import demo_site, log_in

pytestmark = pytest.mark.browser

HOSTILE_NAME = "<img src=x onerror=alert(1)><b>x</b>"


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    """The demo site, with the Manhattan clinic renamed to a piece of HTML."""
    with demo_site(tmp_path_factory.mktemp("hostile")) as (url, app):
        with app.app_context():
            clinic = db.session.scalar(select(Clinic).where(Clinic.zip_code == "10001"))
            clinic.name = HOSTILE_NAME
            db.session.commit()
        yield url


@pytest.fixture
def dialogs(page: Page) -> list[str]:
    """The message of every alert, confirm or prompt the page opens (each is dismissed)."""
    opened: list[str] = []

    def record(dialog):
        opened.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", record)
    return opened


def test_a_clinic_name_shows_as_text_in_the_network_map_tooltip(page: Page, hostile_site, dialogs):
    log_in(page, hostile_site, "headoffice@example.com")
    expect(page.get_by_role("heading", name="Head office", level=1)).to_be_visible()
    page.goto(hostile_site + "/headoffice/network")
    # Pins are clustered: the table's button zooms until the clinic's own pin shows, tooltip open.
    page.get_by_role("button", name=f"Show on the map {HOSTILE_NAME} (Open)").click()

    pin = page.locator(f'#network-map .clinic-pin[title^="{HOSTILE_NAME} ("]')
    expect(pin).to_have_count(1)

    tooltip = page.locator("#network-map .leaflet-tooltip")
    expect(tooltip).to_have_text(f"{HOSTILE_NAME}, New York, NY: Open")
    _assert_no_element_made_from_the_name(page, "#network-map", dialogs)


def test_a_clinic_name_shows_as_text_in_the_nearest_clinic_map_popup(page: Page, hostile_site, dialogs):
    page.goto(hostile_site + "/clinics/nearest?q=10001")

    pin = page.locator(f'#clinic-map .leaflet-marker-icon[title="{HOSTILE_NAME}"]')
    expect(pin).to_have_count(1)
    pin.dispatch_event("click")

    expect(page.locator("#clinic-map .leaflet-popup-content a")).to_have_text(HOSTILE_NAME)
    _assert_no_element_made_from_the_name(page, "#clinic-map", dialogs)


def _assert_no_element_made_from_the_name(page: Page, map_selector: str, dialogs: list[str]) -> None:
    expect(page.locator('img[src="x"]')).to_have_count(0)
    expect(page.locator(f"{map_selector} b")).to_have_count(0)
    page.wait_for_timeout(200)  # an onerror handler would run as soon as the broken image failed
    assert dialogs == []
