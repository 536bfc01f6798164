"""Issue 18 journeys on the demo, at phone (390 x 844) and desktop (1366 x 900) sizes, each page
checked with axe: forgiving place search with suggestions as you type and "did you mean"."""

import re

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


# --- the patient's /my/ page: today's task first -------------------------------------------------


@pytest.fixture(scope="module")
def patient_site(tmp_path_factory):
    """The demo site where patient@example.com was seen a week ago and given bird dog and brisk
    walking (20 minutes), with no check-in today."""
    from clinic_app.audit.service import Actor
    from clinic_app.clock import utcnow
    from clinic_app.extensions import db
    from clinic_app.treatments.library import seed_exercise_library
    from clinic_app.treatments.models import Exercise
    from clinic_app.treatments.programmes import Dose, prescribe_programme
    from tests.browser.conftest import demo_site
    from tests.browser.test_adherence_journey import practitioner_account, seen_a_week_ago

    with demo_site(tmp_path_factory.mktemp("today")) as (url, app):
        with app.app_context():
            seed_exercise_library()
            patient = seen_a_week_ago()
            by_slug = {e.slug: e.id for e in db.session.scalars(db.select(Exercise))}
            practitioner = practitioner_account()
            prescribe_programme(Actor(practitioner.user), patient, practitioner,
                                [Dose(by_slug["bird-dog"], 2, 8, 5, 1), Dose(by_slug["walking"], 1, 1, minutes=20)],
                                "", utcnow())
            db.session.commit()
        yield url


@SIZES
def test_my_page_opens_on_todays_check_in_and_the_saved_confirmation_is_in_view(page: Page, patient_site, size):
    from tests.browser.conftest import log_in

    page.set_viewport_size(size)
    log_in(page, patient_site, "patient@example.com")
    expect(page.get_by_role("heading", name="Today's check-in")).to_be_in_viewport()
    expect(page.get_by_text("Brisk walking: 20 minutes, once a day")).to_have_count(1)
    no_axe_violations(page)
    page.get_by_label("Bird dog: sets done").fill("2")
    page.get_by_label("Brisk walking: times done").fill("1")
    pain = page.get_by_role("group", name="Pain right now")
    three = pain.get_by_label("3", exact=True)  # the radio button fills its numbered box: one tap target
    three.scroll_into_view_if_needed()
    box = three.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 24
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # a tap on the box
    expect(three).to_be_checked()
    page.get_by_role("group", name="Did the exercises make you feel better?").get_by_label("Better").check()
    page.get_by_role("button", name="Save check-in").click()
    saved = page.get_by_text("Thank you: today's check-in is saved.")
    expect(saved).to_be_in_viewport()
    expect(saved).to_be_focused()
    no_axe_violations(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]


def test_pain_is_chosen_with_the_arrow_keys_alone(page: Page, patient_site):
    from tests.browser.conftest import log_in

    page.set_viewport_size(PHONE)
    log_in(page, patient_site, "patient@example.com")
    pain = page.get_by_role("group", name="Pain right now")
    pain.get_by_label("0", exact=True).focus()
    page.keyboard.press("Space")
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    expect(pain.get_by_label("5", exact=True)).to_be_checked()
    expect(pain.get_by_label("5", exact=True)).to_be_focused()


# --- nearest results: List/Map on a phone, side by side on a wide screen --------------------------


def test_on_a_phone_the_map_is_one_tap_away(page: Page, live_server):
    page.set_viewport_size(PHONE)
    page.goto(live_server + "/clinics/nearest?q=phoenix")
    toggle = page.get_by_role("group", name="Show the clinics as")
    expect(toggle).to_be_visible()
    expect(page.locator("ol.result-list")).to_be_visible()
    expect(page.locator("#clinic-map")).to_be_hidden()
    expect(page.locator(".result .badge").first).to_have_text(re.compile(r"^(Open now · closes|Closed now)"))
    no_axe_violations(page)
    toggle.get_by_role("button", name="Map").click()
    expect(toggle.get_by_role("button", name="Map")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#clinic-map")).to_be_in_viewport()
    expect(page.locator("ol.result-list")).to_be_hidden()
    no_axe_violations(page)
    toggle.get_by_role("button", name="List").click()
    expect(page.locator("ol.result-list")).to_be_visible()


def test_on_a_wide_screen_list_and_map_are_side_by_side(page: Page, live_server):
    page.set_viewport_size(DESKTOP)
    page.goto(live_server + "/clinics/nearest?q=phoenix")
    expect(page.get_by_role("group", name="Show the clinics as")).to_be_hidden()
    listed, drawn = page.locator("ol.result-list").bounding_box(), page.locator("#clinic-map").bounding_box()
    assert drawn["x"] > listed["x"] + listed["width"] - 1 and drawn["y"] < DESKTOP["height"]
    no_axe_violations(page)
