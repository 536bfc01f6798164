"""Shared fixtures: a fresh database per test (SQLite by default, PostgreSQL when
TEST_DATABASE_URL is set), a client that fills in CSRF tokens like a browser, and a real
SMTP server."""

from __future__ import annotations

import os
import re
import socket
import sys
import time
from email import message_from_bytes
from email.message import Message
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller
from flask import has_app_context, has_request_context
from flask.testing import FlaskClient
from sqlalchemy import event, inspect, text
from sqlalchemy.exc import DBAPIError, DisconnectionError

from clinic_app import create_app
from clinic_app.extensions import db, limiter
from tests.factories import DEFAULT_PASSWORD

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")


def pytest_report_header(config):
    if TEST_DATABASE_URL:
        return f"database: PostgreSQL {TEST_DATABASE_URL.rsplit('/', 1)[-1]}"
    return "database: SQLite (a temporary file per test)"


def pytest_sessionstart(session):
    """Build the app once before any test: every module is imported now, so a test that
    freezes ``clinic_app.clock.utcnow`` cannot leave a module that first loads during it holding
    the fake clock. And a PostgreSQL run that cannot reach its server fails at once; it never skips."""
    app = create_app("testing", {"DATABASE_URL": TEST_DATABASE_URL or "sqlite://"})
    if not TEST_DATABASE_URL:
        return
    with app.app_context():
        try:
            with db.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as error:  # noqa: BLE001 - any failure here must stop the run
            pytest.exit(f"TEST_DATABASE_URL is set but PostgreSQL is unreachable: {error}", returncode=3)
        db.engine.dispose()


def database_url(tmp_path) -> str:
    if TEST_DATABASE_URL:
        return TEST_DATABASE_URL
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture
def app_overrides():
    """Tests override settings by overriding this fixture or updating app.config."""
    return {}


@pytest.fixture
def app_env():
    """The settings' environment; a test of the development defaults overrides it."""
    return "testing"


@pytest.fixture
def app(tmp_path, app_env, app_overrides):
    app = create_app(
        app_env,
        {"DATABASE_URL": database_url(tmp_path), **app_overrides},
    )
    app.test_client_class = RequestIsolatedClient
    with app.app_context():
        _empty_schema()
        limiter.reset()
        yield app
        db.session.remove()
        if db.engine.dialect.name != "postgresql":
            db.drop_all()
            _drop_alembic_version()
        db.engine.dispose()  # each test's app has its own pool: close it


def _empty_schema():
    """The current schema with no rows. SQLite gets a new file per test. PostgreSQL keeps one
    schema for the run and empties it between tests, far quicker than dropping and creating some
    forty tables with their triggers for each of ~1,000 tests. When a test left other tables (a
    migration test, say), the schema is rebuilt."""
    postgresql = db.engine.dialect.name == "postgresql"
    if postgresql and set(inspect(db.engine).get_table_names()) == set(db.metadata.tables):
        with db.engine.begin() as conn:
            _delete_every_row(conn)
        return
    db.drop_all()
    _drop_alembic_version()
    db.create_all()


def _delete_every_row(conn):
    """DELETE with triggers and foreign-key checks off for this transaction (the append-only
    audit trail and signed notes refuse deletes otherwise). TRUNCATE would skip the triggers too,
    but costs about a second per call for forty tables, which was most of the PostgreSQL run.
    Switching triggers off needs a superuser, as the local test server has; elsewhere TRUNCATE."""
    try:
        with conn.begin_nested():
            conn.execute(text("SET LOCAL session_replication_role = replica"))
    except DBAPIError:
        # The audit trail refuses TRUNCATE too (migration 0020); the tables' owner may lift that.
        tables = ", ".join(f'"{name}"' for name in db.metadata.tables)
        conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_truncate"))
        conn.execute(text(f"TRUNCATE {tables} CASCADE"))
        conn.execute(text("ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_truncate"))
        return
    for table in db.metadata.sorted_tables:
        conn.execute(table.delete())


def _drop_alembic_version():
    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


class RequestIsolatedClient(FlaskClient):
    """Each request runs in its own app context, as in production.

    The test itself holds an app context (for factories and queries); without this, requests
    would share its ``g``, so one client's signed-in user would leak into another's request.
    """

    def open(self, *args, **kwargs):
        # The test's own transaction ends first, as another client's would: its reads after
        # the request then see what the request wrote.
        if has_app_context():
            db.session.commit()
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    return FormClient(app.test_client())


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class FormClient:
    """A test client that, like a browser, posts forms with the CSRF token of the page."""

    TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')

    def __init__(self, client):
        self.raw = client

    def __getattr__(self, name):
        return getattr(self.raw, name)

    def submit(self, url: str, data: dict, page: str | None = None, **kwargs):
        """GET ``page`` (default ``url``), take its CSRF token, POST ``data`` to ``url``."""
        html = self.raw.get(page or url, headers=kwargs.get("headers")).get_data(as_text=True)
        match = self.TOKEN.search(html)
        assert match, f"no CSRF token on {page or url}"
        return self.raw.post(url, data={**data, "csrf_token": match.group(1) or match.group(2)}, **kwargs)

    def login(self, email: str, password: str = DEFAULT_PASSWORD, **kwargs):
        """Log in like a person would: the password, then, for an account with two-factor
        sign-in, the current code from its authenticator (computed from the stored secret)."""
        response = self.submit("/login", {"email": email, "password": password}, **kwargs)
        if response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/login/two-factor":
            code = two_factor_code(self.raw.application, email)
            return self.submit("/login/two-factor", {"code": code}, headers=kwargs.get("headers"))
        return response

    def logout(self):
        return self.submit("/logout", {}, page="/")


def two_factor_code(app, email: str) -> str:
    """The code an enrolled user's authenticator app would offer now (by ``clinic_app.clock``,
    so a test that moves the clock moves the code too), skipping steps already used."""
    from clinic_app import clock
    from clinic_app.accounts.service import find_user_by_email
    from clinic_app.accounts.two_factor import secret_of
    from clinic_app.accounts.two_factor_rules import next_usable_code

    with app.app_context():
        user = find_user_by_email(email)
        code = next_usable_code(secret_of(user), clock.utcnow(), user.totp_last_step)
    assert code, f"every two-factor code of {email} for this half-minute is used: move the clock on"
    return code


class Mailbox:
    """Messages delivered to the test SMTP server, parsed."""

    def __init__(self):
        self.messages: list[Message] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        """Addresses starting with "refused" do not exist on this server (a permanent 550);
        those starting with "later" are refused for now (a temporary 451), every time."""
        if address.startswith("refused"):
            return f"550 5.1.1 No such mailbox: {address}"
        if address.startswith("later"):
            return f"451 4.2.1 Mailbox {address} busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"

    def wait_for(self, count: int = 1, timeout: float = 5.0) -> list[Message]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.messages


@pytest.fixture
def smtp_server(app):
    """A real SMTP server on a free local port; the app sends its mail there."""
    mailbox = Mailbox()
    port = _free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_ENABLED=True)
    yield mailbox
    controller.stop()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class DatabaseOutage:
    """The database server goes away in the middle of a request, on SQLite and PostgreSQL
    alike: from the chosen moment (the request's commit, or its first rollback while an error is
    answered; a savepoint's do not count) every new connection is refused and a pooled one is
    found dead when taken, so whatever the request reads next fails as in a real outage. The
    test's own session (no request) is left alone."""

    def __init__(self, engine):
        self.engine, self.started, self._armed = engine, False, []

    def after_commit(self) -> None:
        self._arm("after_commit")

    def while_answering_an_error(self) -> None:
        """From the first rollback made while an error is being answered (an error handler
        undoing the request's work), not from one that merely starts a fresh transaction."""
        self._arm("after_rollback", while_handling=True)

    def _arm(self, moment: str, while_handling: bool = False) -> None:
        def begin(session):
            if session.in_nested_transaction() or not has_request_context() or self.started:
                return  # a savepoint's, or the test's own
            if not while_handling or sys.exc_info()[1]:
                self.start()

        event.listen(db.session, moment, begin)
        self._armed.append((moment, begin))

    def start(self) -> None:
        self.started = True
        event.listen(self.engine, "do_connect", self._refuse)
        event.listen(self.engine, "checkout", self._drop)

    def end(self) -> None:
        for moment, begin in self._armed:
            event.remove(db.session, moment, begin)
        self._armed.clear()
        if self.started:
            event.remove(self.engine, "do_connect", self._refuse)
            event.remove(self.engine, "checkout", self._drop)
            self.started = False

    @staticmethod
    def _refuse(dialect, conn_rec, cargs, cparams):
        raise dialect.loaded_dbapi.OperationalError("connection refused (simulated outage)")

    @staticmethod
    def _drop(dbapi_connection, connection_record, connection_proxy):
        """A pooled connection found dead when taken: the pool closes it and connects anew."""
        raise DisconnectionError("server closed the connection (simulated outage)")


@pytest.fixture
def database_outage(app):
    outage = DatabaseOutage(db.engine)
    yield outage
    outage.end()
