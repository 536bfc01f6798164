"""Head office and admin see the e-mail that did not go (/admin/outbox): what each message was,
when and why it failed or when it is tried next, and how many tries; never an address or a
body. A failed message can be tried again once its cause is fixed."""

from __future__ import annotations

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from clinic_app.extensions import db
from clinic_app.notifications.models import OutboxMessage
from clinic_app.notifications.service import deliver_pending, queue_email
from tests.conftest import Mailbox, _free_port
from tests.factories import make_clinic, make_user
from tests.test_access import ANON, ROLES

SECRET_LINK = "https://example.com/reset/SECRET-LINK-IN-THE-BODY"


def _queue(recipient: str, key: str | None = None) -> OutboxMessage:
    message = queue_email(recipient, "Reset your Back Solution password", "emails/password_reset.txt",
                          idempotency_key=key, user=None, reset_url=SECRET_LINK, minutes=1)
    db.session.commit()
    return message


class RefusingMailbox(Mailbox):
    """A server that refuses every recipient for good, as one misconfigured would."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return "550 5.7.1 Relaying denied"


@pytest.fixture
def refusing_server(app):
    controller = Controller(RefusingMailbox(), hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller.port
    controller.stop()


def test_head_office_sees_what_failed_and_what_waits_without_addresses_or_bodies(app, client, smtp_server):
    poisoned = OutboxMessage(recipient="poisoned@example.com\nBcc: all@example.com", subject="Hello",
                             body_text=SECRET_LINK)
    db.session.add(poisoned)
    db.session.commit()
    _queue("refused@example.com", key="booking:12:confirmation:0")
    _queue("later@example.com", key="check-in-reminder:77:2026-11-24")
    assert deliver_pending() == 0

    client.login(make_user("head_office").email)
    assert 'href="/admin/outbox"' in client.get("/admin/").get_data(as_text=True)
    response = client.get("/admin/outbox")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Failed (2)" in page
    assert "cannot be built: ValueError" in page and "SMTP 550 5.1.1" in page and "SMTP 451 4.2.1" in page
    assert "booking confirmation" in page and "check in reminder" in page
    assert "Reset your Back Solution password" in page
    for private in ("poisoned@", "refused@", "later@", "SECRET-LINK", "77"):
        assert private not in page


def test_a_failed_message_tried_again_goes_once_its_cause_is_fixed(app, client, smtp_server, refusing_server):
    working_port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = refusing_server
    message = _queue("patient@example.com")
    assert deliver_pending() == 0
    db.session.refresh(message)
    assert message.gave_up_at is not None and message.last_error == "SMTP 550 5.7.1"

    app.config["MAIL_PORT"] = working_port  # the relay is fixed
    assert deliver_pending() == 0  # a failed message waits for someone to try it again
    client.login(make_user("admin").email)
    response = client.submit(f"/admin/outbox/{message.id}/retry", {}, page="/admin/outbox")
    assert response.status_code == 303
    assert f"Message {message.id} is back in the queue" in client.get(response.headers["Location"]).get_data(
        as_text=True)
    assert deliver_pending() == 1
    assert [m["To"] for m in smtp_server.wait_for(1)] == ["patient@example.com"]
    # Sent now: trying it again is refused, and it never goes twice.
    assert client.submit(f"/admin/outbox/{message.id}/retry", {}, page="/admin/outbox").status_code == 404
    assert deliver_pending() == 0


def test_a_message_that_has_not_failed_cannot_be_tried_again(app, client):
    message = _queue("patient@example.com")
    client.login(make_user("head_office").email)
    assert client.submit(f"/admin/outbox/{message.id}/retry", {}, page="/admin/outbox").status_code == 404
    assert client.submit("/admin/outbox/999999/retry", {}, page="/admin/outbox").status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_only_head_office_and_admin_may_try_a_failed_message_again(app, client, role, refusing_server):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=refusing_server, MAIL_ENABLED=True)
    message = _queue("patient@example.com")
    deliver_pending()
    if role != ANON:
        clinics = [make_clinic()] if role in ("practitioner", "clinic_manager") else []
        assert client.login(make_user(role, clinics=clinics).email).status_code == 302
    response = client.submit(f"/admin/outbox/{message.id}/retry", {}, page="/login" if role == ANON else "/")
    expected = {ANON: 302, "head_office": 303, "admin": 303}.get(role, 403)
    assert response.status_code == expected
    db.session.expire_all()
    still_failed = db.session.scalar(select(OutboxMessage.gave_up_at)) is not None
    assert still_failed == (expected != 303)
