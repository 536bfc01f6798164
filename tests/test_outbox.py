"""The notification worker: every queued message goes out once, and a bad one blocks nobody."""


from aiosmtpd.controller import Controller
from sqlalchemy import select

from clinic_app.extensions import db
from clinic_app.notifications.models import OutboxMessage
from clinic_app.notifications.service import EmailDraft, deliver_pending, queue_email, queue_emails
from tests.conftest import Mailbox, _free_port


def _queue(*recipients):
    for recipient in recipients:
        queue_email(recipient, "Hello", "emails/password_reset.txt", user=None, reset_url="x", minutes=1)
    db.session.commit()


def test_a_refused_address_does_not_hold_up_the_messages_behind_it(app, smtp_server):
    _queue("refused@example.com", "first@example.com", "second@example.com")
    assert deliver_pending() == 2
    assert sorted(m["To"] for m in smtp_server.wait_for(2)) == ["first@example.com", "second@example.com"]
    refused = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == "refused@example.com"))
    assert refused.sent_at is None and refused.attempts == 1 and refused.last_error == "SMTP 550 5.1.1"
    assert refused.gave_up_at is not None  # a 550 is for good: tests/test_outbox_failures.py


def test_an_address_the_server_cannot_carry_does_not_stop_the_queue(app):
    """A server without SMTPUTF8 cannot take a non-ASCII address: that is this message's
    problem, not an outage that would hold every later message."""
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=_free_port(), enable_SMTPUTF8=False)
    controller.start()
    try:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_ENABLED=True)
        _queue("josé@example.com", "after@example.com")
        assert deliver_pending() == 1
        assert [m["To"] for m in mailbox.wait_for(1)] == ["after@example.com"]
    finally:
        controller.stop()
    stuck = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == "josé@example.com"))
    assert stuck.sent_at is None and stuck.attempts == 1


def test_each_message_is_sent_once_however_often_the_worker_runs(app, smtp_server):
    _queue("once@example.com")
    assert [deliver_pending(), deliver_pending(), deliver_pending()] == [1, 0, 0]
    assert len(smtp_server.wait_for(1)) == 1


def test_a_rolled_back_change_sends_nothing(app, smtp_server):
    queue_email("ghost@example.com", "Hello", "emails/password_reset.txt", user=None, reset_url="x", minutes=1)
    db.session.rollback()
    assert deliver_pending() == 0


def test_queueing_many_at_once_sends_each_key_once_and_skips_keys_already_queued(app, smtp_server):
    queue_email("first@example.com", "Hello", "emails/password_reset.txt", idempotency_key="hello:1",
                user=None, reset_url="x", minutes=1)
    context = {"user": None, "reset_url": "https://example.com/reset", "minutes": 1}
    drafts = [EmailDraft(f"{n}@example.com", "Hello", f"hello:{n}", context) for n in (1, 2, 3, 3)]
    assert queue_emails("emails/password_reset.txt", drafts) == 2
    db.session.commit()
    assert queue_emails("emails/password_reset.txt", drafts) == 0  # the worker ran twice
    assert deliver_pending() == 3
    mail = smtp_server.wait_for(3)
    assert sorted(m["To"] for m in mail) == ["2@example.com", "3@example.com", "first@example.com"]
    assert "https://example.com/reset" in mail[-1].get_payload(decode=True).decode()


def test_the_worker_sends_no_more_than_the_configured_number_a_pass(app, smtp_server):
    app.config["MAIL_SEND_PER_PASS"] = 2
    _queue("a@example.com", "b@example.com", "c@example.com")
    assert [deliver_pending(), deliver_pending()] == [2, 1]
