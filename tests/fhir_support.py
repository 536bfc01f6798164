"""Helpers for the FHIR API tests: every answer is checked against the FHIR models of
fhir.resources (R4B, whose models of the resources served here are those of R4)."""

from __future__ import annotations

from contextlib import contextmanager

from fhir.resources.R4B import get_fhir_model_class

FHIR_JSON = "application/fhir+json"


def validated(body: dict) -> dict:
    """``body`` after fhir.resources has validated it (and each resource in a Bundle); raises
    pydantic's ValidationError when it is not valid FHIR."""
    get_fhir_model_class(body["resourceType"]).model_validate(body)
    for entry in body.get("entry", []) if body["resourceType"] == "Bundle" else []:
        validated(entry["resource"])
    return body


def fhir_get(client, path: str, token: str | None = None, status: int = 200) -> dict:
    """GET a FHIR address; check the status, the media type and the body's validity."""
    headers = {"Accept": FHIR_JSON, **({"Authorization": f"Bearer {token}"} if token else {})}
    response = client.get(path, headers=headers)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == FHIR_JSON
    return validated(response.get_json())


def entries(bundle: dict) -> list[dict]:
    return [entry["resource"] for entry in bundle.get("entry", [])]


def outcome_text(body: dict) -> str:
    assert body["resourceType"] == "OperationOutcome"
    return " ".join(issue.get("diagnostics", "") for issue in body["issue"])


def new_key(kind: str = "RSA"):
    """A partner's private key: RSA for RS384, EC P-384 for ES384."""
    from joserfc.jwk import ECKey, RSAKey

    return RSAKey.generate_key(2048, {"kid": "partner-1"}) if kind == "RSA" else \
        ECKey.generate_key("P-384", {"kid": "partner-ec"})


def public_jwks(key) -> dict:
    return {"keys": [key.as_dict(private=False)]}


def register_partner(key, scopes=("system/Patient.read", "system/Encounter.read", "system/Observation.read",
                                  "system/Appointment.read", "system/Appointment.write")):
    from clinic_app.extensions import db
    from clinic_app.fhir.partners import register_client

    client = register_client("Hudson Spine EHR", public_jwks(key), list(scopes))
    db.session.commit()
    return client


def signed_assertion(client_id: str, key, audience: str = "http://localhost/fhir/R4/auth/token",
                     lifetime: int = 240, jti: str | None = None, alg: str | None = None) -> str:
    import time
    import uuid

    from joserfc import jwt

    now = int(time.time())
    claims = {"iss": client_id, "sub": client_id, "aud": audience, "exp": now + lifetime,
              "jti": jti or uuid.uuid4().hex}
    algorithm = alg or ("RS384" if key.key_type == "RSA" else "ES384")
    return jwt.encode({"alg": algorithm, "kid": key.kid, "typ": "JWT"}, claims, key, algorithms=[algorithm])


def token_request(client, client_id: str, key, scope: str, **assertion):
    return client.post("/fhir/R4/auth/token", data={
        "grant_type": "client_credentials", "scope": scope,
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": signed_assertion(client_id, key, **assertion)})


def access_token(client, partner, key, scope: str, **assertion) -> str:
    response = token_request(client, partner.client_id, key, scope, **assertion)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["access_token"]


def make_treated_patient(**patient):
    """A patient seen once (checked in and seen) with a signed note (pain 6 before, 4 after), an
    intake ODI, and two versions of a home programme: (booking, practitioner's actor)."""
    from datetime import timedelta

    from clinic_app.audit.service import Actor
    from clinic_app.clock import utcnow
    from clinic_app.extensions import db
    from clinic_app.scheduling.models import BookingStatus
    from clinic_app.scheduling.visits import mark_visit
    from clinic_app.treatments.charts import record_odi
    from clinic_app.treatments.library import seed_exercise_library
    from clinic_app.treatments.notes import NoteDetails, note_for_visit, save_draft, sign_note
    from clinic_app.treatments.programmes import Dose, exercise_library, prescribe_programme
    from tests.factories import make_booking

    booking = make_booking(**patient)
    author = Actor(booking.practitioner.user, "203.0.113.7")
    after = booking.end_at + timedelta(minutes=5)
    mark_visit(author, booking, BookingStatus.ARRIVED, booking.start_at)
    mark_visit(author, booking, BookingStatus.COMPLETED, after)
    note = note_for_visit(author, booking, after)
    save_draft(author, note, NoteDetails(subjective="Ache after gardening", assessment="Mechanical low back pain",
                                         pain_before=6, pain_after=4, body_region="lumbar"), after)
    sign_note(author, note, after)
    record_odi(author, booking.patient, [2, 1, 3, 2, 1, 2, 1, None, 2, 2], "intake", after)
    if not exercise_library():
        seed_exercise_library()
    first, second = exercise_library()[:2]
    prescribe_programme(author, booking.patient, booking.practitioner, [Dose(first.id, 2, 10)], "", after)
    prescribe_programme(author, booking.patient, booking.practitioner, [Dose(second.id, 1, 8, 5)], "Add bridges",
                        after + timedelta(minutes=1))
    db.session.commit()
    assert utcnow() > after
    return booking, author


@contextmanager
def live_server(app):
    """The app on a real local HTTP server (threads), PUBLIC_URL set to its address: its URL."""
    import threading

    from werkzeug.serving import make_server

    http = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{http.server_port}"
    app.config["PUBLIC_URL"] = url
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        yield url
    finally:
        http.shutdown()
        thread.join(timeout=10)
