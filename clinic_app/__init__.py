"""The Back Solution clinic application."""

from __future__ import annotations

import logging
import os
from zoneinfo import ZoneInfo

from flask import Flask

from config import BASE_DIR, load_settings


def create_app(env: str | None = None, overrides: dict | None = None) -> Flask:
    from clinic_app.errors import ClinicFlask  # answers 503 when the database fails while answering an error

    app = ClinicFlask(
        __name__,
        template_folder=str(BASE_DIR / "templates"),
        static_folder=str(BASE_DIR / "static"),
        instance_path=str(BASE_DIR / "instance"),
    )
    register_settings(app, env, overrides)
    register_proxy_fix(app)
    register_extensions(app)
    register_url_converters(app)
    register_blueprints(app)
    register_write_lock(app)
    register_error_handlers(app)
    register_commands(app)
    register_derived_tables(app)
    register_signal_receivers(app)
    register_due_mail(app)
    register_template_helpers(app)
    register_security_headers(app)
    return app


def register_settings(app: Flask, env: str | None, overrides: dict | None) -> None:
    app.config.from_mapping(load_settings(env, overrides))
    os.makedirs(app.instance_path, exist_ok=True)  # the default SQLite file lives here
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def register_url_converters(app: Flask) -> None:
    from clinic_app.ids import DatabaseIdConverter

    app.url_map.converters["int"] = DatabaseIdConverter


def register_proxy_fix(app: Flask) -> None:
    """Trust X-Forwarded-For/-Proto from exactly PROXY_COUNT proxies, so rate limits see the
    client's address rather than the load balancer's."""
    if app.config["PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        count = app.config["PROXY_COUNT"]
        # Flask documents wrapping wsgi_app in middleware; its annotations call it a method.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)  # type: ignore[method-assign]


def register_extensions(app: Flask) -> None:
    from clinic_app.accounts.service import load_user_from_session
    from clinic_app.extensions import api, configure_sqlite, csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    import_models()
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Please log in to see that page."
    login_manager.login_message_category = "info"
    login_manager.user_loader(load_user_from_session)
    api.init_app(app, spec_kwargs={"servers": [{"url": "/"}]})


def import_models() -> None:
    """Every model, so that the metadata (and so migrations) always sees the whole schema."""
    import clinic_app.accounts.models  # noqa: F401
    import clinic_app.adherence.models  # noqa: F401
    import clinic_app.audit.models  # noqa: F401
    import clinic_app.clinics.models  # noqa: F401
    import clinic_app.demand.models  # noqa: F401
    import clinic_app.fhir.models  # noqa: F401
    import clinic_app.notifications.models  # noqa: F401
    import clinic_app.patients.models  # noqa: F401
    import clinic_app.reporting.models  # noqa: F401
    import clinic_app.rollout.models  # noqa: F401
    import clinic_app.scheduling.models  # noqa: F401
    import clinic_app.screening.models  # noqa: F401
    import clinic_app.treatments.models  # noqa: F401
    import clinic_app.waitlist.models  # noqa: F401


def register_blueprints(app: Flask) -> None:
    from clinic_app.accounts.two_factor_views import bp as two_factor
    from clinic_app.accounts.views import bp as accounts
    from clinic_app.admin import bp as admin
    from clinic_app.api import bookings_bp as booking_api
    from clinic_app.api import bp as api
    from clinic_app.booking import bp as booking
    from clinic_app.clinics.views import bp as clinics
    from clinic_app.demand.views import bp as demand
    from clinic_app.extensions import api as json_api
    from clinic_app.fhir.views import bp as fhir
    from clinic_app.headoffice import bp as headoffice
    from clinic_app.portal import bp as portal
    from clinic_app.practice import bp as practice
    from clinic_app.public import bp as public
    from clinic_app.sms import bp as sms
    from clinic_app.waitlist.views import bp as waitlist

    for blueprint in (public, clinics, demand, accounts, booking, waitlist, portal, practice, headoffice, admin, sms,
                      fhir):
        app.register_blueprint(blueprint)
    app.register_blueprint(two_factor)  # also checks every staff request (idle timeout, enrolment)
    json_api.register_blueprint(api)
    json_api.register_blueprint(booking_api)
    register_fhir_token_server(app)


def register_fhir_token_server(app: Flask) -> None:
    """Authlib's OAuth 2.0 server behind /fhir/R4/auth/token (clinic_app/fhir/auth.py)."""
    from clinic_app.fhir.auth import create_token_server

    app.extensions["fhir_token_server"] = create_token_server(app)


def register_write_lock(app: Flask) -> None:
    """SQLite: a view whose upgrade from reader to writer was refused runs again, with the
    write lock taken first (clinic_app/write_lock.py)."""
    from clinic_app.write_lock import register_write_lock as register

    register(app)


def register_error_handlers(app: Flask) -> None:
    from clinic_app.errors import register_error_format
    from clinic_app.errors import register_error_handlers as register
    from clinic_app.fhir.responses import outcome_response

    register(app)
    register_error_format("/fhir/", outcome_response)  # every FHIR error is an OperationOutcome


def register_commands(app: Flask) -> None:
    from clinic_app.accounts.cli import users
    from clinic_app.audit.cli import audit
    from clinic_app.demo.cli import seed_demo
    from clinic_app.fhir.cli import fhir
    from clinic_app.notifications.cli import notifications, outbox
    from clinic_app.reporting.cli import reports

    for command in (users, audit, seed_demo, notifications, outbox, reports, fhir):
        app.cli.add_command(command)
    from clinic_app.backup.cli import backup, restore

    for command in (backup, restore):
        app.cli.add_command(command)


def register_derived_tables(app: Flask) -> None:
    """Network reporting's derived tables are recomputed on every flush that changes their
    records (clinic_app/reporting/projections/)."""
    from clinic_app.reporting.projections import keep_derived_tables_current

    keep_derived_tables_current()


def register_signal_receivers(app: Flask) -> None:
    """Side effects across domains: the domain that owns an event sends its signal (its
    signals.py), and the domains that act on it are connected here, so the sender never imports
    them. A receiver runs inside the sender's transaction. Connecting twice is a no-op."""
    from clinic_app.clinics.signals import nearest_searched
    from clinic_app.demand.service import record_search
    from clinic_app.rollout.announcements import announce_opening
    from clinic_app.rollout.signals import clinic_opened
    from clinic_app.scheduling.signals import booking_cancelled, booking_made, booking_moved
    from clinic_app.waitlist import service as waitlist

    nearest_searched.connect(record_search)
    booking_made.connect(waitlist.end_waiting_on_booking)
    booking_cancelled.connect(waitlist.offer_time_cancelled)
    booking_moved.connect(waitlist.offer_time_moved_from)
    clinic_opened.connect(announce_opening)


def register_due_mail(app: Flask) -> None:
    """The e-mail each domain queues on every pass of the notification worker, in this order
    (clinic_app/notifications/registry.py)."""
    from clinic_app.adherence.reminders import queue_due_check_in_reminders
    from clinic_app.adherence.stop_questions import queue_stop_questions
    from clinic_app.notifications.registry import register_due_mail as register
    from clinic_app.rollout.announcements import queue_opening_emails
    from clinic_app.scheduling.reminders import queue_due_reminders

    register(app, "visit reminders", queue_due_reminders)
    register(app, "check-in reminders", queue_due_check_in_reminders)
    register(app, "why-stopped questions", queue_stop_questions)
    register(app, "clinic-opening e-mails", queue_opening_emails, batched=True)


def register_security_headers(app: Flask) -> None:
    from clinic_app.headers import security_headers

    app.after_request(security_headers)


def register_template_helpers(app: Flask) -> None:
    from clinic_app.accounts.models import Role
    from clinic_app.accounts.policy import can_enter

    @app.context_processor
    def navigation():
        return {"Role": Role, "can_enter": can_enter}

    @app.template_filter("tel")
    def tel(phone: str) -> str:
        """A phone number as a tel: link target: digits and a leading + only."""
        return "tel:" + "".join(ch for ch in phone if ch.isdigit() or ch == "+")

    @app.template_filter("clinic_time")
    def clinic_time(value, zone: str) -> str:
        """A stored UTC moment on the clinic's clock: "Dec 7, 2026 at 3:05 PM EST"."""
        from zoneinfo import ZoneInfo

        return value.astimezone(ZoneInfo(zone)).strftime("%b %-d, %Y at %-I:%M %p %Z")

    @app.template_filter("clock")
    def clock(value) -> str:
        """A time of day as people read it: 8:00 AM."""
        return value.strftime("%-I:%M %p")

    @app.template_filter("at_clinic")
    def at_clinic(value, clinic) -> str:
        """A stored instant on the clinic's clock, with its zone: Feb 3, 2026 at 4:05 PM EST."""
        local = value.astimezone(ZoneInfo(clinic.timezone))
        return f"{local:%b %-d, %Y} at {local:%-I:%M %p} {local.tzname()}"
