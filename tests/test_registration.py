"""Registering tells nobody whether an address already has an account: the page answers alike,
the work behind it is the same, the owner of a taken address is e-mailed instead, and the
password chosen on the form signs in to nothing until the mailbox has confirmed it."""

import re

import pytest
from sqlalchemy import func, select

from clinic_app.accounts.models import Role, User
from clinic_app.extensions import db
from clinic_app.notifications.models import OutboxMessage
from tests.conftest import FormClient
from tests.factories import DEFAULT_PASSWORD, make_user

CHOSEN = "a quiet river at dawn"
ATTEMPT_SUBJECT = "Did you try to create a Back Solution account?"
VERIFY_SUBJECT = "Confirm your e-mail address for Back Solution"


def register(app, email: str):
    """A new browser fills in the registration form; returns (the answer, the page it leads to)."""
    browser = FormClient(app.test_client())
    answer = browser.submit("/register", {"full_name": "Sam Rivers", "email": email, "date_of_birth": "1984-03-09",
                                          "password": CHOSEN, "confirm": CHOSEN})
    landing = browser.get(answer.headers["Location"]).get_data(as_text=True) if answer.status_code == 302 else ""
    return answer, landing


@pytest.fixture
def owner(app):
    return make_user(Role.PATIENT, email="owner@example.com", full_name="Olive Owner")


def test_a_taken_address_gets_the_same_answer_as_a_new_one(app, owner):
    new_answer, new_page = register(app, "newcomer@example.com")
    taken_answer, taken_page = register(app, "Owner@Example.com")

    assert (taken_answer.status_code, taken_answer.headers["Location"]) == (302, "/login")
    assert (new_answer.status_code, new_answer.headers["Location"]) == (302, "/login")
    assert "we have sent a message to owner@example.com" in taken_page
    assert _without_tokens(taken_page.replace("owner@example.com", "ADDRESS")) == _without_tokens(
        new_page.replace("newcomer@example.com", "ADDRESS")
    )
    assert "already" not in taken_page


def test_the_owner_of_a_taken_address_is_e_mailed_links_to_log_in_and_reset(app, owner, smtp_server, runner):
    register(app, "owner@example.com")
    runner.invoke(args=["outbox", "send"])  # what the notification worker does
    [message] = smtp_server.wait_for(1)

    assert (message["To"], message["Subject"]) == ("owner@example.com", ATTEMPT_SUBJECT)
    body = message.get_payload(decode=True).decode()
    assert "http://localhost/login" in body and "http://localhost/reset-password" in body
    assert CHOSEN not in body
    unchanged = db.session.get(User, owner.id)
    assert unchanged.full_name == "Olive Owner" and unchanged.date_of_birth is None
    assert FormClient(app.test_client()).login("owner@example.com", DEFAULT_PASSWORD).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_a_new_address_gets_only_the_confirmation_link(app, smtp_server, runner):
    register(app, "newcomer@example.com")
    runner.invoke(args=["outbox", "send"])
    [message] = smtp_server.wait_for(1)
    assert (message["To"], message["Subject"]) == ("newcomer@example.com", VERIFY_SUBJECT)


def test_a_taken_address_costs_the_same_password_hashing_as_a_new_one(app, owner, monkeypatch):
    from clinic_app.accounts import service

    hashed = []
    real = service.generate_password_hash
    monkeypatch.setattr(service, "generate_password_hash", lambda *a, **k: hashed.append(1) or real(*a, **k))
    register(app, "newcomer@example.com")
    new_cost, hashed[:] = len(hashed), []
    register(app, "owner@example.com")
    assert len(hashed) == new_cost == 1


def test_the_password_chosen_on_the_form_signs_in_to_neither_until_the_address_is_confirmed(app, owner):
    register(app, "newcomer@example.com")
    register(app, "owner@example.com")

    pages = []
    for email in ("newcomer@example.com", "owner@example.com"):
        response = FormClient(app.test_client()).login(email, CHOSEN)
        assert response.status_code == 200
        pages.append(_without_tokens(response.get_data(as_text=True).replace(email, "ADDRESS")))
    assert pages[0] == pages[1]
    assert "That e-mail and password do not match an account." in pages[0]


def test_the_owner_is_e_mailed_at_most_once_a_day_however_often_someone_tries(app, owner):
    for _ in range(3):
        register(app, "owner@example.com")
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


def test_a_closed_account_gets_the_same_answer_and_no_e_mail(app):
    closed = make_user(Role.PATIENT, email="gone@example.com")
    closed.active = False
    db.session.commit()
    answer, _ = register(app, "gone@example.com")
    assert answer.headers["Location"] == "/login"
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_a_password_reset_confirms_an_address_never_confirmed_so_the_patient_can_sign_in(
    app, client, smtp_server, runner
):
    make_user(Role.PATIENT, email="unconfirmed@example.com", email_verified=False)
    assert client.login("unconfirmed@example.com").status_code == 200

    client.submit("/reset-password", {"email": "unconfirmed@example.com"})
    runner.invoke(args=["outbox", "send"])
    [message] = smtp_server.wait_for(1)
    link = re.search(r"http://localhost(/reset-password/\S+)", message.get_payload(decode=True).decode())[1]
    client.submit(link, {"password": "a brand new lantern", "confirm": "a brand new lantern"})

    assert client.login("unconfirmed@example.com", "a brand new lantern").headers["Location"] == "/my/"


def _without_tokens(page: str) -> str:
    """The page without its per-request CSRF token."""
    return re.sub(r'name="csrf_token" type="hidden" value="[^"]+"', "", page)
