"""Absolute links for e-mails, built from the PUBLIC_URL setting and never from the request's
Host header, which a client can set to anything (a reset link pointing at an attacker's site).
They work outside a request too: the outbox worker and reminders run from the command line."""

from urllib.parse import urlsplit

from flask import current_app


def public_url(endpoint: str, **values) -> str:
    base = urlsplit(current_app.config["PUBLIC_URL"].rstrip("/"))
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)
