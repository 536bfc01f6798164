"""Partner clients of the FHIR API: registered, revoked, and told which patients they may
read. Flush, never commit: the command or view commits."""

from __future__ import annotations

import secrets
from datetime import datetime

from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy import select

from clinic_app.errors import ValidationFailed
from clinic_app.extensions import db
from clinic_app.fhir.models import FhirClient, FhirClientPatient

# The resources about patients, each read with system/<type>.read (SMART v1) or .rs (v2).
PATIENT_RESOURCES = ("Patient", "Appointment", "Encounter", "Observation", "QuestionnaireResponse", "CarePlan",
                     "Provenance")
READ_SCOPES = frozenset(f"system/{name}.{suffix}" for name in PATIENT_RESOURCES for suffix in ("read", "rs"))
WRITE_SCOPES = frozenset({"system/Appointment.write", "system/Appointment.c"})
KNOWN_SCOPES = READ_SCOPES | WRITE_SCOPES
SIGNING_ALGORITHMS = ("RS384", "ES384")  # what SMART Backend Services requires a server to accept


def register_client(name: str, jwks: dict, scopes: list[str]) -> FhirClient:
    """A new partner, with a random client id, its public key set and the scopes it may ask for."""
    unknown = sorted(set(scopes) - KNOWN_SCOPES)
    if unknown or not scopes:
        raise ValidationFailed(f"Unknown scopes: {' '.join(unknown) or '(none given)'}. "
                               f"Known: {' '.join(sorted(KNOWN_SCOPES))}.", "scope")
    _check_public_keys(jwks)
    client = FhirClient(client_id=secrets.token_hex(16), name=name.strip()[:120], jwks=jwks, scope=" ".join(scopes))
    db.session.add(client)
    db.session.flush()
    return client


def _check_public_keys(jwks: dict) -> None:
    """A JWK Set of RSA or P-384 public keys only: a private key sent here would be a leak."""
    try:
        keys = KeySet.import_key_set(jwks)  # type: ignore[arg-type]  # checked below
    except (JoseError, ValueError, TypeError, KeyError):
        raise ValidationFailed("The key set is not a JWK Set (RFC 7517).", "jwks") from None
    if not keys.keys or any(key.is_private for key in keys.keys):
        raise ValidationFailed("Give the client's public keys only (a JWK Set without private parts).", "jwks")
    if any(key.key_type not in ("RSA", "EC") for key in keys.keys):
        raise ValidationFailed("Keys must be RSA (RS384) or EC P-384 (ES384).", "jwks")


def find_client(client_id: str) -> FhirClient | None:
    return db.session.scalar(select(FhirClient).where(FhirClient.client_id == client_id[:64]))


def list_clients() -> list[FhirClient]:
    return list(db.session.scalars(select(FhirClient).order_by(FhirClient.id)))


def revoke_client(client: FhirClient, now: datetime) -> None:
    """No new tokens, and those it holds stop working at once."""
    client.revoked_at = client.revoked_at or now
    db.session.flush()


def share_patient(client: FhirClient, patient_id: int, reason: str, now: datetime) -> None:
    """Let ``client`` read this patient's record (idempotent)."""
    if db.session.get(FhirClientPatient, (client.id, patient_id)) is None:
        db.session.add(FhirClientPatient(client_id=client.id, patient_id=patient_id, reason=reason, since=now))
        db.session.flush()


def shared_patient_ids(client: FhirClient) -> set[int]:
    return set(db.session.scalars(select(FhirClientPatient.patient_id).where(FhirClientPatient.client_id == client.id)))
