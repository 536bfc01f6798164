"""Someone who cannot use a mouse books a visit from the home page with the keyboard alone: Tab
and Shift+Tab to move, Enter to follow a link or send a form, Space and the arrow keys for
check boxes, radio buttons and lists, typing into the field that has the focus. Every control
the focus lands on on the way shows where the focus is (an outline at least 2 px wide)."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import demo_site

pytestmark = pytest.mark.browser
PHONE = {"width": 375, "height": 812}
MAX_TABS = 120  # more stops than any page on the way has: a missing control fails, never loops
# What the element with the focus shows: its outline, and how people would name it.
FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const label = el.labels && el.labels.length ? el.labels[0].textContent : '';
  return {
    tag: el.tagName.toLowerCase(), id: el.id || '', name: (label || el.textContent || el.value || '').trim(),
    outline: style.outlineStyle === 'none' ? 0 : parseFloat(style.outlineWidth),
  };
}"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with demo_site(tmp_path_factory.mktemp("keyboard")) as (url, _app):
        yield url


class Keyboard:
    """Moves the focus with Tab / Shift+Tab only, remembering every stop that showed no focus."""

    def __init__(self, page: Page):
        self.page = page
        self.unseen: list[dict] = []  # focus stops without a visible outline
        self.stops = 0

    def tab_to(self, name: str | re.Pattern, tag: str = "", backwards: bool = False) -> dict:
        """Press Tab (Shift+Tab backwards) until the focus is on a control called ``name``."""
        for _ in range(MAX_TABS):
            self.page.keyboard.press("Shift+Tab" if backwards else "Tab")
            focused = self.page.evaluate(FOCUSED)
            self.stops += 1
            # <body>: no control has focus (Tab went past the last one into the browser's own
            # controls, or a page is still loading), so there is no outline to draw.
            if focused["outline"] < 2 and focused["tag"] != "body":
                self.unseen.append({**focused, "page": self.page.url})
            if _named(focused, name) and (not tag or focused["tag"] == tag):
                return focused
        raise AssertionError(f"Tab never reached {name!r} on {self.page.url}")

    def enter(self) -> None:
        """Press Enter on a link or a form's button and wait for the page it leads to."""
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")

    def skip_to_content(self) -> None:
        """The first Tab on a page lands on "Skip to main content"; Enter moves the focus into
        the page's main content, past the header's links."""
        self.tab_to("Skip to main content", "a")
        self.page.keyboard.press("Enter")
        expect(self.page.locator("main")).to_be_focused()


def _named(focused: dict, name) -> bool:
    text = " ".join(focused["name"].split())
    return bool(name.search(text)) if isinstance(name, re.Pattern) else text.startswith(name)


def test_a_patient_books_a_visit_from_the_home_page_with_the_keyboard_alone(page: Page, site):
    page.set_viewport_size(PHONE)
    keys = Keyboard(page)
    page.goto(site + "/")

    keys.skip_to_content()
    keys.tab_to("ZIP code", "input")
    page.keyboard.type("85004")
    keys.enter()
    expect(page.get_by_role("heading", name="Clinics near", exact=False).first).to_be_visible()

    keys.skip_to_content()
    keys.tab_to("Book here: Back Solution Phoenix", "a")
    keys.enter()  # the clinic is chosen: straight to the kind of visit
    expect(page.get_by_role("heading", name="What kind of visit?")).to_be_visible()

    keys.skip_to_content()
    keys.tab_to("Follow-up treatment", "a")
    keys.enter()
    keys.skip_to_content()
    keys.tab_to("First available", "a")
    keys.enter()
    expect(page.get_by_role("heading", name="When would you like to come?")).to_be_visible()

    keys.skip_to_content()
    keys.tab_to("Later days", "a")
    keys.enter()
    keys.skip_to_content()
    keys.tab_to(re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun)\w* .*\d+ times?$"), "a")
    keys.enter()  # the day's times, and the focus starts at them
    before = keys.stops
    keys.tab_to(re.compile(r"^\d{1,2}:\d{2} [AP]M"), "a")
    assert keys.stops - before < 16, f"{keys.stops - before} Tab presses from the day to its first time"
    assert keys.stops - before <= 2
    keys.enter()
    expect(page.get_by_role("heading", name="Your details")).to_be_visible()
    chosen = page.locator(".visit-summary dd").first.inner_text()

    enter_details_forgetting_consent(page, keys)
    expect(page.locator(".error-summary")).to_be_focused()
    give_consent_from_the_error_summary(page, keys)
    keys.tab_to("Book this visit", "input")
    keys.enter()

    expect(page.get_by_text("Your visit is booked")).to_be_visible()
    assert re.fullmatch(r"/book/manage/[\w-]+", urlsplit(page.url).path)
    assert page.locator("dt:has-text('When') + dd").inner_text() == chosen
    assert keys.stops > 40  # every control passed on the way was checked, not just the ones used
    assert keys.unseen == [], keys.unseen


def enter_details_forgetting_consent(page: Page, keys: Keyboard) -> None:
    """Type each field in turn, choose with arrows, and send the form without the agreement."""
    for label, text in [("First name", "Ada"), ("Last name", "Lovelace"), ("E-mail", "ada@example.com"),
                        ("Phone", "(555) 010-0199")]:
        keys.tab_to(label, "input")
        page.keyboard.type(text)
    keys.tab_to("Date of birth", "input")
    page.keyboard.type("06151985")  # month, day, year: the date field moves on by itself
    keys.tab_to("No, this is my first visit", "input")
    page.keyboard.press("ArrowDown")  # radio buttons: the arrows move the choice
    page.keyboard.press("ArrowUp")
    expect(page.get_by_label("No, this is my first visit")).to_be_checked()
    keys.tab_to("Where does it hurt?", "select")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("Where does it hurt?")).to_have_value("Lower back")
    keys.tab_to("Book this visit", "input")
    keys.tab_to("I agree", "input", backwards=True)  # back up to check the agreement: then leave it
    keys.tab_to("Book this visit", "input")
    keys.enter()


def give_consent_from_the_error_summary(page: Page, keys: Keyboard) -> None:
    """The summary's link takes the focus to the field that needs it; Space ticks the box."""
    keys.tab_to("I agree that Back Solution stores", "a")
    page.keyboard.press("Enter")  # a link within the page: no new page to wait for
    consent = page.get_by_label("I agree that Back Solution stores my health information")
    expect(consent).to_be_focused()
    page.keyboard.press("Space")
    expect(consent).to_be_checked()
    expect(page.get_by_label("Date of birth")).to_have_value("1985-06-15")
