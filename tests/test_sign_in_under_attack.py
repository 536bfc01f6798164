"""Only failed sign-ins count against the limits, and an account someone is guessing at still
lets its owner in: from a browser that has signed in to it before, or, from a new one, through
a password reset."""

import re

import pytest

from clinic_app.accounts.models import Role
from clinic_app.accounts.service import set_password
from clinic_app.accounts.trusted_devices import COOKIE
from clinic_app.extensions import db
from tests.conftest import FormClient, two_factor_code
from tests.factories import DEFAULT_PASSWORD, make_user

GUESS = "wrong password guess"
NEW_PASSWORD = "a brand new lantern"


def new_browser(app) -> FormClient:
    return FormClient(app.test_client())


def attack(app, email: str) -> FormClient:
    """A browser the account has never used, guessing until it is refused."""
    attacker = new_browser(app)
    statuses = [attacker.login(email, GUESS).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    return attacker


def signed_in_before(client, user) -> None:
    assert client.login(user.email).status_code == 302
    client.logout()


# --- successes cost nothing ----------------------------------------------------------------


def test_eight_good_sign_ins_in_a_minute_from_eight_new_browsers_all_succeed(app):
    user = make_user(email="busy@example.com")
    for _ in range(8):
        assert new_browser(app).login(user.email).headers["Location"] == "/my/"


def test_eight_good_staff_sign_ins_with_codes_in_a_minute_all_succeed(app, monkeypatch):
    user = make_user(Role.HEAD_OFFICE, email="chief@example.com")
    for _ in range(8):
        assert new_browser(app).login(user.email).headers["Location"] == "/headoffice/"
        _next_code_step(monkeypatch)


def test_wrong_passwords_still_lock_a_browser_the_account_has_not_used(app, client):
    user = make_user(email="target@example.com")
    attack(app, user.email)
    assert new_browser(app).login(user.email).status_code == 429


# --- the owner gets in while an attack runs --------------------------------------------------


def test_the_owner_signs_in_from_a_browser_used_before_while_an_attacker_is_locked_out(app, client):
    user = make_user(email="target@example.com")
    signed_in_before(client, user)
    attacker = attack(app, user.email)

    assert attacker.login(user.email).status_code == 429  # the right password too: a guess learns nothing
    assert client.login(user.email).headers["Location"] == "/my/"


def test_staff_owner_with_two_factor_signs_in_from_a_browser_used_before_during_an_attack(app, client, monkeypatch):
    user = make_user(Role.HEAD_OFFICE, email="chief@example.com")
    signed_in_before(client, user)
    _next_code_step(monkeypatch)
    attack(app, user.email)

    assert client.login(user.email).headers["Location"] == "/headoffice/"


def test_the_owner_gets_past_the_code_step_while_someone_with_the_password_guesses_codes(app, client, monkeypatch):
    user = make_user(Role.HEAD_OFFICE, email="chief@example.com")
    signed_in_before(client, user)
    _next_code_step(monkeypatch)
    thief = new_browser(app)
    assert thief.submit("/login", {"email": user.email, "password": DEFAULT_PASSWORD}).status_code == 302
    statuses = [thief.submit("/login/two-factor", {"code": _wrong_code(app, user)}).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]

    assert client.login(user.email).headers["Location"] == "/headoffice/"


def test_the_owner_on_a_new_browser_gets_in_through_a_password_reset_during_an_attack(app, smtp_server, runner):
    user = make_user(email="target@example.com")
    attacker = attack(app, user.email)
    owner = new_browser(app)
    assert owner.login(user.email).status_code == 429

    owner.submit("/reset-password", {"email": user.email})
    link = _reset_link(smtp_server, runner)
    owner.submit(link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})

    assert owner.login(user.email, NEW_PASSWORD).headers["Location"] == "/my/"
    assert attacker.login(user.email, NEW_PASSWORD).status_code == 429


# --- what a trusted browser may do ---------------------------------------------------------


def test_a_browser_used_before_gets_only_a_few_wrong_passwords_of_its_own(app, client):
    user = make_user(email="target@example.com")
    signed_in_before(client, user)
    assert [client.login(user.email, GUESS).status_code for _ in range(6)] == [200] * 5 + [429]
    assert client.login(user.email).status_code == 429
    assert new_browser(app).login(user.email).status_code == 302  # its failures were its own


def test_a_browser_used_before_gets_only_a_few_wrong_codes_of_its_own(client, monkeypatch):
    user = make_user(Role.HEAD_OFFICE, email="chief@example.com")
    signed_in_before(client, user)
    _next_code_step(monkeypatch)
    assert client.submit("/login", {"email": user.email, "password": DEFAULT_PASSWORD}).status_code == 302
    statuses = [client.submit("/login/two-factor", {"code": _wrong_code(client.application, user)}).status_code
                for _ in range(6)]
    assert statuses == [200] * 5 + [429]


def test_a_browser_is_trusted_only_for_the_account_it_signed_in_to(app, client):
    mine, theirs = make_user(email="me@example.com"), make_user(email="them@example.com")
    signed_in_before(client, mine)
    attack(app, theirs.email)
    assert client.login(theirs.email).status_code == 429


def test_a_new_password_ends_the_trust_of_browsers_that_knew_the_old_one(app, client):
    user = make_user(email="target@example.com")
    signed_in_before(client, user)
    set_password(user, NEW_PASSWORD)
    db.session.commit()
    attack(app, user.email)
    assert client.login(user.email, NEW_PASSWORD).status_code == 429


@pytest.mark.parametrize("cookie", ["garbage", "eyJ1IjoxLCJoIjoiMDAiLCJkIjoiYSJ9.forged.signature"])
def test_a_made_up_device_cookie_is_not_trusted(app, cookie):
    user = make_user(email="target@example.com")
    attacker = attack(app, user.email)
    attacker.set_cookie(COOKIE, cookie, path="/login")
    assert attacker.login(user.email).status_code == 429


def test_the_device_cookie_is_http_only_and_sent_to_the_sign_in_pages_only(client):
    user = make_user(email="target@example.com")
    response = client.login(user.email)
    [cookie] = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(COOKIE + "=")]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/login" in cookie
    assert "Max-Age=7776000" in cookie  # TRUSTED_DEVICE_DAYS, 90


# --- helpers -------------------------------------------------------------------------------


def _next_code_step(monkeypatch) -> None:
    """Move the application's clock to the next 30-second code step: each code signs in once."""
    from datetime import timedelta

    from clinic_app import clock

    later = clock.utcnow() + timedelta(seconds=30)
    monkeypatch.setattr("clinic_app.clock.utcnow", lambda: later)


def _wrong_code(app, user) -> str:
    right = two_factor_code(app, user.email)
    return "000000" if right != "000000" else "111111"


def _reset_link(mailbox, runner) -> str:
    runner.invoke(args=["outbox", "send"])  # what the notification worker does
    [message] = mailbox.wait_for(1)
    return re.search(r"http://localhost(/reset-password/\S+)", message.get_payload(decode=True).decode()).group(1)
