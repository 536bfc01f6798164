"""How a queued message leaves: by SMTP, or in development as an .eml file a newcomer can open.

Both take an OutboxMessage and the e-mail built from it (``compose``), and raise on failure
(SMTP errors, OSError), so the worker treats a full disk like an SMTP outage: the message is
tried again later (clinic_app/notifications/rules.py).
"""

from __future__ import annotations

import re
import smtplib
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

from flask import current_app

from clinic_app.notifications.models import OutboxMessage
from clinic_app.text import one_line

Transport = Callable[[OutboxMessage, EmailMessage], None]


def transport_for(config) -> tuple[Transport | None, str]:
    """SMTP when MAIL_ENABLED; else .eml files when MAIL_FILE_DIR is set; else none (wait)."""
    if config["MAIL_ENABLED"]:
        return send_by_smtp, "smtp"
    if config.get("MAIL_FILE_DIR"):
        return write_eml_file, "file"
    return None, ""


def compose(message: OutboxMessage) -> EmailMessage:
    """The e-mail for a queued message. Raises (ValueError) when a header cannot hold its value:
    an address with a line break is refused, never repaired. The subject is display text built
    from names, so it is put on one line: a clinic saved with a U+2028 before forms refused it
    (or written to the database some other way) still gets its patients their confirmations."""
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    email["To"] = message.recipient
    email["Subject"] = one_line(message.subject).strip()
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    if message.calendar:
        email.add_attachment(
            message.calendar.encode(),
            maintype="text",
            subtype="calendar",
            filename="invite.ics",
            params={"method": message.calendar_method} if message.calendar_method else {},
        )
    return email


def send_by_smtp(message: OutboxMessage, email: EmailMessage) -> None:
    config = current_app.config
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT_SECONDS"]) as smtp:
        smtp.send_message(email)


def write_eml_file(message: OutboxMessage, email: EmailMessage) -> None:
    """Development: write ``<MAIL_FILE_DIR>/<id>-<subject-slug>.eml`` instead of sending.
    The header X-Not-Sent says so to whoever opens it."""
    email["X-Not-Sent"] = "MAIL_ENABLED is off: written to a file by `flask notifications send`"
    folder = Path(current_app.config["MAIL_FILE_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / eml_file_name(message)).write_bytes(email.as_bytes())


def eml_file_name(message: OutboxMessage) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", message.subject.lower()).strip("-")[:60].rstrip("-")
    return f"{message.id}-{slug or 'message'}.eml"
