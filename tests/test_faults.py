"""Faults a patient or the clinic would notice, and what they see instead of a crash:

* the database goes away under the running app (gunicorn, PostgreSQL reached through a TCP
  proxy that this test switches off): pages and the API answer 503 with a plain message, a
  booking sent meanwhile writes nothing, and the same app serves again once the database is back;
* the SMTP server is down: bookings still succeed, the outbox keeps each message, and once a
  server listens again every message goes out exactly once;
* the notification worker finishes the pass it is in when told to stop (SIGTERM).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request

import pytest
from aiosmtpd.controller import Controller
from flask import has_request_context
from sqlalchemy import event, func, select
from sqlalchemy.engine import make_url

from clinic_app import create_app
from clinic_app.extensions import db
from clinic_app.notifications.models import OutboxMessage
from clinic_app.notifications.service import queue_email
from clinic_app.patients.models import Patient
from clinic_app.scheduling.models import Booking
from tests.conftest import TEST_DATABASE_URL, Mailbox, _free_port
from tests.factories import make_bookable_clinic
from tests.servers import gunicorn


class SwitchableProxy:
    """A TCP proxy to the database server, standing for the network path to it. ``cut()``
    drops every open connection and refuses new ones, as a failed server or network does;
    ``restore()`` listens again on the same port."""

    def __init__(self, target: tuple[str, int]):
        self.target, self.port = target, _free_port()
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._listening, self._closed = threading.Event(), threading.Event()

    def restore(self) -> None:
        listener = socket.create_server(("127.0.0.1", self.port))
        listener.settimeout(0.1)
        self._closed.clear()
        self._listening.set()
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        self._listening.clear()
        assert self._closed.wait(30), "the proxy kept listening"
        with self._lock:
            for sock in self._sockets:
                _close(sock)
            self._sockets.clear()

    def _accept(self, listener: socket.socket) -> None:
        try:
            with listener:
                while self._listening.is_set():
                    try:
                        client, _ = listener.accept()
                    except TimeoutError:
                        continue
                    self._connect(client)
        finally:
            self._closed.set()  # connections still waiting to be accepted are refused now

    def _connect(self, client: socket.socket) -> None:
        client.settimeout(None)
        try:
            upstream = socket.create_connection(self.target, timeout=5)
        except OSError:
            client.close()
            return
        upstream.settimeout(None)
        with self._lock:
            self._sockets |= {client, upstream}
        for source, sink in ((client, upstream), (upstream, client)):
            threading.Thread(target=_pump, args=(source, sink), daemon=True).start()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        _close(sink)


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


@pytest.fixture
def proxy():
    url = make_url(TEST_DATABASE_URL)
    proxy = SwitchableProxy((url.host or "localhost", url.port or 5432))
    proxy.restore()
    yield proxy
    proxy.cut()


@pytest.fixture
def app_behind_proxy(app, proxy):
    """The app under gunicorn (1 worker, 2 threads), reaching PostgreSQL only through ``proxy``."""
    database_url = make_url(TEST_DATABASE_URL).set(host="127.0.0.1", port=proxy.port)
    env = {"APP_ENV": "testing", "RATELIMIT_ENABLED": "false", "MAIL_ENABLED": "false",
           "DATABASE_URL": database_url.render_as_string(hide_password=False)}
    with gunicorn(env, "--workers", "1", "--threads", "2",
                  stderr=subprocess.DEVNULL) as url:  # the outage is logged, on purpose
        yield url


def fetch(url: str, body: dict | None = None) -> tuple[int, str, str]:
    """(status, content type, text) of a GET, or of a JSON POST when ``body`` is given."""
    request = urllib.request.Request(  # noqa: S310 - local test server
        url, data=json.dumps(body).encode() if body else None, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, response.headers.get_content_type(), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get_content_type(), error.read().decode()


def booking_request(clinic_id: int, start: str) -> dict:
    return {"clinic_id": clinic_id, "service": "follow-up", "start": start, "new_patient": True, "consent": True,
            "patient": {"first_name": "Outage", "last_name": "Test", "email": "outage@example.com",
                        "phone": "555-0100", "date_of_birth": "1985-06-15"}}


def rows_written() -> tuple[int, int, int]:
    """(bookings, patients, outbox messages) as the database holds them now."""
    db.session.commit()
    models = (Booking, Patient, OutboxMessage)
    return tuple(db.session.scalar(select(func.count()).select_from(model)) for model in models)


@pytest.mark.timeout(300)
@pytest.mark.skipif(not TEST_DATABASE_URL, reason=(
    "SQLite has no connection path to cut: a database file stays open and readable after it is moved or "
    "its permissions change, so no honest outage exists. The 503 handling itself is shown on SQLite by "
    "tests/test_errors_and_health.py; this test runs on PostgreSQL (TEST_DATABASE_URL, as CI does)."))
def test_while_the_database_is_away_the_app_answers_503_and_recovers_by_itself(app, proxy, app_behind_proxy):
    clinic_id, start = make_bookable_clinic()
    site = app_behind_proxy
    assert fetch(f"{site}/clinics")[0] == 200 and fetch(f"{site}/api/v1/clinics")[0] == 200

    proxy.cut()
    status, kind, page = fetch(f"{site}/clinics")
    assert (status, kind) == (503, "text/html") and "The service is briefly unavailable" in page
    status, kind, answer = fetch(f"{site}/api/v1/clinics")
    assert (status, kind) == (503, "application/json")
    assert json.loads(answer)["error"]["code"] == "service_unavailable"
    assert fetch(f"{site}/api/v1/bookings", booking_request(clinic_id, start))[0] == 503
    assert fetch(f"{site}/healthz")[0] == 503
    assert rows_written() == (0, 0, 0)

    proxy.restore()  # the same gunicorn process, never restarted
    assert fetch(f"{site}/clinics")[0] == 200
    assert fetch(f"{site}/api/v1/clinics")[0] == 200
    assert fetch(f"{site}/api/v1/bookings", booking_request(clinic_id, start))[0] == 201
    assert rows_written() == (1, 1, 1)  # the booking, its patient, the confirmation


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="PostgreSQL only, as above: SQLite has no connection to cut")
def test_a_booking_cut_off_half_way_by_the_outage_leaves_nothing_behind(app, proxy):
    """The connection drops after the visit's row is written but before the commit: the
    patient gets the 503, and neither the visit, the patient nor the confirmation remains."""
    clinic_id, start = make_bookable_clinic()
    proxied = create_app("testing", {"DATABASE_URL": make_url(TEST_DATABASE_URL).set(
        host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False), "RATELIMIT_ENABLED": False})

    def cut_after_the_booking_is_written(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("INSERT INTO BOOKINGS"):
            proxy.cut()

    with proxied.app_context():
        event.listen(db.engine, "after_cursor_execute", cut_after_the_booking_is_written)
        try:
            response = proxied.test_client().post("/api/v1/bookings", json=booking_request(clinic_id, start))
        finally:
            event.remove(db.engine, "after_cursor_execute", cut_after_the_booking_is_written)
            db.engine.dispose()
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "service_unavailable"
    assert rows_written() == (0, 0, 0)


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="PostgreSQL only, as above: SQLite has no connection to cut")
def test_a_booking_committed_just_before_the_network_to_the_database_is_cut_is_answered_201(app, proxy):
    """The commit reaches PostgreSQL, then the path to it fails: the booking exists and its
    confirmation is queued, so the patient is told so (from what the request holds), not 503."""
    clinic_id, start = make_bookable_clinic()
    proxied = create_app("testing", {"DATABASE_URL": make_url(TEST_DATABASE_URL).set(
        host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False), "RATELIMIT_ENABLED": False})

    def cut_after_the_commit(session):
        if has_request_context() and not session.in_nested_transaction():  # the request's, not a savepoint's
            proxy.cut()

    with proxied.app_context():
        event.listen(db.session, "after_commit", cut_after_the_commit)
        try:
            response = proxied.test_client().post("/api/v1/bookings", json=booking_request(clinic_id, start))
        finally:
            event.remove(db.session, "after_commit", cut_after_the_commit)
            db.engine.dispose()
    assert response.status_code == 201
    reference = response.get_json()["booking"]["reference"]
    assert rows_written() == (1, 1, 1)
    assert db.session.scalar(select(Booking.reference)) == reference


def test_while_smtp_is_down_bookings_succeed_and_each_message_goes_out_once_it_is_back(app, client, runner):
    smtp_port = _free_port()  # nothing listens here yet
    # Due again at once, so the pass after the server is back sends it (normally after a minute).
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_port, MAIL_ENABLED=True, MAIL_RETRY_FIRST_SECONDS=0)
    clinic_id, start = make_bookable_clinic()

    response = client.post("/api/v1/bookings", json=booking_request(clinic_id, start))
    assert response.status_code == 201
    assert "Sent 0 message(s)" in runner.invoke(args=["notifications", "send"]).output
    waiting = db.session.scalars(select(OutboxMessage)).all()
    assert [(m.recipient, m.sent_at, m.gave_up_at, m.attempts, m.last_error) for m in waiting] == [
        ("outage@example.com", None, None, 1, "ConnectionRefusedError")]

    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        assert "Sent 1 message(s)" in runner.invoke(args=["notifications", "send"]).output
        assert "Sent 0 message(s)" in runner.invoke(args=["notifications", "send"]).output
    finally:
        controller.stop()
    assert [m["To"] for m in mailbox.messages] == ["outage@example.com"]


class SlowMailbox(Mailbox):
    """Holds each message mid-delivery until the test lets it through."""

    def __init__(self):
        super().__init__()
        self.arrived, self.release = threading.Event(), threading.Event()

    async def handle_DATA(self, server, session, envelope):
        self.arrived.set()
        await asyncio.to_thread(self.release.wait, 30)
        return await super().handle_DATA(server, session, envelope)


def test_sigterm_during_a_pass_lets_the_worker_finish_that_message_then_stop(app):
    mailbox = SlowMailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    message = queue_email("inflight@example.com", "Hello", "emails/password_reset.txt", user=None,
                          reset_url="x", minutes=1)
    db.session.commit()
    env = {**os.environ, "APP_ENV": "testing", "DATABASE_URL": app.config["DATABASE_URL"], "MAIL_ENABLED": "true",
           "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(controller.port)}
    worker = subprocess.Popen(  # noqa: S603 - our own interpreter and app
        [sys.executable, "-m", "flask", "--app", "clinic_app", "notifications", "send", "--loop", "--interval", "0.2"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert mailbox.arrived.wait(60), "the worker never reached the SMTP server"
        worker.send_signal(signal.SIGTERM)  # mid-delivery
        mailbox.release.set()
        output, errors = worker.communicate(timeout=30)
    finally:
        worker.kill()
        controller.stop()
    assert worker.returncode == 0, errors
    assert "Sent 1 message(s)" in output and output.rstrip().endswith("Stopping.")
    assert [m["To"] for m in mailbox.messages] == ["inflight@example.com"]
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message.id).sent_at is not None  # recorded: never sent again
