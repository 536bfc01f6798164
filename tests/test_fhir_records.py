"""Patient records over FHIR for a registered partner: SMART Backend Services tokens, only the
patients shared with the partner, every read audited, every refusal an OperationOutcome."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from clinic_app import clock
from clinic_app.audit.models import AuditEvent
from clinic_app.clock import utcnow
from clinic_app.extensions import db
from clinic_app.fhir import clinical
from clinic_app.fhir.ids import encode_id
from clinic_app.fhir.partners import share_patient
from clinic_app.screening.models import StartBackScreen
from clinic_app.screening.rules import STARTBACK_QUESTIONS
from clinic_app.screening.startback import record_startback_by_patient
from tests.fhir_support import (
    access_token,
    entries,
    fhir_get,
    make_treated_patient,
    new_key,
    outcome_text,
    register_partner,
    token_request,
)

ALL_READS = " ".join(f"system/{name}.read" for name in (
    "Patient", "Appointment", "Encounter", "Observation", "QuestionnaireResponse", "CarePlan", "Provenance"))


@pytest.fixture
def key():
    return new_key()


@pytest.fixture
def partner(key):
    return register_partner(key, ALL_READS.split())


@pytest.fixture
def treated():
    booking, _ = make_treated_patient(first_name="Dana", last_name="Whitfield")
    return booking


@pytest.fixture
def shared(partner, treated):
    share_patient(partner, treated.patient_id, "shared", utcnow())
    db.session.commit()
    return treated


def audit(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def patient_ref(client, token) -> str:
    return entries(fhir_get(client, "/fhir/R4/Patient", token))[0]["id"]


def test_a_token_is_given_for_a_signed_assertion_and_lives_five_minutes(client, partner, key):
    response = token_request(client, partner.client_id, key, "system/Patient.read")
    assert response.status_code == 200
    assert response.get_json()["expires_in"] == 300 and response.get_json()["token_type"] == "Bearer"


def test_an_es384_key_works_too(client):
    key = new_key("EC")
    partner = register_partner(key, ["system/Patient.read"])
    assert token_request(client, partner.client_id, key, "system/Patient.read").status_code == 200


@pytest.mark.parametrize("trouble", ["another key", "replayed", "wrong audience", "too long", "scope not granted",
                                     "RS256"])
def test_a_bad_token_request_is_refused(client, partner, key, trouble):
    assertion = {}
    signer, scope = key, "system/Patient.read"
    if trouble == "another key":
        signer = new_key()
    if trouble == "replayed":
        assert token_request(client, partner.client_id, key, scope, jti="once").status_code == 200
        assertion["jti"] = "once"
    if trouble == "wrong audience":
        assertion["audience"] = "https://elsewhere.example/token"
    if trouble == "too long":
        assertion["lifetime"] = 3600
    if trouble == "scope not granted":
        scope = "system/Appointment.write"
    if trouble == "RS256":
        assertion["alg"] = "RS256"
    response = token_request(client, partner.client_id, signer, scope, **assertion)
    assert response.status_code in (400, 401)
    assert response.get_json()["error"] in ("invalid_client", "invalid_scope")


def test_a_partner_reads_the_patient_encounters_and_observations_it_was_shared(client, partner, key, shared):
    token = access_token(client, partner, key, ALL_READS)
    patient = entries(fhir_get(client, "/fhir/R4/Patient", token))[0]
    assert patient["name"][0] == {"use": "official", "family": "Whitfield", "given": ["Dana"]}
    assert patient["id"] != str(shared.patient_id) and len(patient["id"]) == 32  # opaque, not the database id
    encounters = entries(fhir_get(client, f"/fhir/R4/Encounter?patient=Patient/{patient['id']}", token))
    assert [e["status"] for e in encounters] == ["finished"]
    observations = entries(fhir_get(client, f"/fhir/R4/Observation?patient={patient['id']}", token))
    scores = sorted((o["code"]["coding"][0]["code"], o["valueQuantity"]["value"]) for o in observations)
    assert scores == [("72514-3", 4), ("72514-3", 6), ("97909-6", 35.6)]
    nprs = entries(fhir_get(client, f"/fhir/R4/Observation?patient={patient['id']}&code=http://loinc.org|72514-3",
                            token))
    assert len(nprs) == 2
    fhir_get(client, f"/fhir/R4/Observation/{observations[0]['id']}", token)


def test_questionnaire_care_plan_and_provenance_are_valid_and_linked(client, partner, key, shared):
    token = access_token(client, partner, key, ALL_READS)
    answers = entries(fhir_get(client, "/fhir/R4/QuestionnaireResponse", token))[0]
    assert [item.get("answer", [{}])[0].get("valueInteger") for item in answers["item"]][:8] == \
        [2, 1, 3, 2, 1, 2, 1, None]
    plans = entries(fhir_get(client, "/fhir/R4/CarePlan", token))
    assert [p["status"] for p in plans] == ["revoked", "active"]
    assert plans[1]["replaces"] == [{"reference": f"CarePlan/{plans[0]['id']}"}]
    provenance = entries(fhir_get(client, "/fhir/R4/Provenance", token))[0]
    assert provenance["agent"][0]["who"]["display"] == shared.practitioner.display_name
    assert provenance["target"][0]["reference"].startswith("Encounter/")


def test_a_startback_is_a_questionnaire_response_with_its_wording_and_result(client, partner, key, shared):
    record_startback_by_patient(shared, [1, 0, 1, 1, 1, 1, 0, 1, 4], shared.end_at + timedelta(hours=1))
    db.session.commit()
    token = access_token(client, partner, key, ALL_READS)
    found = entries(fhir_get(client, f"/fhir/R4/QuestionnaireResponse?patient={patient_ref(client, token)}", token))
    assert [r["questionnaire"].rsplit("/", 1)[1] for r in found] == \
        ["oswestry-disability-index-2.1a", "startback-screening-tool"]
    screen = fhir_get(client, f"/fhir/R4/QuestionnaireResponse/{found[1]['id']}", token)
    assert screen == found[1] and screen["id"] != found[0]["id"] and "extension" not in screen
    answers = {item["linkId"]: next(iter(item["answer"][0].values())) for item in screen["item"]}
    assert [item["text"] for item in screen["item"][:9]] == list(STARTBACK_QUESTIONS)
    assert [answers[f"startback-{n}"] for n in range(1, 10)] == [1, 0, 1, 1, 1, 1, 0, 1, 4]
    assert (answers["startback-total"], answers["startback-psychosocial"], answers["startback-risk-group"]) == \
        (7, 4, "high")
    assert screen["author"] == screen["subject"]
    assert [e.object_type for e in audit("fhir_read")] == ["QuestionnaireResponse"]
    assert len(audit("fhir_search")) == 2  # the Patient search, then the QuestionnaireResponse one


def test_a_startback_needs_the_questionnaire_scope_and_a_shared_patient(client, partner, key, treated):
    record_startback_by_patient(treated, [0] * 9, utcnow())
    db.session.commit()
    stranger_token = access_token(client, partner, key, ALL_READS)
    assert entries(fhir_get(client, "/fhir/R4/QuestionnaireResponse", stranger_token)) == []
    share_patient(partner, treated.patient_id, "shared", utcnow())
    db.session.commit()
    screen = db.session.scalar(select(StartBackScreen))
    opaque = clinical.startback_response_id(screen)
    assert opaque in {r["id"] for r in entries(fhir_get(client, "/fhir/R4/QuestionnaireResponse", stranger_token))}
    other_token = access_token(client, partner, key, "system/Patient.read")
    fhir_get(client, f"/fhir/R4/QuestionnaireResponse/{opaque}", other_token, status=403)
    for forged in (encode_id("QuestionnaireResponse", 2, screen.id), encode_id("Observation", 1, screen.id)):
        fhir_get(client, f"/fhir/R4/QuestionnaireResponse/{forged}", stranger_token, status=404)


def test_every_read_and_search_is_in_the_audit_trail_naming_the_partner(client, partner, key, shared):
    token = access_token(client, partner, key, ALL_READS)
    patient_id = patient_ref(client, token)
    fhir_get(client, f"/fhir/R4/Patient/{patient_id}", token)
    searched, read = audit("fhir_search"), audit("fhir_read")
    assert [(e.patient_id, e.actor_role, e.actor_id) for e in searched] == \
        [(shared.patient_id, f"fhir_client:{partner.id}", None)]
    assert [(e.patient_id, e.object_type) for e in read] == [(shared.patient_id, "Patient")]


def test_without_a_token_the_patient_is_refused_with_an_outcome_and_audited(client, partner, key, shared):
    patient_id = patient_ref(client, access_token(client, partner, key, ALL_READS))
    body = fhir_get(client, f"/fhir/R4/Patient/{patient_id}", status=401)
    assert "bearer token" in outcome_text(body)
    assert [(e.patient_id, e.actor_role) for e in audit("fhir_refused")] == [(shared.patient_id, "fhir_anonymous")]


def test_a_token_without_the_scope_is_refused_and_audited(client, partner, key, shared):
    token = access_token(client, partner, key, "system/Patient.read")
    patient_id = patient_ref(client, token)
    body = fhir_get(client, f"/fhir/R4/Observation?patient=Patient/{patient_id}", token, status=403)
    assert "system/Observation.read" in outcome_text(body)
    assert [e.object_type for e in audit("fhir_refused")] == ["Observation"]


def test_an_expired_token_is_refused(client, partner, key, shared, monkeypatch):
    token = access_token(client, partner, key, ALL_READS)
    fhir_get(client, "/fhir/R4/Patient", token)
    later = utcnow() + timedelta(seconds=301)
    monkeypatch.setattr(clock, "utcnow", lambda: later)
    assert "bearer token" in outcome_text(fhir_get(client, "/fhir/R4/Patient", token, status=401))


def test_a_patient_not_shared_with_the_partner_is_refused_and_audited(client, partner, key, shared):
    stranger, _ = make_treated_patient(first_name="Other")
    other = register_partner(new_key(), ALL_READS.split())
    share_patient(other, stranger.patient_id, "shared", utcnow())
    db.session.commit()
    token = access_token(client, partner, key, ALL_READS)
    patient_ids = [p["id"] for p in entries(fhir_get(client, "/fhir/R4/Patient", token))]
    assert len(patient_ids) == 1  # only the shared one is listed
    from clinic_app.fhir.clinical import patient_id

    stranger_id = patient_id(stranger.patient_id)
    fhir_get(client, f"/fhir/R4/Patient/{stranger_id}", token, status=403)
    fhir_get(client, f"/fhir/R4/Encounter?patient={stranger_id}", token, status=403)
    assert [e.patient_id for e in audit("fhir_refused")] == [stranger.patient_id] * 2


def test_a_revoked_partner_token_stops_working(client, partner, key, shared):
    from clinic_app.fhir.partners import revoke_client

    token = access_token(client, partner, key, ALL_READS)
    revoke_client(partner, utcnow())
    db.session.commit()
    fhir_get(client, "/fhir/R4/Patient", token, status=401)
    assert token_request(client, partner.client_id, key, "system/Patient.read").status_code in (400, 401)


def test_draft_notes_do_not_leave(client, partner, key):
    from tests.factories import make_booking

    booking = make_booking()
    share_patient(partner, booking.patient_id, "shared", utcnow())
    db.session.commit()
    token = access_token(client, partner, key, ALL_READS)
    assert entries(fhir_get(client, "/fhir/R4/Provenance", token)) == []
    assert entries(fhir_get(client, "/fhir/R4/Encounter", token)) == []
    assert [a["status"] for a in entries(fhir_get(client, "/fhir/R4/Appointment", token))] == ["booked"]


@pytest.mark.parametrize("patient", ["0", "Patient/not-an-id", "x" * 300])
def test_a_patient_id_that_names_nobody_matches_nothing(client, partner, key, shared, patient):
    """Found by schemathesis: such an id was once written to the audit trail as a refusal."""
    token = access_token(client, partner, key, ALL_READS)
    assert fhir_get(client, f"/fhir/R4/Appointment?patient={patient}", token)["total"] == 0
    assert audit("fhir_refused") == []


def test_head_office_sees_a_partners_reads_in_the_audit_trail(client, partner, key, shared):
    from clinic_app.accounts.models import Role
    from tests.factories import make_user

    token = access_token(client, partner, key, ALL_READS)
    fhir_get(client, "/fhir/R4/Patient", token)
    head_office = make_user(Role.HEAD_OFFICE)
    client.login(head_office.email)
    page = client.get(f"/headoffice/audit?patient_id={shared.patient_id}").text
    assert "partner system (FHIR)" in page and f"fhir client:{partner.id}" in page
