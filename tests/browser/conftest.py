"""A live server with the demo data, and Debian's Chromium driven by Playwright.

Without Chromium these tests are skipped with a plain message, except under CI=true, where
a missing browser is a failure (CI installs it first)."""

from __future__ import annotations

import os
import re
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import expect
from werkzeug.serving import make_server

from clinic_app import create_app
from clinic_app.demo.seed import seed_demo_clinics, seed_demo_schedules, seed_demo_users
from clinic_app.extensions import db
from tests.conftest import Mailbox, _free_port, database_url, two_factor_code

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost",
]
DEMO_PASSWORD = "BackSolution-demo-2026"
PHONE = {"width": 375, "height": 812}
_SITES: dict = {}  # the app behind each running demo site, by its address


# Where a failing journey's last screen is saved (ignored by git); its path is printed in the
# test's report, so the failure says what the browser showed.
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failure in a browser test's body, save a full-page screenshot of its page and
    attach the file's path to the report (shown under the failure)."""
    outcome = yield
    report = outcome.get_result()
    page = item.funcargs.get("page") if hasattr(item, "funcargs") else None
    if report.when != "call" or not report.failed or page is None or page.is_closed():
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / (re.sub(r"[^A-Za-z0-9_.-]+", "_", item.nodeid) + ".png")
    try:
        page.screenshot(path=str(path), full_page=True)
    except Exception as error:  # noqa: BLE001 - nothing here may hide the test's own failure or stop the run
        report.sections.append(("screenshot", f"no screenshot: {type(error).__name__}: {error}"))
        return
    report.sections.append(("screenshot", f"{path} (the page at {page.url})"))


def pytest_collection_modifyitems(config, items):
    if CHROMIUM:
        return
    if os.environ.get("CI") == "true":
        raise pytest.UsageError("CI=true but Chromium is not installed: the browser tests cannot be skipped in CI.")
    skip = pytest.mark.skip(reason="Chromium not installed (apt-get install chromium): browser tests skipped")
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture
def page(page):
    """pytest-playwright's page, which completes two-factor sign-in by itself like a person with
    the authenticator app at hand: the demo head office and admin accounts are enrolled, and
    journeys log in with e-mail and password only.

    The step is taken inside the browser's request for POST /login, before the browser sees the
    answer, so a journey that goes on to another address straight after clicking "Log in" finds
    itself signed in as before. Open /login/two-factor yourself to try the code page."""
    page.route(re.compile(r"/login(\?.*)?$"), _through_two_factor)
    return page


def log_in(page, url: str, email: str, password: str = DEMO_PASSWORD) -> None:
    """Log in through the form; with the ``page`` fixture the two-factor step is taken too."""
    page.goto(url + "/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def open_as_head_office_on_a_phone(page, url: str, link: str) -> None:
    """At phone width, log in as the demo head office, wait for its dashboard, follow ``link``."""
    page.set_viewport_size(PHONE)
    log_in(page, url, "headoffice@example.com")
    expect(page.get_by_role("heading", name="Head office", level=1)).to_be_visible()
    page.get_by_role("link", name=link).click()


def fits_a_phone(page) -> bool:
    """Nothing on the page makes it scroll sideways at phone width."""
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def _through_two_factor(route) -> None:
    """Send the sign-in; when it asks for a code, send the code with the browser's cookies and
    hand the browser the place that leads to instead."""
    parts = urlsplit(route.request.url)
    site = f"{parts.scheme}://{parts.netloc}"
    if route.request.method != "POST" or site not in _SITES:
        route.fallback()
        return
    response = route.fetch(max_redirects=0)
    if urlsplit(response.headers.get("location", "")).path != "/login/two-factor":
        route.fulfill(response=response)
        return
    context = route.request.frame.page.context
    form_page = context.request.get(site + "/login/two-factor").text()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form_page).group(1)
    code = _pending_code(_SITES[site], context.cookies(site))
    done = context.request.post(site + "/login/two-factor", form={"csrf_token": token, "code": code}, max_redirects=0)
    route.fulfill(status=done.status, headers={"Location": done.headers.get("location", "/login")})


def _pending_code(app, cookies) -> str:
    """The code for the account whose sign-in waits in the browser's session cookie."""
    from clinic_app import clock
    from clinic_app.accounts.models import User
    from clinic_app.accounts.session_guard import PENDING
    from clinic_app.accounts.two_factor import secret_of
    from clinic_app.accounts.two_factor_rules import next_usable_code

    value = next(c["value"] for c in cookies if c["name"] == app.config.get("SESSION_COOKIE_NAME", "session"))
    user_id = app.session_interface.get_signing_serializer(app).loads(value)[PENDING]["user"]
    with app.app_context():
        user = db.session.get(User, user_id)
        if next_usable_code(secret_of(user), clock.utcnow(), user.totp_last_step) is None:
            # Journeys on one site sign the same account in several times within one 30-second
            # step, and a code works once. A person would wait for the next one; a journey
            # forgets the step used instead (the replay guard has its tests in test_two_factor.py).
            user.totp_last_step = None
            db.session.commit()
        return two_factor_code(app, user.email)


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """The demo site served on a free local port for the tests in one module."""
    with demo_site(tmp_path_factory.mktemp("live")) as (url, _app):
        yield url


def _buffered(app):
    """The app with each response read whole and closed before it is sent.

    A browser that leaves a page drops connections mid-download (Leaflet's script, say). The
    development server then skips closing the response, and the open file surfaces later as a
    ResourceWarning in whichever test happens to be running. Buffering closes every file at once;
    the site itself serves no streamed responses."""

    def wsgi(environ, start_response):
        body = app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()

    return wsgi


@pytest.fixture(scope="module")
def mailbox():
    """A real SMTP server for the journeys of one module: (its mailbox, its port)."""
    box, port = Mailbox(), _free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


@pytest.fixture(scope="module")
def mailing_site(tmp_path_factory, mailbox):
    """The demo site for one module with e-mail on, delivered to ``mailbox``: (url, app)."""
    _, port = mailbox
    settings = {"MAIL_ENABLED": True, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port}
    with demo_site(tmp_path_factory.mktemp("mailing"), **settings) as (url, app):
        yield url, app


@contextmanager
def demo_site(tmp_path, **settings):
    """The demo data (clinics, accounts, practitioners' schedules) served on a free local port:
    yields (url, app). ``settings`` override the app's (mail, say); links in e-mails lead here."""
    port = _free_port()
    app = create_app(
        "testing",
        {
            "DATABASE_URL": database_url(tmp_path),
            "MAIL_ENABLED": False,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "PUBLIC_URL": f"http://127.0.0.1:{port}",
            **settings,
        },
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
        seed_demo_clinics()
        seed_demo_users(DEMO_PASSWORD)
        seed_demo_schedules(DEMO_PASSWORD)
        db.session.commit()
    server = make_server("127.0.0.1", port, _buffered(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    _SITES[url] = app  # for the two-factor step of the page fixture
    try:
        yield url, app
    finally:
        _SITES.pop(url, None)
        server.shutdown()
        with app.app_context():
            db.drop_all()
            db.engine.dispose()

