"""The SMART Backend Services token endpoint and its discovery document."""

from __future__ import annotations

from flask import current_app, jsonify

from clinic_app.extensions import db, limiter
from clinic_app.fhir.auth import token_server, token_url
from clinic_app.fhir.partners import KNOWN_SCOPES, SIGNING_ALGORITHMS
from clinic_app.fhir.views import bp


@bp.get("/.well-known/smart-configuration")
def smart_configuration():
    """What a backend client needs to know to ask for a token (SMART App Launch 2.x)."""
    return jsonify({
        "token_endpoint": token_url(),
        "grant_types_supported": ["client_credentials"],
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": list(SIGNING_ALGORITHMS),
        "scopes_supported": sorted(KNOWN_SCOPES),
        "capabilities": ["client-confidential-asymmetric"],
    })


@bp.post("/auth/token")
@limiter.limit(lambda: current_app.config["FHIR_TOKEN_LIMIT"])
def issue_token():
    """OAuth 2.0 client credentials with a signed JWT assertion; OAuth errors are OAuth's JSON
    ({"error": "invalid_client"}), as clients of a token endpoint expect."""
    response = token_server().create_token_response()
    if response.status_code == 200:
        db.session.commit()
    else:
        db.session.rollback()
    return response
