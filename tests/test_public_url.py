"""Links in e-mails and the API's URLs follow the address the development server was started
on (`PORT=5622 make run`) when PUBLIC_URL is unset; production still insists on PUBLIC_URL."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from clinic_app.extensions import db
from clinic_app.notifications.models import OutboxMessage
from config import ConfigurationError, load_settings
from tests.factories import make_chelsea_clinic, make_follow_up_service, make_jordan_reyes

NOW = datetime(2026, 11, 23, 14, tzinfo=UTC)


@pytest.fixture
def app_env(monkeypatch):
    """`PORT=5622 make run`: the development settings, PORT in the environment, no PUBLIC_URL."""
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    monkeypatch.delenv("HOST", raising=False)
    monkeypatch.setenv("PORT", "5622")
    monkeypatch.setattr("clinic_app.clock.utcnow", lambda: NOW)
    return "development"


def test_confirmation_email_and_api_links_use_the_port_the_server_runs_on(app, client):
    clinic = make_chelsea_clinic()
    make_jordan_reyes(clinic, make_follow_up_service(clinic))
    response = client.post("/api/v1/bookings", json={
        "clinic_id": clinic.id, "service": "follow-up", "start": "2026-11-24T10:00:00-05:00",
        "patient": {"first_name": "Pat", "last_name": "Lee", "email": "pat@example.com",
                    "phone": "(555) 010-0199", "date_of_birth": "1980-01-01"},
        "new_patient": True, "consent": True,
    })
    assert response.status_code == 201
    visit = response.get_json()["booking"]
    token = visit["manage_token"]
    assert visit["manage_url"] == f"http://127.0.0.1:5622/book/manage/{token}"
    assert visit["ics_url"] == f"http://127.0.0.1:5622/book/manage/{token}/calendar.ics"
    (confirmation,) = db.session.scalars(select(OutboxMessage))
    assert f"http://127.0.0.1:5622/book/manage/{token}" in confirmation.body_text
    assert f"http://127.0.0.1:5622/book/manage/{token}" in confirmation.body_html
    assert "127.0.0.1:5000" not in confirmation.body_text + confirmation.body_html


@pytest.mark.parametrize(
    ("environment", "public_url"),
    [
        ({}, "http://127.0.0.1:5000"),
        ({"PORT": "5622"}, "http://127.0.0.1:5622"),
        ({"HOST": "localhost", "PORT": "8080"}, "http://localhost:8080"),
        ({"HOST": "0.0.0.0", "PORT": "5622"}, "http://127.0.0.1:5622"),  # noqa: S104 - a wildcard is no address
        ({"HOST": "::1"}, "http://[::1]:5000"),
        ({"PORT": "5622", "PUBLIC_URL": "https://clinic.example"}, "https://clinic.example"),  # set wins
    ],
)
def test_development_public_url_follows_host_and_port_unless_set(monkeypatch, environment, public_url):
    for name in ("HOST", "PORT", "PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert load_settings("development")["PUBLIC_URL"] == public_url


def test_a_port_that_is_not_a_number_is_reported_by_name(monkeypatch):
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    monkeypatch.setenv("PORT", "five thousand")
    with pytest.raises(ConfigurationError, match="PORT"):
        load_settings("development")


def test_production_does_not_derive_public_url_from_the_port(monkeypatch):
    for name in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL"):
        monkeypatch.setenv(name, "set")
    monkeypatch.setenv("SECRET_KEY", "a-long-random-production-secret")
    monkeypatch.setenv("PORT", "5622")
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    with pytest.raises(ConfigurationError, match="PUBLIC_URL"):
        load_settings("production")


def test_tests_keep_their_own_address_whatever_port_is_set(monkeypatch):
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    monkeypatch.setenv("PORT", "5622")
    assert load_settings("testing")["PUBLIC_URL"] == "http://localhost"
