"""Response headers for private pages, registered per blueprint with ``bp.after_request``."""

from __future__ import annotations

from flask import request


def keep_token_private(response):
    """A page reached by a secret link (a ``token`` in its address) is never cached and its
    address is never sent on to another site as a Referer."""
    if request.view_args and "token" in request.view_args:
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
    return response


def never_cache(response):
    """Pages with health data are not kept by the browser: after signing out on a shared desk
    computer, the back button must not show the last patient's chart."""
    response.headers["Cache-Control"] = "no-store"
    return response
