"""The notification worker as a patient and a clinic notice it: one reminder a day before each
visit, on the clinic's clock, never for a cancelled visit and never twice, however many workers
run and however often; nothing lost while SMTP is down; e-mail as files in development."""

import os
import signal
import subprocess
import sys
import threading
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from sqlalchemy import select, update

from clinic_app.clock import utcnow
from clinic_app.extensions import db
from clinic_app.notifications.cli import send_due
from clinic_app.notifications.models import OutboxMessage
from clinic_app.notifications.registry import register_due_mail
from clinic_app.notifications.service import deliver_pending, queue_email
from clinic_app.patients.service import PatientDetails
from clinic_app.scheduling.booking import BookingRequest, book_appointment, cancel_booking, reschedule_booking
from clinic_app.scheduling.reminders import reminder_due
from config import DevelopmentConfig, ProductionConfig
from tests.conftest import _free_port
from tests.factories import make_booking, make_clinic, make_practitioner, make_service

# Denver keeps Mountain Standard Time (UTC-7) in January. Fixed dates far ahead: no sleeping.
BOOKED_AT = datetime(2030, 1, 1, 16, tzinfo=UTC)  # Tuesday 1 January, 9 AM in Denver
VISIT = datetime(2030, 1, 8, 16, 30, tzinfo=UTC)  # Tuesday 8 January, 9:30 AM in Denver
HOUR = timedelta(hours=1)


@pytest.fixture
def clinic(app):
    return make_clinic(
        name="Denver Back Clinic",
        address_line1="1 Larimer Street",
        city="Denver",
        state="CO",
        zip_code="80202",
        timezone="America/Denver",
        phone="(303) 555-0100",
    )


@pytest.fixture
def service(clinic):
    return make_service(clinics=[clinic], slug="follow-up", name="Follow-up", duration_minutes=30)


@pytest.fixture
def practitioner(clinic, service):
    return make_practitioner(clinic, services=[service])


def book(clinic, service, start=VISIT, n=1, now=BOOKED_AT):
    patient = PatientDetails(
        first_name=f"Pat{n}",
        last_name="Lee",
        email=f"pat{n}@example.com",
        phone="555-0100",
        date_of_birth=date(1980, 1, n),
    )
    booking, _ = book_appointment(BookingRequest(clinic.id, service.slug, start, patient), now)
    db.session.commit()
    return booking


def inbox(messages):
    """The test server's messages, parsed as a mail app would (long headers unfolded)."""
    return [message_from_bytes(m.as_bytes(), policy=policy.default) for m in messages]


def reminders(messages):
    return [m for m in inbox(messages) if m["Subject"].startswith("Reminder")]


def body(message, kind="plain"):
    return message.get_body((kind,)).get_content()


def test_the_reminder_arrives_once_a_day_before_the_visit_with_the_clinics_local_time(
    clinic, service, practitioner, smtp_server
):
    book(clinic, service)
    assert send_due(VISIT - 25 * HOUR) == (0, 1)  # the confirmation; too early for a reminder
    assert send_due(VISIT - 23 * HOUR) == (1, 1)
    assert send_due(VISIT - 22 * HOUR) == (0, 0)
    assert send_due(VISIT - 1 * HOUR) == (0, 0)

    [reminder] = reminders(smtp_server.wait_for(2))
    assert reminder["To"] == "pat1@example.com"
    assert reminder["Subject"] == "Reminder: your visit to Denver Back Clinic on Tuesday 8 January 2030 at 9:30 AM MST"
    assert "When:   Tuesday 8 January 2030 at 9:30 AM MST" in body(reminder)
    # Inside the 24-hour change window the manage link would refuse: the reminder gives the phone.
    assert "please call (303) 555-0100" in body(reminder)
    assert "9:30 AM MST" in body(reminder, "html")
    assert not any(part.get_content_type() == "text/calendar" for part in reminder.walk())


def test_a_cancelled_visit_gets_no_reminder(clinic, service, practitioner, smtp_server):
    booking = book(clinic, service)
    cancel_booking(booking, by="patient", reason="", now=BOOKED_AT + HOUR)
    db.session.commit()
    assert send_due(VISIT - 23 * HOUR) == (0, 2)
    subjects = [m["Subject"] for m in inbox(smtp_server.wait_for(2))]
    assert len(subjects) == 2 and not any(s.startswith("Reminder") for s in subjects)


def test_a_moved_visit_is_reminded_of_its_new_time(clinic, service, practitioner, smtp_server):
    booking = book(clinic, service)
    send_due(VISIT - 23 * HOUR)
    new_visit = VISIT + 24 * HOUR + 30 * timedelta(minutes=1)  # Wednesday 10 AM
    reschedule_booking(booking, new_visit, now=VISIT - 22 * HOUR, online=False)  # staff may, so late
    db.session.commit()
    assert send_due(new_visit - 23 * HOUR)[0] == 1
    assert send_due(new_visit - 22 * HOUR)[0] == 0
    subjects = [m["Subject"] for m in reminders(smtp_server.wait_for(4))]
    assert subjects == [
        "Reminder: your visit to Denver Back Clinic on Tuesday 8 January 2030 at 9:30 AM MST",
        "Reminder: your visit to Denver Back Clinic on Wednesday 9 January 2030 at 10:00 AM MST",
    ]


def test_a_visit_already_past_gets_no_reminder(clinic, service, practitioner, smtp_server):
    book(clinic, service)
    assert send_due(VISIT + HOUR) == (0, 1)
    assert reminders(smtp_server.wait_for(1)) == []


@pytest.mark.parametrize(
    "now, announced_at, due",
    [
        (VISIT - 25 * HOUR, BOOKED_AT, False),  # not yet
        (VISIT - 24 * HOUR, BOOKED_AT, True),  # the window opens
        (VISIT - 1 * HOUR, BOOKED_AT, True),  # the worker was down: still worth sending
        (VISIT, BOOKED_AT, False),  # the visit has started
        (VISIT - 3 * HOUR, VISIT - 4 * HOUR, False),  # booked late: the confirmation is the reminder
    ],
)
def test_a_reminder_is_due_inside_the_window_unless_the_patient_just_heard(now, announced_at, due):
    assert reminder_due(VISIT, announced_at, now, hours_before=24) is due


def test_a_visit_booked_inside_the_reminder_window_gets_only_its_confirmation(app, smtp_server):
    app.config["REMINDER_HOURS_BEFORE"] = 24 * 30  # the visit below is inside the window
    make_booking(now=utcnow())
    assert send_due(utcnow()) == (0, 1)


def test_the_send_command_queues_reminders_and_two_runs_send_each_once(app, runner, smtp_server):
    app.config["REMINDER_HOURS_BEFORE"] = 24 * 30
    make_booking(now=utcnow())
    a_month_ago = utcnow() - timedelta(days=30)
    db.session.execute(update(OutboxMessage).values(created_at=a_month_ago))  # booked long ago
    db.session.commit()
    first = runner.invoke(args=["notifications", "send"])
    assert first.exit_code == 0 and "Queued 1 reminder(s). Sent 2 message(s)." in first.output
    assert "Queued 0 reminder(s). Sent 0 message(s)." in runner.invoke(args=["notifications", "send"]).output
    assert len(reminders(smtp_server.wait_for(2))) == 1


def test_the_old_command_name_still_sends(app, runner, smtp_server):
    queue_email("old@example.com", "Hello", "emails/password_reset.txt", user=None, reset_url="x", minutes=1)
    db.session.commit()
    assert "Sent 1 message(s)" in runner.invoke(args=["outbox", "send"]).output


def test_while_smtp_is_down_the_reminder_waits_and_later_arrives_once(clinic, service, practitioner, smtp_server, app):
    book(clinic, service)
    working_port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = _free_port()  # nothing listens there
    assert send_due(VISIT - 23 * HOUR) == (1, 0)
    assert send_due(VISIT - 22 * HOUR) == (0, 0)
    pending = db.session.scalars(select(OutboxMessage).where(OutboxMessage.sent_at.is_(None))).all()
    # Each pass charged the first message a try and ended there; the one behind it waits untouched.
    assert [m.attempts for m in sorted(pending, key=lambda m: m.id)] == [2, 0]
    assert all(m.gave_up_at is None for m in pending)

    app.config["MAIL_PORT"] = working_port
    assert send_due(VISIT - 21 * HOUR) == (0, 2)
    assert len(reminders(smtp_server.wait_for(2))) == 1


def _in_threads(app, work, count=2):
    """Run ``work()`` in ``count`` threads at once, each with its own app context and session."""
    start, results = threading.Barrier(count), []

    def run():
        with app.app_context():
            start.wait()
            results.append(work())

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_workers_at_once_never_send_a_message_twice(app, smtp_server):
    recipients = [f"patient{n}@example.com" for n in range(30)]
    for recipient in recipients:
        queue_email(recipient, "Hello", "emails/password_reset.txt", user=None, reset_url="x", minutes=1)
    db.session.commit()
    results = _in_threads(app, deliver_pending)
    assert sum(results) == 30
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(recipients)


def test_two_workers_at_once_queue_and_send_each_reminder_once(app, clinic, service, practitioner, smtp_server):
    for n in range(1, 6):
        book(clinic, service, start=VISIT + n * 30 * timedelta(minutes=1), n=n)
    db.session.commit()
    results = _in_threads(app, lambda: send_due(VISIT - 20 * HOUR))  # all five in the window
    assert sum(queued for queued, _ in results) == 5
    assert sum(sent for _, sent in results) == 10  # five confirmations, five reminders
    sent_reminders = reminders(smtp_server.messages)
    assert sorted(m["To"] for m in sent_reminders) == [f"pat{n}@example.com" for n in range(1, 6)]


def test_in_development_messages_are_written_as_eml_files_to_open(app, runner, tmp_path):
    mail_dir = tmp_path / "mail"
    app.config.update(MAIL_ENABLED=False, MAIL_FILE_DIR=str(mail_dir))
    message = queue_email(
        "new@example.com",
        "Reset your password",
        "emails/password_reset.txt",
        user=None,
        reset_url="http://localhost/reset/x",
        minutes=60,
    )
    db.session.commit()
    output = runner.invoke(args=["notifications", "send"]).output
    assert "Sent 1 message(s) to .eml files in" in output

    written = mail_dir / f"{message.id}-reset-your-password.eml"
    email = message_from_bytes(written.read_bytes())
    assert email["To"] == "new@example.com" and email["Subject"] == "Reset your password"
    assert "MAIL_ENABLED is off" in email["X-Not-Sent"]
    assert "http://localhost/reset/x" in email.get_payload(decode=True).decode()
    assert db.session.get(OutboxMessage, message.id).sent_at is not None
    runner.invoke(args=["notifications", "send"])
    assert list(mail_dir.iterdir()) == [written]  # written once


def test_only_development_writes_mail_to_files(app):
    assert Path(DevelopmentConfig.MAIL_FILE_DIR).parts[-2:] == ("instance", "mail")
    assert ProductionConfig.MAIL_FILE_DIR == "" and app.config["MAIL_FILE_DIR"] == ""


def test_the_worker_loop_stops_cleanly_on_sigterm(app, smtp_server):
    queue_email("loop@example.com", "Hello", "emails/password_reset.txt", user=None, reset_url="x", minutes=1)
    db.session.commit()
    env = {
        **os.environ,
        "APP_ENV": "testing",
        "DATABASE_URL": app.config["DATABASE_URL"],
        "MAIL_ENABLED": "true",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(app.config["MAIL_PORT"]),
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "clinic_app", "notifications", "send", "--loop", "--interval", "0.2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert [m["To"] for m in smtp_server.wait_for(1, timeout=30)] == ["loop@example.com"]  # it is running
        worker.send_signal(signal.SIGTERM)
        output, errors = worker.communicate(timeout=15)
    finally:
        worker.kill()
    assert worker.returncode == 0, errors
    assert "Stopping." in output


def test_a_failing_batch_of_opening_emails_does_not_hold_back_other_mail(
    app, clinic, service, practitioner, smtp_server, caplog
):
    def broken_batch(now):  # a fault injected where the worker writes clinic-opening e-mails
        raise RuntimeError("could not render the e-mail to pat1@example.com")

    register_due_mail(app, "clinic-opening e-mails", broken_batch, batched=True)  # in place of the real one
    book(clinic, service)
    assert send_due(VISIT - 25 * HOUR) == (0, 1)  # the booking confirmation still goes out
    assert smtp_server.wait_for(1)
    assert "clinic-opening e-mails failed (RuntimeError)" in caplog.text
    assert "pat1@example.com" not in caplog.text
