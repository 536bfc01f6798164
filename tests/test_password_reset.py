"""Password reset by an e-mailed, expiring, single-use link, delivered through real SMTP."""

import re

from clinic_app.extensions import db
from clinic_app.notifications.models import OutboxMessage
from tests.conftest import FormClient
from tests.factories import DEFAULT_PASSWORD, make_user

NEW_PASSWORD = "a brand new lantern"


def _reset_link(mailbox, runner) -> str:
    runner.invoke(args=["outbox", "send"])  # what the notification worker does
    [message] = mailbox.wait_for(1)
    body = message.get_payload(decode=True).decode()
    return re.search(r"http://localhost(/reset-password/\S+)", body).group(1)


def test_reset_link_arrives_by_email_and_sets_a_new_password(client, smtp_server, runner):
    user = make_user(email="forgetful@example.com")
    response = client.submit("/reset-password", {"email": "Forgetful@example.com"})
    assert response.headers["Location"] == "/login"
    link = _reset_link(smtp_server, runner)
    [message] = smtp_server.messages
    assert message["To"] == "forgetful@example.com"
    assert message["Subject"] == "Reset your Back Solution password"

    assert client.submit(link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).headers["Location"] == "/login"
    assert client.login(user.email, DEFAULT_PASSWORD).status_code == 200
    assert client.login(user.email, NEW_PASSWORD).status_code == 302


def test_reset_link_works_only_once(client, smtp_server, runner):
    make_user(email="once@example.com")
    client.submit("/reset-password", {"email": "once@example.com"})
    link = _reset_link(smtp_server, runner)
    client.submit(link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    second = client.get(link, follow_redirects=True)
    assert "expired or was already used" in second.get_data(as_text=True)


def test_reset_link_expires(app, client, smtp_server, runner):
    make_user(email="slow@example.com")
    client.submit("/reset-password", {"email": "slow@example.com"})
    link = _reset_link(smtp_server, runner)
    app.config["PASSWORD_RESET_MAX_AGE_MINUTES"] = -1  # every link is now past its age
    assert "expired or was already used" in client.get(link, follow_redirects=True).get_data(as_text=True)


def test_unknown_address_gets_the_same_answer_and_no_email(client, smtp_server, runner):
    response = client.submit("/reset-password", {"email": "nobody@example.com"}, follow_redirects=True)
    assert "If an account uses that address" in response.get_data(as_text=True)
    runner.invoke(args=["outbox", "send"])
    assert smtp_server.wait_for(1, timeout=0.5) == []


def test_a_tampered_link_is_refused(client):
    response = client.get("/reset-password/not-a-real-token", follow_redirects=True)
    assert "expired or was already used" in response.get_data(as_text=True)


def test_changing_the_password_signs_out_other_sessions(app, client, smtp_server, runner):
    user = make_user(email="shared@example.com")
    other_device = FormClient(app.test_client())
    other_device.login(user.email)
    assert other_device.get("/my/").status_code == 200
    client.submit("/reset-password", {"email": user.email})
    client.submit(_reset_link(smtp_server, runner), {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert other_device.get("/my/").status_code == 302


def test_mail_waits_in_the_outbox_when_smtp_is_down_and_goes_out_later(app, client, runner, smtp_server):
    make_user(email="patient-mail@example.com")
    working_port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = 1  # nothing listens there
    app.config["MAIL_RETRY_FIRST_SECONDS"] = 0  # due again at once (normally after a minute)
    client.submit("/reset-password", {"email": "patient-mail@example.com"})
    assert "Sent 0 message" in runner.invoke(args=["outbox", "send"]).output
    assert smtp_server.messages == []
    assert db.session.query(OutboxMessage).filter(OutboxMessage.sent_at.is_(None)).count() == 1

    app.config["MAIL_PORT"] = working_port
    assert "Sent 1 message" in runner.invoke(args=["outbox", "send"]).output
    assert len(smtp_server.wait_for(1)) == 1
    assert "Sent 0 message" in runner.invoke(args=["outbox", "send"]).output
    assert len(smtp_server.messages) == 1


def test_reset_link_points_at_our_site_whatever_host_the_request_claims(client, smtp_server, runner):
    make_user(email="target@example.com")
    client.submit("/reset-password", {"email": "target@example.com"}, headers={"Host": "evil.example"})
    runner.invoke(args=["outbox", "send"])
    [message] = smtp_server.wait_for(1)
    body = message.get_payload(decode=True).decode()
    assert "http://localhost/reset-password/" in body and "evil.example" not in body
