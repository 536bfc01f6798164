"""Response headers for private pages, registered per blueprint with ``bp.after_request``."""

from __future__ import annotations

from flask import current_app, request


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


# Scripts and styles only from our own origin: no inline script can run, so an injected
# <script> or onclick does nothing. JSON data blocks (schema.org, the map's data) are not
# executed and need no exception. Map tiles come from OpenStreetMap at run time.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: https://tile.openstreetmap.org",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)


def security_headers(response):
    """Headers every response carries; a view that set its own (a stricter Referrer-Policy for
    a token page, say) keeps it. HSTS only where HTTPS is certain: under Production."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")  # for browsers that predate frame-ancestors
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), payment=(), geolocation=(self)")
    seconds = current_app.config.get("HSTS_SECONDS", 0)
    if seconds:
        headers.setdefault("Strict-Transport-Security", f"max-age={seconds}; includeSubDomains")
    return response
