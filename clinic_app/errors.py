"""Domain exceptions, and the one place that turns any error into a response.

Pages get an HTML error page; anything under ``/api/`` (or a client that asks for JSON)
gets ``{"error": {"code": ..., "message": ...}}``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import marshmallow as ma
from flask import Flask, Response, current_app, g, jsonify, make_response, render_template, request
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from marshmallow import fields
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed, ServiceUnavailable

from clinic_app.extensions import db, limiter, login_manager

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A business rule refused the request; ``field`` names the form field at fault."""

    code = "invalid"
    status = 400

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def details(self) -> dict[str, object]:
        """What a JSON answer carries beside code and message (a subclass may add some)."""
        return {}


class ValidationFailed(DomainError):
    code = "validation_failed"
    status = 422


class Conflict(DomainError):
    code = "conflict"
    status = 409


class NotAllowed(DomainError):
    code = "forbidden"
    status = 403


# The shape of every error, as the OpenAPI document describes it (clinic_app.extensions.JsonApi).
class ErrorDetailSchema(ma.Schema):
    code = fields.String(required=True, metadata={"example": "location_not_found"})
    message = fields.String(required=True, metadata={"description": "What went wrong and what to do instead."})
    fields_ = fields.Dict(
        data_key="fields", metadata={"description": "Field-by-field problems, when validation failed."}
    )
    suggestions = fields.List(fields.String(), metadata={
        "description": "For location_not_found: places the text nearly matched (\"did you mean\"), best first.",
        "example": ["Phoenix, AZ"]})


class ErrorSchema(ma.Schema):
    error = fields.Nested(ErrorDetailSchema, required=True)


ERROR_MESSAGES = {
    400: "The request could not be understood.",
    403: "You do not have permission to see this page.",
    404: "We could not find that page.",
    405: "That method is not allowed here.",
    413: "That request is too large.",
    429: "Too many attempts. Please wait a minute and try again.",
    500: "Something went wrong on our side. Nothing you sent was saved half-way; please try again.",
    503: "The service is briefly unavailable. Please try again in a moment.",
}


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


# Areas that answer errors in their own format, by path prefix (the FHIR API answers an
# OperationOutcome): prefix -> render(status, code, message, field_errors) -> response.
ERROR_FORMATS: dict[str, Callable[[int, str, str, dict | None], Response]] = {}


def register_error_format(prefix: str, render: Callable[[int, str, str, dict | None], Response]) -> None:
    ERROR_FORMATS[prefix] = render


def error_response(status: int, code: str, message: str, field_errors: dict | None = None,
                   details: dict | None = None):
    for prefix, render in ERROR_FORMATS.items():
        if request.path.startswith(prefix):
            return render(status, code, message, field_errors)
    if wants_json():
        body: dict[str, object] = {"code": code, "message": message, **(details or {})}
        if field_errors:
            body["fields"] = field_errors
        return make_response(jsonify(error=body), status)
    return make_response(render_template("errors/error.html", status=status, message=message), status)


def _handle_http(error: HTTPException):
    status = error.code or 500
    code = (error.name or "error").lower().replace(" ", "_")
    message = ERROR_MESSAGES.get(status) or error.description or error.name
    field_errors = _request_validation_errors(error)
    if field_errors:
        return error_response(status, "validation_failed", _describe(field_errors), field_errors)
    if isinstance(error, CSRFError):
        code, message = (
            "csrf_failed",
            "This form has expired or was not sent from our site. Please reload the page and try again.",
        )
    elif status in (400, 422) and error.description and not wants_json():
        message = error.description
    response = error_response(status, code, message)
    if status == 429:
        response.headers["Retry-After"] = str(_seconds_until_limit_resets())
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)  # RFC 9110: a 405 names what is allowed
    return response


def _request_validation_errors(error: HTTPException) -> dict:
    """Field problems found by the API's request schemas (webargs), merged across locations."""
    messages = (getattr(error, "data", None) or {}).get("messages") or {}
    merged: dict = {}
    for location_errors in messages.values():
        merged.update(location_errors if isinstance(location_errors, dict) else {"_schema": location_errors})
    return merged


def _describe(field_errors: dict) -> str:
    parts = []
    for field, problems in field_errors.items():
        text = " ".join(str(p) for p in problems) if isinstance(problems, list) else str(problems)
        parts.append(text if field == "_schema" else f"{field}: {text}")
    return " ".join(parts)


def _seconds_until_limit_resets() -> int:
    current = limiter.current_limit
    return max(1, int(current.reset_at - time.time())) if current else 60


def _handle_domain(error: DomainError):
    db.session.rollback()
    return error_response(error.status, error.code, error.message, details=error.details())


# PostgreSQL's answers to two transactions that collided (deadlock, serialisation failure):
# the database is up, and the loser's work is undone whole, as for a constraint.
CONCURRENCY_SQLSTATES = frozenset({"40P01", "40001"})


def _handle_database_down(error: OperationalError):
    if getattr(error.orig, "sqlstate", None) in CONCURRENCY_SQLSTATES:
        return _handle_concurrent_change(error)
    log.error("database unavailable: %s", type(error.orig).__name__)
    return database_unavailable()


def database_unavailable():
    """The 503, answered without the database: the request's work is dropped (a rollback on a
    dead connection may fail too), the page is shown as to a visitor who is not signed in (the
    signed-in user would have to be read again), and if the page itself still needs the
    database (a blueprint's context processor), a page that needs nothing is shown instead."""
    try:
        db.session.rollback()
    except SQLAlchemyError:
        db.session.remove()  # the connection is gone; the pool replaces it for the next request
    g._login_user = login_manager.anonymous_user()
    try:
        return _handle_http(ServiceUnavailable())
    except SQLAlchemyError:  # only a page can need it (a JSON error reads nothing)
        page = current_app.jinja_env.get_template("errors/unavailable.html")  # no context processors
        return make_response(page.render(message=ERROR_MESSAGES[503]), 503)


class ClinicFlask(Flask):
    """Flask whose error handling survives the database going away. A database error while an
    error is being answered (a handler rolling back on a dead connection, an error page reading
    the signed-in user again, an API handler looking something up) answers 503, JSON for the
    API and the plain page for pages, never a 500; so does one from an after-request step."""

    def handle_user_exception(self, e: Exception) -> HTTPException | ResponseReturnValue:
        try:
            return super().handle_user_exception(e)
        except SQLAlchemyError as failure:
            if failure is e:
                raise  # no handler took it: Flask's last resort (handle_exception) answers
            log.error("database unavailable while answering %s: %s", type(e).__name__, type(failure).__name__)
            return database_unavailable()

    def handle_exception(self, e: Exception):
        if isinstance(e, SQLAlchemyError):
            log.error("database unavailable while answering: %s", type(e).__name__)
            return self.finalize_request(database_unavailable(), from_error_handler=True)
        return super().handle_exception(e)


def _handle_concurrent_change(error: IntegrityError | StaleDataError | OperationalError):
    """Two requests changed the same thing at once (a double click, two tabs, two people at the
    desk): the constraint or the row version refused the second, whose change is undone whole.
    Logged without the database's message, which can quote a patient's details."""
    db.session.rollback()
    log.warning("concurrent change refused on %s %s (%s)", request.method,
                request.url_rule.rule if request.url_rule else "?", type(error).__name__)
    return error_response(
        409, "conflict",
        "This was changed by another request at the same moment. Nothing of yours was saved: "
        "please reload the page, check, and try again.",
    )


def _handle_unexpected(error: Exception):
    db.session.rollback()
    # The route's pattern, not the path: paths can carry tokens (password reset links).
    log.exception("unhandled error on %s %s", request.method, request.url_rule.rule if request.url_rule else "?")
    return _handle_http(InternalServerError())


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, _handle_http)
    app.register_error_handler(DomainError, _handle_domain)
    app.register_error_handler(OperationalError, _handle_database_down)
    app.register_error_handler(IntegrityError, _handle_concurrent_change)
    app.register_error_handler(StaleDataError, _handle_concurrent_change)
    app.register_error_handler(Exception, _handle_unexpected)
