"""Signing in and out, registering, and where people land."""

import pytest
from sqlalchemy import func, select

from clinic_app.accounts.models import User
from clinic_app.extensions import db
from tests.factories import DEFAULT_PASSWORD, make_clinic, make_user

LOGIN_FAILED = "That e-mail and password do not match an account"


@pytest.mark.parametrize(
    "role, home",
    [
        ("patient", "/my/"),
        ("practitioner", "/practice/"),
        ("clinic_manager", "/practice/"),
        ("head_office", "/headoffice/"),
        ("admin", "/admin/"),
    ],
)
def test_each_role_lands_in_its_own_area_after_logging_in(client, role, home):
    clinics = [make_clinic()] if role in ("practitioner", "clinic_manager") else []
    user = make_user(role, clinics=clinics)
    response = client.login(user.email)
    assert response.headers["Location"] == home


def test_email_is_matched_without_regard_to_case(client):
    make_user(email="Casey@Example.com")
    assert client.login("CASEY@example.COM").status_code == 302


def test_wrong_password_and_unknown_email_get_the_same_answer(client):
    make_user(email="known@example.com")
    wrong_password = client.login("known@example.com", "not the password at all")
    unknown_email = client.login("nobody@example.com", "not the password at all")
    assert wrong_password.status_code == unknown_email.status_code == 200
    for response in (wrong_password, unknown_email):
        assert LOGIN_FAILED in response.get_data(as_text=True)


def test_login_follows_a_next_link_on_this_site_only(client):
    user = make_user("patient")
    assert client.login(user.email, query_string={"next": "/clinics"}).headers["Location"] == "/clinics"
    client.logout()
    for hostile in ("https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"):
        response = client.login(user.email, query_string={"next": hostile})
        assert response.headers["Location"] == "/my/", hostile
        client.logout()


def test_logout_ends_the_session(client):
    user = make_user("patient")
    client.login(user.email)
    assert client.get("/my/").status_code == 200
    client.logout()
    assert client.get("/my/").status_code == 302


def test_logout_by_get_is_refused(client):
    assert client.get("/logout").status_code == 405


def test_a_form_posted_without_a_csrf_token_is_refused(client):
    make_user(email="pat@example.com")
    response = client.post("/login", data={"email": "pat@example.com", "password": DEFAULT_PASSWORD})
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)


def test_session_cookie_is_httponly_and_samesite_lax(client):
    user = make_user("patient")
    response = client.login(user.email)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_patient_registers_and_is_asked_to_confirm_the_address_before_signing_in(client):
    response = client.submit(
        "/register",
        {
            "full_name": "Riley Reader",
            "email": "Riley@Example.com",
            "date_of_birth": "1990-05-17",
            "password": "a quiet river at dawn",
            "confirm": "a quiet river at dawn",
        },
    )
    assert response.headers["Location"] == "/login"
    assert "we have sent a message to riley@example.com" in client.get("/login").get_data(as_text=True)
    assert client.get("/my/").headers["Location"].startswith("/login")  # not signed in
    user = db.session.scalar(select(User).where(User.email == "riley@example.com"))
    assert user.role == "patient"
    assert user.password_hash.startswith("pbkdf2:") and "quiet river" not in user.password_hash


@pytest.mark.parametrize(
    "change, field_message",
    [
        ({"email": "not-an-email"}, "Enter a valid e-mail address."),
        ({"password": "short", "confirm": "short"}, "Use between 10 and 128 characters."),
        ({"password": "password123", "confirm": "password123"}, "too easy to guess"),
        ({"password": "aaaaaaaaaaaa", "confirm": "aaaaaaaaaaaa"}, "too easy to guess"),
        (
            {"password": "riley-newcomer-2026", "confirm": "riley-newcomer-2026", "email": "riley@example.com"},
            "Do not use your e-mail address",
        ),
        ({"confirm": "something else entirely"}, "The passwords do not match."),
        ({"full_name": ""}, "Enter your name."),
        ({"date_of_birth": ""}, "Enter your date of birth."),
        ({"date_of_birth": "17/05/1990"}, "Enter your date of birth as a date, like 1980-04-25."),
        ({"date_of_birth": "2999-01-01"}, "Your date of birth can&#39;t be in the future."),
    ],
)
def test_registration_problems_are_shown_beside_the_field_and_nothing_is_saved(client, change, field_message):
    make_user(email="taken@example.com")
    form = {
        "full_name": "Riley Newcomer",
        "email": "new@example.com",
        "date_of_birth": "1990-05-17",
        "password": "a quiet river at dawn",
        "confirm": "a quiet river at dawn",
        **change,
    }
    response = client.submit("/register", form)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert field_message in page
    assert 'class="error"' in page and 'aria-invalid="true"' in page
    assert db.session.scalar(select(func.count()).select_from(User)) == 1
