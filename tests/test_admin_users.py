"""Admins create staff accounts, in the browser and from the command line."""

import pytest
from sqlalchemy import select

from clinic_app.accounts.models import User
from clinic_app.extensions import db
from tests.factories import DEFAULT_PASSWORD, make_clinic, make_user

STAFF = {
    "full_name": "Dana Doctor, DPT",
    "email": "dana@example.com",
    "role": "practitioner",
    "password": "twelve strong words here",
}


@pytest.fixture
def admin(client):
    user = make_user("admin")
    client.login(user.email)
    return user


def test_admin_creates_a_practitioner_who_works_at_a_clinic(client, admin):
    clinic = make_clinic()
    response = client.submit("/admin/users", {**STAFF, "clinics": [str(clinic.id)]})
    assert response.status_code == 302
    dana = db.session.scalar(select(User).where(User.email == "dana@example.com"))
    assert dana.role == "practitioner" and [c.id for c in dana.clinics] == [clinic.id]
    assert "Dana Doctor, DPT" in client.get("/admin/users").get_data(as_text=True)


def test_a_practitioner_needs_a_clinic(client, admin):
    response = client.submit("/admin/users", STAFF)
    assert "Practitioners and clinic managers need at least one clinic." in response.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.email == "dana@example.com")) is None


def test_an_existing_email_is_refused_beside_the_field(client, admin):
    make_user(email="dana@example.com")
    response = client.submit("/admin/users", {**STAFF, "role": "head_office"})
    page = response.get_data(as_text=True)
    assert 'id="email-error"' in page and "already exists" in page


def test_patients_are_not_listed_to_administrators(client, admin):
    make_user("patient", full_name="Private Patient")
    assert "Private Patient" not in client.get("/admin/users").get_data(as_text=True)


def test_cli_creates_a_staff_account_at_a_clinic_by_slug(runner):
    clinic = make_clinic(slug="phoenix", state="AZ", zip_code="85004", city="Phoenix")
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "New.Manager@example.com",
            "--role",
            "clinic_manager",
            "--clinic",
            "phoenix",
            "--password",
            DEFAULT_PASSWORD,
        ]
    )
    assert result.exit_code == 0, result.output
    manager = db.session.scalar(select(User).where(User.email == "new.manager@example.com"))
    assert manager.role == "clinic_manager" and manager.clinics[0].id == clinic.id


def test_cli_names_an_unknown_clinic(runner):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "x@example.com",
            "--role",
            "practitioner",
            "--clinic",
            "atlantis",
            "--password",
            DEFAULT_PASSWORD,
        ]
    )
    assert result.exit_code != 0
    assert "no clinic with slug or id 'atlantis'" in result.output


def test_cli_refuses_a_weak_password(runner):
    result = runner.invoke(
        args=["users", "create", "--email", "x@example.com", "--role", "admin", "--password", "short"]
    )
    assert result.exit_code != 0 and "at least 10 characters" in result.output
