"""How a queued text leaves: through Twilio's REST API with Twilio's own library, or in
development, with no provider set, as a .txt file beside the .eml files.

Twilio, because it is the provider the clinic products our patients know use, and its
official `twilio` package is well kept (typed, versioned with the API, with the request
validator the webhooks need); we write no HTTP client of our own. The library sends nothing
itself on retry: the outbox's rules decide (clinic_app/notifications/rules.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from flask import current_app
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from clinic_app.notifications.links import public_url
from clinic_app.notifications.models import OutboxMessage
from clinic_app.notifications.rules import Failure, classify_text_failure

# The library logs each request and response at INFO: numbers and texts. Never into our logs.
logging.getLogger("twilio").setLevel(logging.WARNING)

# Sends one text; returns the provider's id for it (or "" when there is none), raises on failure.
TextTransport = Callable[[OutboxMessage], str]


def text_transport_for(config) -> TextTransport | None:
    """Twilio when its account is set; else .txt files when MAIL_FILE_DIR is set; else none
    (texts wait in the outbox, as e-mail does)."""
    if config.get("TWILIO_ACCOUNT_SID"):
        return _twilio_sender(config)
    if config.get("MAIL_FILE_DIR"):
        return write_text_file
    return None


def _twilio_sender(config) -> TextTransport:
    client = Client(config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"])
    if config.get("TWILIO_API_BASE_URL"):  # a local stand-in for api.twilio.com (tests)
        client.api.base_url = config["TWILIO_API_BASE_URL"]

    def send(message: OutboxMessage) -> str:
        created = client.messages.create(
            to=message.recipient, from_=config["SMS_FROM"], body=message.body_text,
            status_callback=public_url("sms.status"),
        )
        return created.sid or ""

    return send


def text_failure(error: Exception) -> Failure:
    """What a failed send stands for: by the provider's HTTP status; no status means it could
    not be reached (requests' connection errors, which the library lets through)."""
    if isinstance(error, TwilioRestException):
        return classify_text_failure(error.status)
    if isinstance(error, TwilioException):
        return classify_text_failure(None)
    if isinstance(error, OSError) or type(error).__module__.startswith(("requests", "urllib3")):
        return classify_text_failure(None)
    return Failure(type(error).__name__, permanent=False)


def write_text_file(message: OutboxMessage) -> str:
    """Development: write ``<MAIL_FILE_DIR>/<id>-text.txt`` instead of sending."""
    folder = Path(current_app.config["MAIL_FILE_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{message.id}-text.txt").write_text(
        f"To: {message.recipient}\nX-Not-Sent: no SMS provider set (TWILIO_ACCOUNT_SID)\n\n{message.body_text}\n")
    return ""
