"""Settings for each environment.

Every setting below can be overridden by an environment variable of the same name
(see ``Config.from_environment``); the README lists them all in one table.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


class ConfigurationError(RuntimeError):
    """The application cannot start safely with these settings."""


class Config:
    APP_ENV = "development"
    SECRET_KEY = "dev-only-not-secret"
    DATABASE_URL = f"sqlite:///{INSTANCE_DIR / 'clinic.db'}"
    REDIS_URL = ""
    # The site's address as patients reach it; links in e-mails are built from it, never from
    # the request's Host header (which a client controls). Outside production, when unset, it
    # follows HOST and PORT (those `make run` serves on): see ``development_public_url``.
    PUBLIC_URL = "http://127.0.0.1:5000"
    # How many proxies (load balancer, nginx) sit in front and set X-Forwarded-For/-Proto.
    # Rate limits per address need the client's real address; 0 trusts no header.
    PROXY_COUNT = 0
    RATELIMIT_ENABLED = True
    # Failed sign-ins (wrong passwords and two-factor codes) allowed per address, per account
    # whatever the address, and from a browser trusted for the account (one that signed in to it
    # before), which draws on its own allowance instead (clinic_app/accounts/sign_in_limits.py).
    LOGIN_LIMIT_PER_IP = "20 per minute"
    LOGIN_LIMIT_PER_ACCOUNT = "5 per minute;20 per hour"
    LOGIN_LIMIT_PER_DEVICE = "5 per minute;20 per hour"
    TRUSTED_DEVICE_DAYS = 90
    REGISTER_LIMIT = "10 per hour"
    # Staff sessions end after this long without a request; patients keep the longer session.
    STAFF_IDLE_MINUTES = 30
    # The code step of a two-factor sign-in must follow the password step within this time.
    TWO_FACTOR_PENDING_MINUTES = 5
    PASSWORD_RESET_LIMIT = "5 per hour"
    EMAIL_VERIFICATION_LIMIT = "5 per hour"  # "send the confirmation link again"
    # Bookings, cancellations and moves through the JSON API, together, from one address.
    BOOKING_API_LIMIT = "10 per minute;30 per hour"
    # FHIR API (clinic_app/fhir): how long a partner's access token lives (SMART Backend Services
    # suggests five minutes at most), and token requests allowed per address.
    FHIR_TOKEN_SECONDS = 300
    FHIR_TOKEN_LIMIT = "30 per minute"
    MAIL_SERVER = "localhost"
    MAIL_PORT = 25
    MAIL_DEFAULT_SENDER = "Back Solution <no-reply@backsolution.example>"
    MAIL_TIMEOUT_SECONDS = 10
    # When false, messages wait in the outbox (development without an SMTP server), or, when
    # MAIL_FILE_DIR is set, the worker writes them there as .eml files to open in a mail app.
    MAIL_ENABLED = True
    MAIL_FILE_DIR = ""
    # Messages the notification worker sends per pass (a pass every 10 s), one SMTP connection
    # at a time: at most about 5 a second, so the relay's rate limits are never the worker's
    # problem. Raise it where the relay allows more: at 50, 5,000 opening e-mails take about 17
    # minutes to leave, and a message queued after them waits as long (oldest first).
    MAIL_SEND_PER_PASS = 50
    # A message refused for now (a 4xx reply, an unreachable server) is tried again after
    # MAIL_RETRY_FIRST_SECONDS, then after twice as long each time up to MAIL_RETRY_MAX_SECONDS,
    # and marked failed after MAIL_MAX_ATTEMPTS tries: with these, about a day of trying.
    MAIL_RETRY_FIRST_SECONDS = 60
    MAIL_RETRY_MAX_SECONDS = 3600
    MAIL_MAX_ATTEMPTS = 30
    # The notification worker queues a reminder this many hours before each booked visit.
    REMINDER_HOURS_BEFORE = 24
    # Text messages (SMS) through Twilio: with no TWILIO_ACCOUNT_SID they are written to
    # MAIL_FILE_DIR as .txt files (development) or wait in the outbox. SMS_FROM is the sending
    # number (E.164) or a Messaging Service SID. The webhooks' signatures are checked against
    # TWILIO_AUTH_TOKEN and the URL as Twilio called it, built from PUBLIC_URL.
    # TWILIO_API_BASE_URL replaces https://api.twilio.com (tests run a local stand-in).
    TWILIO_ACCOUNT_SID = ""
    TWILIO_AUTH_TOKEN = ""
    TWILIO_API_BASE_URL = ""
    SMS_FROM = ""
    # Texts are sent only from SMS_SEND_FROM_HOUR:00 to SMS_SEND_UNTIL_HOUR:00 on the clinic's
    # clock; one due at night waits for the morning.
    SMS_SEND_FROM_HOUR = 8
    SMS_SEND_UNTIL_HOUR = 20
    BOOKING_HORIZON_DAYS = 90
    SLOT_INTERVAL_MINUTES = 15
    MIN_NOTICE_HOURS = 2
    NO_SAME_DAY_BOOKING = False
    # Online changes to a booking are refused this close to the visit: the patient calls.
    CHANGE_NOTICE_HOURS = 24
    MAX_FUTURE_BOOKINGS_PER_PATIENT = 3
    # A patient with no check-in for this many days (on their clinic's calendar) is e-mailed,
    # once per course, the question "why did you stop?" (clinic_app/adherence/stop_questions.py).
    STOP_QUESTION_DAYS = 3
    # A waitlist entry stops waiting after this many days (or on its own "before" date).
    WAITLIST_DAYS = 30
    # Minimal clinically important differences, the absolute floor of the outcome rule
    # (clinic_app/reporting/definitions.py): NPRS 2 points (Childs et al., Spine 2005), ODI 6
    # points (Fritz & Irrgang, Phys Ther 2001); improved also needs a 30% fall.
    NPRS_MCID_POINTS = 2
    ODI_MCID_POINTS = 6
    # An episode of care with no visit for this many days is closed automatically (discharged
    # for "no visit"); the patient's next visit opens a new one.
    EPISODE_AUTO_CLOSE_DAYS = 60
    # A clinic farther than this does not serve a patient: the search offers "tell me when a
    # clinic opens near me" and records the search as unserved demand.
    SERVICE_RADIUS_MILES = 50
    # Where to open next: a candidate place needs this many people of its own (the city proper,
    # as GeoNames counts it, not its metro). Smaller places (down to 15,000, the extract's
    # floor) still count among the people a new clinic would reach.
    WHERE_NEXT_MIN_CITY_POPULATION = 100_000
    # Street addresses are looked up online only when a geopy service is named here
    # (e.g. "nominatim"); ZIP codes and "City, ST" always work offline.
    GEOCODER = ""
    GEOCODER_USER_AGENT = "back-solution-clinics"
    GEOCODER_API_KEY = ""
    GEOCODER_DOMAIN = ""
    GEOCODER_TIMEOUT_SECONDS = 3
    API_TITLE = "Back Solution clinics API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    PASSWORD_RESET_MAX_AGE_MINUTES = 60
    EMAIL_VERIFICATION_MAX_AGE_HOURS = 72
    DEMO_PASSWORD = "BackSolution-demo-2026"
    # werkzeug's scrypt: memory-hard, the strongest hash it offers.
    PASSWORD_HASH_METHOD = "scrypt"
    MAX_CONTENT_LENGTH = 1024 * 1024
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = False
    HSTS_SECONDS = 0  # Strict-Transport-Security only where HTTPS is certain (Production)
    PERMANENT_SESSION_LIFETIME_MINUTES = 12 * 60
    TESTING = False
    DEBUG = False
    # Not a setting (lower case keeps it out of them): whether an unset PUBLIC_URL is derived
    # from HOST and PORT. Production requires PUBLIC_URL instead.
    follow_host_and_port = True

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
        """Return this class's settings with environment variables of the same name applied.

        The type of each default decides how its variable is read, so ``MAIL_PORT=2525``
        becomes an int and ``RATELIMIT_ENABLED=false`` a bool.
        """
        variables = os.environ if environ is None else environ
        settings = {name: getattr(cls, name) for name in dir(cls) if name.isupper()}
        for name, default in settings.items():
            if name in variables and name != "APP_ENV":
                settings[name] = _parse_like(default, variables[name], name)
        if "PUBLIC_URL" not in variables and cls.follow_host_and_port:
            settings["PUBLIC_URL"] = development_public_url(variables)
        cls.check(settings)
        return settings

    @classmethod
    def check(cls, settings: dict[str, object]) -> None:
        """Refuse settings that would be unsafe in this environment."""


class DevelopmentConfig(Config):
    DEBUG = False  # the debugger is opt-in: FLASK_DEBUG=1
    MAIL_ENABLED = False
    MAIL_FILE_DIR = str(INSTANCE_DIR / "mail")


class TestingConfig(Config):
    APP_ENV = "testing"
    TESTING = True
    PUBLIC_URL = "http://localhost"
    follow_host_and_port = False  # the test client answers at http://localhost, whatever PORT says
    DATABASE_URL = "sqlite://"
    MAIL_PORT = 8025
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # fast hashes keep the suite quick


class ProductionConfig(Config):
    APP_ENV = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    HSTS_SECONDS = 365 * 24 * 3600  # browsers then refuse plain HTTP to this site for a year
    follow_host_and_port = False  # check() refuses to start without PUBLIC_URL

    @classmethod
    def check(cls, settings: dict[str, object]) -> None:
        missing = [
            name for name in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "PUBLIC_URL") if not os.environ.get(name)
        ]
        if missing:
            raise ConfigurationError(
                "Production refuses to start without "
                + ", ".join(missing)
                + " (REDIS_URL so that every process shares rate limits; PUBLIC_URL for links in e-mails)."
            )
        if settings["SECRET_KEY"] == Config.SECRET_KEY:
            raise ConfigurationError("Production needs its own SECRET_KEY.")


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def load_settings(name: str | None = None, overrides: dict | None = None) -> dict[str, object]:
    """Settings for ``name`` (default: the APP_ENV variable, else development), with the
    environment and then ``overrides`` applied, and the extensions' own settings derived."""
    name = (name or os.environ.get("APP_ENV") or "development").lower()
    if name not in CONFIGS:
        raise ConfigurationError(f"Unknown APP_ENV {name!r}; use one of {sorted(CONFIGS)}.")
    settings = {**CONFIGS[name].from_environment(), **(overrides or {})}
    return {**settings, **_derived(settings)}


def _derived(settings: dict[str, Any]) -> dict[str, object]:
    """What Flask-SQLAlchemy, Flask-Limiter and Flask itself read, from our own settings."""
    return {
        "SQLALCHEMY_DATABASE_URI": _normalise_database_url(settings["DATABASE_URL"]),
        # hide_parameters: a logged SQL error never carries a patient's details.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True},
        "RATELIMIT_STORAGE_URI": settings["REDIS_URL"] or "memory://",
        "PERMANENT_SESSION_LIFETIME": timedelta(minutes=settings["PERMANENT_SESSION_LIFETIME_MINUTES"]),
    }


def development_public_url(environ: Mapping[str, str]) -> str:
    """The address `make run` / `flask run` serves on, from HOST and PORT (127.0.0.1:5000 by
    default). A wildcard bind address (0.0.0.0, ::) is no address a browser can open, so links
    then name this machine's loopback address; set PUBLIC_URL to reach it from elsewhere."""
    host = environ.get("HOST", "").strip() or "127.0.0.1"
    if host in {"0.0.0.0", "::", "[::]"}:  # noqa: S104 - recognised, not bound
        host = "127.0.0.1"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 address in a URL
    port = environ.get("PORT", "").strip() or "5000"
    if not port.isdigit():
        raise ConfigurationError(f"PORT must be a whole number, not {port!r}.")
    return f"http://{host}:{port}"


def _parse_like(default: object, raw: str, name: str) -> object:
    if isinstance(default, bool):
        if raw.strip().lower() in {"1", "true", "yes", "on"}:
            return True
        if raw.strip().lower() in {"0", "false", "no", "off", ""}:
            return False
        raise ConfigurationError(f"{name} must be true or false, not {raw!r}.")
    if isinstance(default, int):
        try:
            return int(raw)
        except ValueError:
            raise ConfigurationError(f"{name} must be a whole number, not {raw!r}.") from None
    return raw


def _normalise_database_url(url: str) -> str:
    """Accept the common ``postgres://`` spelling and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
