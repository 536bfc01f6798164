import pytest

from clinic_app import create_app
from config import ConfigurationError, load_settings

PRODUCTION_NEEDS = ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "PUBLIC_URL")


def test_production_refuses_to_start_without_secret_key_database_redis_and_public_url(monkeypatch):
    for name in PRODUCTION_NEEDS:
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigurationError, match="SECRET_KEY, DATABASE_URL, REDIS_URL, PUBLIC_URL"):
        create_app("production")


def test_production_refuses_the_development_secret_key(monkeypatch):
    _production_environment(monkeypatch)
    monkeypatch.setenv("SECRET_KEY", "dev-only-not-secret")
    with pytest.raises(ConfigurationError, match="its own SECRET_KEY"):
        load_settings("production")


def _production_environment(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "a-long-random-production-secret")
    monkeypatch.setenv("DATABASE_URL", "postgres://clinic@db.internal/clinic")
    monkeypatch.setenv("REDIS_URL", "redis://cache.internal:6379/0")
    monkeypatch.setenv("PUBLIC_URL", "https://clinics.example")


def test_production_starts_with_them_and_marks_cookies_secure(monkeypatch):
    _production_environment(monkeypatch)
    settings = load_settings("production")
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://clinic@db.internal/clinic"
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["SESSION_COOKIE_HTTPONLY"] is True
    assert settings["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_every_setting_can_be_overridden_by_an_environment_variable_of_its_type(monkeypatch):
    monkeypatch.setenv("MAIL_PORT", "2525")
    monkeypatch.setenv("RATELIMIT_ENABLED", "false")
    monkeypatch.setenv("BOOKING_HORIZON_DAYS", "30")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/3")
    monkeypatch.setenv("MAIL_DEFAULT_SENDER", "Clinic <hello@clinic.example>")
    settings = load_settings("development")
    assert settings["MAIL_PORT"] == 2525
    assert settings["RATELIMIT_ENABLED"] is False
    assert settings["BOOKING_HORIZON_DAYS"] == 30
    assert settings["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/3"
    assert settings["MAIL_DEFAULT_SENDER"] == "Clinic <hello@clinic.example>"


def test_a_malformed_number_setting_is_reported_by_name(monkeypatch):
    monkeypatch.setenv("MAIL_PORT", "twenty-five")
    with pytest.raises(ConfigurationError, match="MAIL_PORT"):
        load_settings("development")


def test_development_defaults_to_a_sqlite_file_under_instance(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert load_settings("development")["SQLALCHEMY_DATABASE_URI"].endswith("/instance/clinic.db")


def test_passwords_are_hashed_with_scrypt_outside_tests(monkeypatch, tmp_path):
    monkeypatch.delenv("PASSWORD_HASH_METHOD", raising=False)
    app = create_app("development", {"DATABASE_URL": f"sqlite:///{tmp_path}/dev.db"})
    with app.app_context():
        from clinic_app.accounts.service import _hash

        assert _hash("violet tractor under moonlight").startswith("scrypt:")
