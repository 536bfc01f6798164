"""A live server with the demo data, and Debian's Chromium driven by Playwright.

Without Chromium these tests are skipped with a plain message, except under CI=true, where
a missing browser is a failure (CI installs it first)."""

from __future__ import annotations

import os
import shutil
import threading
from contextlib import contextmanager

import pytest
from werkzeug.serving import make_server

from clinic_app import create_app
from clinic_app.demo.seed import seed_demo_clinics, seed_demo_schedules, seed_demo_users
from clinic_app.extensions import db
from tests.conftest import _free_port, database_url

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
    try:
        yield f"http://127.0.0.1:{server.server_port}", app
    finally:
        server.shutdown()
        with app.app_context():
            db.drop_all()
            db.engine.dispose()
