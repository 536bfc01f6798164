"""The JSON API under /api/v1/. Errors are always {"error": {"code", "message"}} (clinic_app.errors)."""

from __future__ import annotations

from flask import abort, current_app, jsonify, url_for

from clinic_app.api import bp
from clinic_app.api.payloads import nearest_answer
from clinic_app.api.schemas import (
    ApiIndexSchema,
    ClinicListSchema,
    ClinicSchema,
    NearestQuerySchema,
    NearestResultSchema,
)
from clinic_app.clinics import service as clinics
from clinic_app.clinics.address_lookup import configured_address_lookup
from clinic_app.clinics.search import rank_near
from clinic_app.clock import utcnow
from clinic_app.errors import ErrorSchema
from clinic_app.extensions import db
from clinic_app.geo.geocoding import place_for_coordinates, place_for_text, place_for_zip


@bp.get("/")
@bp.response(200, ApiIndexSchema)
def index():
    """The API's name, version and where its OpenAPI document is."""
    return {"name": "Back Solution API", "version": "v1", "openapi": url_for("api-docs.openapi_json")}


@bp.get("/clinics")
@bp.response(200, ClinicListSchema)
def list_clinics():
    """Every clinic the public can see: open, opening soon, or temporarily closed."""
    return {"clinics": clinics.list_clinics()}


@bp.get("/clinics/<int:clinic_id>")
@bp.response(200, ClinicSchema)
@bp.alt_response(404, schema=ErrorSchema, description="No public clinic has this id")
def get_clinic(clinic_id: int):
    clinic = clinics.get_public_clinic(clinic_id)
    if clinic is None:
        abort(404)
    return clinic


@bp.get("/clinics/nearest")
@bp.arguments(NearestQuerySchema(), location="query", as_kwargs=True)  # one instance: no copy per request
@bp.response(200, NearestResultSchema)
@bp.alt_response(404, schema=ErrorSchema, description="The place could not be found (code location_not_found)")
@bp.alt_response(422, schema=ErrorSchema, description="Missing, malformed or contradictory parameters")
@bp.alt_response(503, schema=ErrorSchema, description="Street-address lookup is unavailable")
def nearest(limit: int, zip: str | None = None, q: str | None = None, lat=None, lng=None, radius_miles=None):
    """Open clinics nearest a ZIP code, a place ("Phoenix, AZ") or coordinates, nearest first."""
    _each_statement_its_own_transaction()
    if zip is not None:
        origin = place_for_zip(zip)
    elif q is not None:
        origin = place_for_text(q, configured_address_lookup())
    else:
        origin = place_for_coordinates(lat, lng)
    found = rank_near(origin, limit, radius_miles, current_app.config["SERVICE_RADIUS_MILES"], utcnow())
    # Clinics come from the in-process cache (clinic_app.api.payloads), so serialising costs
    # no queries, and the body is built before the commit. flask-smorest returns a Response as is.
    body = nearest_answer(found)
    db.session.commit()  # PostgreSQL: the anonymous demand point (SQLite committed it on its own)
    return jsonify(body)


def _each_statement_its_own_transaction() -> None:
    """A search reads clinics, then writes one demand point in a single INSERT: no statement
    needs another's snapshot, so on PostgreSQL each runs as its own transaction (autocommit).
    That saves the BEGIN and COMMIT round trips; the point is committed when its INSERT returns.
    (SQLite keeps its ordinary transaction: the app emits BEGIN itself there.)"""
    if db.session().in_transaction() or db.engine.dialect.name != "postgresql":
        return
    db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
