"""SMART Backend Services (https://hl7.org/fhir/smart-app-launch/backend-services.html) with
Authlib: a partner asks the token endpoint for a token with the client credentials grant,
proving who it is with a JWT it signed with its private key (private_key_jwt, RS384 or ES384,
audience the token endpoint, at most five minutes to live, an id never used before). The token
is short-lived (FHIR_TOKEN_SECONDS), stored only as a hash, and carries the scopes asked for,
each of which the client must have been registered with."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import InvalidClientError, InvalidScopeError, grants
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from flask import current_app, g, request
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy import select

from clinic_app import clock
from clinic_app.extensions import db
from clinic_app.fhir.models import FhirAccessToken, FhirClient
from clinic_app.fhir.partners import KNOWN_SCOPES, SIGNING_ALGORITHMS, find_client
from clinic_app.fhir.responses import fhir_base

LONGEST_ASSERTION = timedelta(minutes=5)


def token_url() -> str:
    return f"{fhir_base()}/auth/token"


class SignedAssertion(JWTBearerClientAssertion):
    """RFC 7523 client authentication as SMART profiles it."""

    def get_audiences(self):
        return [token_url()]

    def resolve_client_public_key(self, client: FhirClient):
        return KeySet.import_key_set(client.jwks)  # type: ignore[arg-type]  # checked at registration

    def process_assertion_claims(self, assertion, resolve_key):
        try:
            token = jwt.decode(assertion, resolve_key, algorithms=list(SIGNING_ALGORITHMS))
        except JoseError as error:
            raise InvalidClientError(description="The assertion's signature or algorithm (RS384, ES384) is wrong.") \
                from error
        self.verify_claims(token.claims)
        expires = token.claims.get("exp")
        if not isinstance(expires, int | float) or expires > clock.utcnow().timestamp() + LONGEST_ASSERTION.seconds:
            raise InvalidClientError(description="The assertion may live at most five minutes (exp).")
        return token.claims

    def validate_jti(self, claims, jti):
        """Each assertion is used once: its id is kept with the token it bought."""
        if not isinstance(jti, str) or not 0 < len(jti) <= 255:
            return False
        client = find_client(str(claims["sub"]))
        used = client is not None and db.session.scalar(select(FhirAccessToken.id).where(
            FhirAccessToken.client_id == client.id, FhirAccessToken.assertion_jti == jti)) is not None
        g.fhir_assertion_jti = jti
        return not used


class BackendClientCredentials(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = [SignedAssertion.CLIENT_AUTH_METHOD]

    def validate_requested_scope(self):
        """Every scope asked for must be one the client was registered with (none: refused)."""
        asked = (self.request.payload.scope or "").split()
        allowed = set(self.request.client.scope.split())
        if not asked or not set(asked) <= allowed & KNOWN_SCOPES:
            raise InvalidScopeError(description="Ask for scopes this client was registered with.")


class TokenServer(AuthorizationServer):
    def handle_response(self, status_code, payload, headers):
        response = super().handle_response(status_code, payload, headers)
        response.headers["Content-Type"] = "application/json"
        return response


def _save_token(token: dict, oauth_request) -> None:
    now = clock.utcnow()
    db.session.add(FhirAccessToken(
        client_id=oauth_request.client.id, token_hash=hash_token(token["access_token"]), scope=token["scope"],
        assertion_jti=g.fhir_assertion_jti, issued_at=now, expires_at=now + timedelta(seconds=token["expires_in"])))
    db.session.flush()


def _query_client(client_id: str) -> FhirClient | None:
    client = find_client(client_id)
    return client if client is not None and client.active else None


def create_token_server(app) -> TokenServer:
    server = TokenServer()
    app.config.setdefault("OAUTH2_TOKEN_EXPIRES_IN", {"client_credentials": app.config["FHIR_TOKEN_SECONDS"]})
    server.init_app(app, query_client=_query_client, save_token=_save_token)
    server.register_grant(BackendClientCredentials)
    server.register_client_auth_method(SignedAssertion.CLIENT_AUTH_METHOD, SignedAssertion())
    return server


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Grant:
    """What a valid bearer token allows."""

    client: FhirClient
    scopes: frozenset[str]

    def may_read(self, resource_type: str) -> bool:
        return bool({f"system/{resource_type}.read", f"system/{resource_type}.rs"} & self.scopes)

    def may_create(self, resource_type: str) -> bool:
        return bool({f"system/{resource_type}.write", f"system/{resource_type}.c"} & self.scopes)


def grant_for_request(now: datetime) -> Grant | None:
    """The grant of the request's bearer token; None when it has none, or it is unknown, expired,
    or its client was revoked."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    row = db.session.scalar(select(FhirAccessToken).where(FhirAccessToken.token_hash == hash_token(token.strip())))
    if row is None or row.expires_at <= now or not row.client.active:
        return None
    return Grant(row.client, frozenset(row.scope.split()))


def token_server():
    return current_app.extensions["fhir_token_server"]
