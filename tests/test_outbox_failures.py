"""A bad message holds up nobody. One that cannot be built, or that the SMTP server refuses for
good (5xx), is marked failed with its reason; one refused for now (4xx, a server that cannot be
reached) is tried again after a wait that doubles each time; the messages behind it still go.
The notification worker (`flask notifications send --loop`) never stops for one of them."""

from __future__ import annotations

import logging
import os
import signal
import smtplib
import socket
import subprocess
import sys
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from clinic_app.clinics.models import Clinic
from clinic_app.clock import utcnow
from clinic_app.extensions import db
from clinic_app.notifications.models import OutboxMessage
from clinic_app.notifications.rules import classify_failure, retry_delay
from clinic_app.notifications.service import deliver_pending, queue_email
from tests.conftest import Mailbox, _free_port
from tests.factories import make_bookable_clinic
from tests.test_faults import booking_request

# Written to the database directly, as data from before the forms refused it would be.
POISONED_ADDRESS = "poisoned@example.com\u2028Bcc: everyone@example.com"


def _queue(*recipients: str) -> list[OutboxMessage]:
    messages = [queue_email(recipient, "Hello", "emails/password_reset.txt", user=None, reset_url="x", minutes=1)
                for recipient in recipients]
    db.session.commit()
    return messages


def app_log(caplog) -> str:
    """What the app logged (the test SMTP server logs addresses of its own)."""
    return "\n".join(record.getMessage() for record in caplog.records if record.name.startswith("clinic_app"))


def _poison_first() -> OutboxMessage:
    """A message that cannot be built, first in the outbox (oldest, lowest id)."""
    message = OutboxMessage(recipient=POISONED_ADDRESS, subject="Hello", body_text="Hello")
    db.session.add(message)
    db.session.commit()
    return message


def test_with_a_poisoned_message_first_every_other_message_goes_in_one_pass(app, client, runner, smtp_server,
                                                                              caplog):
    poisoned = _poison_first()
    clinic_id, start = make_bookable_clinic()
    # A clinic named before one-line fields refused line separators: its name is in every Subject.
    db.session.execute(update(Clinic).where(Clinic.id == clinic_id).values(name="Back\u2028Bay"))
    db.session.commit()
    assert client.post("/api/v1/bookings", json=booking_request(clinic_id, start)).status_code == 201
    _queue("first@example.com", "second@example.com", "third@example.com")

    with caplog.at_level(logging.INFO):
        output = runner.invoke(args=["notifications", "send"]).output
    assert "Sent 4 message(s)" in output
    mail = smtp_server.wait_for(4)
    assert sorted(m["To"] for m in mail) == ["first@example.com", "outage@example.com", "second@example.com",
                                             "third@example.com"]
    confirmation = next(m for m in mail if m["To"] == "outage@example.com")
    subject = " ".join(confirmation["Subject"].split())  # unfolded, as a mail app shows it
    assert subject.startswith("Your visit to Back Bay is booked: ")
    db.session.expire_all()
    failed = db.session.get(OutboxMessage, poisoned.id)
    assert (failed.sent_at, failed.attempts, failed.last_error) == (None, 1, "cannot be built: ValueError")
    assert failed.gave_up_at is not None
    assert "poisoned@example.com" not in app_log(caplog)  # the log names the message by id, never its address


def test_the_worker_loop_keeps_running_past_a_poisoned_message(app):
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    poisoned = _poison_first()
    _queue("after@example.com", "then@example.org")
    env = {**os.environ, "APP_ENV": "testing", "DATABASE_URL": app.config["DATABASE_URL"], "MAIL_ENABLED": "true",
           "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(controller.port)}
    worker = subprocess.Popen(  # noqa: S603 - our own interpreter and app
        [sys.executable, "-m", "flask", "--app", "clinic_app", "notifications", "send", "--loop", "--interval", "0.2"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        delivered = mailbox.wait_for(2, timeout=60)
        still_running = worker.poll() is None
        worker.send_signal(signal.SIGTERM)
        output, errors = worker.communicate(timeout=30)
    finally:
        worker.kill()
        controller.stop()
    assert sorted(m["To"] for m in delivered) == ["after@example.com", "then@example.org"]
    assert still_running and worker.returncode == 0, errors
    assert "Sent 2 message(s)" in output and output.rstrip().endswith("Stopping.")
    assert f"outbox message {poisoned.id} failed after 1 attempt(s): cannot be built: ValueError" in errors
    assert "poisoned@" not in errors


@pytest.fixture
def retry_settings(app):
    app.config.update(MAIL_RETRY_FIRST_SECONDS=60, MAIL_RETRY_MAX_SECONDS=600, MAIL_MAX_ATTEMPTS=6)


def test_a_permanent_refusal_fails_at_once_and_a_temporary_one_is_retried_with_growing_gaps(
        app, smtp_server, retry_settings, caplog):
    refused, busy, fine = _queue("refused@example.com", "later@example.com", "fine@example.com")
    now = utcnow()
    with caplog.at_level(logging.INFO):
        assert deliver_pending(now=now) == 1  # the message behind both refusals went in the same pass
    assert [m["To"] for m in smtp_server.wait_for(1)] == ["fine@example.com"]
    db.session.expire_all()
    assert (refused.gave_up_at, refused.attempts, refused.last_error) == (now, 1, "SMTP 550 5.1.1")
    assert (busy.gave_up_at, busy.attempts, busy.last_error) == (None, 1, "SMTP 451 4.2.1")

    gaps = []
    while busy.gave_up_at is None:
        waited = busy.next_attempt_at - now
        assert deliver_pending(now=now + waited - timedelta(seconds=1)) == 0  # not before its time
        db.session.expire_all()
        assert busy.attempts == len(gaps) + 1
        now += waited
        gaps.append(int(waited.total_seconds()))
        deliver_pending(now=now)
        db.session.expire_all()
    assert gaps == [60, 120, 240, 480, 600]  # doubling, up to MAIL_RETRY_MAX_SECONDS
    assert (busy.attempts, busy.gave_up_at, busy.last_error) == (6, now, "SMTP 451 4.2.1")
    assert refused.attempts == 1  # a failed message is never tried again
    assert "@example.com" not in app_log(caplog)
    assert "SMTP 451 4.2.1" in app_log(caplog)


def _listener_that_never_answers() -> socket.socket:
    """A server that takes the connection and says nothing: the worker's read of its greeting
    times out (MAIL_TIMEOUT_SECONDS) and smtplib reports the connection as lost."""
    return socket.create_server(("127.0.0.1", 0))


@pytest.mark.parametrize("server", ["nothing listening", "never answers"])
def test_when_the_server_cannot_be_reached_the_first_message_waits_its_turn_and_the_rest_are_untouched(app, server):
    listener = _listener_that_never_answers() if server == "never answers" else None
    port = listener.getsockname()[1] if listener else _free_port()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_ENABLED=True, MAIL_TIMEOUT_SECONDS=0.5)
    first, second, third = _queue("a@example.com", "b@example.com", "c@example.com")
    now = utcnow()
    try:
        assert deliver_pending(now=now) == 0
    finally:
        if listener:
            listener.close()
    db.session.expire_all()
    reason = "SMTPServerDisconnected" if listener else "ConnectionRefusedError"
    assert (first.attempts, first.last_error, first.next_attempt_at, first.gave_up_at) == (
        1, reason, now + timedelta(seconds=60), None)
    assert [second.attempts, third.attempts] == [0, 0]  # the pass ended: they wait for the next
    assert second.next_attempt_at <= now


@pytest.mark.parametrize(("error", "reason", "permanent", "server_unreachable"), [
    (smtplib.SMTPRecipientsRefused({"x": (550, b"5.1.1 no such user x")}), "SMTP 550 5.1.1", True, False),
    (smtplib.SMTPRecipientsRefused({"x": (452, b"4.2.2 mailbox full")}), "SMTP 452 4.2.2", False, False),
    (smtplib.SMTPDataError(554, b"5.7.1 message refused"), "SMTP 554 5.7.1", True, False),
    (smtplib.SMTPDataError(451, b"local error"), "SMTP 451", False, False),
    (smtplib.SMTPSenderRefused(553, b"5.1.8 bad sender", "x"), "SMTP 553 5.1.8", True, False),
    (smtplib.SMTPResponseException(421, b"4.3.2 shutting down"), "SMTP 421 4.3.2", False, True),
    (smtplib.SMTPConnectError(554, b"no service"), "SMTP 554", False, True),
    (smtplib.SMTPHeloError(501, b"bad helo"), "SMTP 501", False, True),
    (smtplib.SMTPServerDisconnected("gone"), "SMTPServerDisconnected", False, True),
    (ConnectionRefusedError(), "ConnectionRefusedError", False, True),
    (TimeoutError(), "TimeoutError", False, True),
    (smtplib.SMTPNotSupportedError("SMTPUTF8"), "SMTPNotSupportedError", True, False),
    (UnicodeEncodeError("ascii", "é", 0, 1, "x"), "UnicodeEncodeError", True, False),
    (smtplib.SMTPException("odd"), "SMTPException", False, False),
])
def test_each_kind_of_failure_is_permanent_or_temporary(error, reason, permanent, server_unreachable):
    failure = classify_failure(error)
    assert (failure.reason, failure.permanent, failure.server_unreachable) == (reason, permanent, server_unreachable)


@pytest.mark.parametrize(("attempts", "seconds"), [(1, 60), (2, 120), (3, 240), (6, 1920), (7, 3600), (500, 3600)])
def test_the_wait_before_the_next_try_doubles_up_to_its_ceiling(attempts, seconds):
    assert retry_delay(attempts, timedelta(seconds=60), timedelta(hours=1)) == timedelta(seconds=seconds)


def test_a_failed_message_is_never_sent_by_a_later_pass(app, smtp_server):
    _poison_first()
    deliver_pending()
    later = utcnow() + timedelta(days=30)
    assert deliver_pending(now=later) == 0
    assert db.session.scalar(select(OutboxMessage)).attempts == 1
