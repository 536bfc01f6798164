"""Signing out ends the session everywhere: on other devices, and in a copy of the session
cookie taken before the sign-out (User.get_id carries a token that sign-out replaces)."""

from urllib.parse import urlsplit

import pytest

from clinic_app.accounts.service import set_password
from clinic_app.extensions import db
from tests.conftest import FormClient, two_factor_code
from tests.factories import DEFAULT_PASSWORD, make_clinic, make_user

NEW_PASSWORD = "a brand new lantern"

# (role, a page only that role sees once signed in); head office signs in with a code as well.
SIGNED_IN_PAGES = [("patient", "/my/"), ("practitioner", "/practice/"), ("head_office", "/headoffice/")]


def _user(role: str):
    return make_user(role, clinics=[make_clinic()] if role == "practitioner" else ())


def _device(app) -> FormClient:
    return FormClient(app.test_client())


def _copy_session_cookie(source: FormClient, app) -> FormClient:
    """Another browser holding exactly the session cookie ``source`` has now."""
    name = app.config["SESSION_COOKIE_NAME"]
    cookie = source.raw.get_cookie(name)
    assert cookie is not None, "not signed in: no session cookie"
    thief = _device(app)
    thief.raw.set_cookie(name, cookie.value)
    return thief


def _is_sent_to_login(response) -> bool:
    return response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/login"


@pytest.mark.parametrize(("role", "page"), SIGNED_IN_PAGES)
def test_a_session_cookie_copied_before_sign_out_no_longer_signs_in(app, client, role, page):
    user = _user(role)
    client.login(user.email)
    copy = _copy_session_cookie(client, app)
    assert copy.get(page).status_code == 200  # the copy works while the session lasts

    client.logout()

    assert _is_sent_to_login(copy.get(page))
    assert _is_sent_to_login(client.get(page))


def test_a_copied_cookie_cannot_download_the_patients_data_after_sign_out(app, client):
    user = make_user("patient")
    client.login(user.email)
    copy = _copy_session_cookie(client, app)
    client.logout()

    response = copy.get("/my/data.json", headers={"Accept": "application/json"})
    assert _is_sent_to_login(response)
    assert user.email not in response.get_data(as_text=True)


def test_signing_out_on_one_device_signs_out_every_device_and_says_so(app, client):
    user = make_user("patient")
    phone, laptop = _device(app), client
    phone.login(user.email)
    laptop.login(user.email)

    signed_out = laptop.logout()

    assert "signed out everywhere" in laptop.get(signed_out.headers["Location"]).get_data(as_text=True)
    assert _is_sent_to_login(phone.get("/my/"))


def test_signing_in_again_after_sign_out_works_and_the_old_copy_stays_dead(app, client):
    user = make_user("patient")
    client.login(user.email)
    copy = _copy_session_cookie(client, app)
    client.logout()

    assert client.login(user.email).headers["Location"] == "/my/"
    assert client.get("/my/").status_code == 200
    assert _is_sent_to_login(copy.get("/my/"))


def test_signing_in_on_a_second_device_leaves_the_first_signed_in(app, client):
    user = make_user("patient")
    client.login(user.email)
    _device(app).login(user.email)
    assert client.get("/my/").status_code == 200


def test_changing_the_password_ends_sessions_on_other_devices(app, client):
    user = _user("practitioner")
    other_device = _device(app)
    other_device.login(user.email)
    copy = _copy_session_cookie(other_device, app)

    set_password(user, NEW_PASSWORD)  # what the reset page does
    db.session.commit()

    assert _is_sent_to_login(other_device.get("/practice/"))
    assert _is_sent_to_login(copy.get("/practice/"))
    assert client.login(user.email, DEFAULT_PASSWORD).status_code == 200  # the old password is refused
    assert client.login(user.email, NEW_PASSWORD).headers["Location"] == "/practice/"


def test_resetting_two_factor_signs_the_account_out_everywhere(app, client, runner):
    user = make_user("head_office")
    client.login(user.email)
    assert client.get("/headoffice/").status_code == 200

    assert runner.invoke(args=["users", "reset-2fa", user.email]).exit_code == 0

    assert _is_sent_to_login(client.get("/headoffice/"))


def test_closing_the_account_signs_out_a_copied_cookie(app, client):
    user = make_user("patient")
    client.login(user.email)
    copy = _copy_session_cookie(client, app)

    client.submit("/my/delete", {"password": DEFAULT_PASSWORD})

    assert _is_sent_to_login(copy.get("/my/"))


def test_a_sign_out_elsewhere_during_the_code_step_asks_for_the_password_again(app, client):
    """The half-signed-in state (password right, code not yet given) belongs to the sessions of
    that moment: ending them ends it too, and the code alone does not complete the sign-in."""
    user = make_user("head_office")
    signed_in = _device(app)
    signed_in.login(user.email)
    client.submit("/login", {"email": user.email, "password": DEFAULT_PASSWORD})

    signed_in.logout()

    response = client.submit("/login/two-factor", {"code": two_factor_code(app, user.email)}, page="/login")
    assert _is_sent_to_login(response)
    assert _is_sent_to_login(client.get("/headoffice/"))


def test_the_code_step_still_completes_a_sign_in(app, client):
    user = make_user("head_office")
    response = client.login(user.email)
    assert response.headers["Location"] == "/headoffice/"
    assert client.get("/headoffice/").status_code == 200
