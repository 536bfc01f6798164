"""A real FHIR client library (fhirpy) against the FHIR API served over HTTP, with no special
cases: it finds a clinic near a point, searches free Slots, books an Appointment and reads it
back; then, as a registered backend client with a SMART token, it reads a demo patient's
Patient, Encounters and Observations. Every resource it receives validates with fhir.resources."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import requests
from fhirpy import SyncFHIRClient
from fhirpy.base.exceptions import AuthorizationError, ResourceNotFound

from clinic_app.clock import utcnow
from clinic_app.extensions import db
from clinic_app.fhir.partners import share_patient
from tests.factories import make_clinic, make_practitioner, make_service
from tests.fhir_support import (
    live_server,
    make_treated_patient,
    new_key,
    register_partner,
    signed_assertion,
    validated,
)

READS = "system/Patient.read system/Encounter.read system/Observation.read system/Appointment.read"


@pytest.fixture
def server(app):
    with live_server(app) as url:
        yield url


def smart_token(base: str, client_id: str, key, scope: str) -> str:
    """What a backend service does: discover the token endpoint, post a signed assertion."""
    endpoint = requests.get(f"{base}/fhir/R4/.well-known/smart-configuration", timeout=30).json()["token_endpoint"]
    response = requests.post(endpoint, timeout=30, data={
        "grant_type": "client_credentials", "scope": scope,
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": signed_assertion(client_id, key, audience=endpoint)})
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def checked(resource) -> dict:
    return validated(resource.serialize())


def test_a_fhir_client_finds_books_and_reads_back_then_reads_a_patients_record(server):
    chelsea = make_clinic(name="Back Solution Back Bay", slug="back-bay", city="Boston", state="MA", zip_code="02116",
                          latitude=42.3503, longitude=-71.0810)
    service = make_service(clinics=[chelsea], slug="follow-up", name="Follow-up treatment")
    make_practitioner(chelsea, services=[service], display_name="Jordan Reyes")
    demo, _ = make_treated_patient(first_name="Dana", last_name="Whitfield")
    key = new_key()
    partner = register_partner(key, [*READS.split(), "system/Appointment.write"])
    share_patient(partner, demo.patient_id, "shared", utcnow())
    db.session.commit()

    public = SyncFHIRClient(f"{server}/fhir/R4")
    locations = public.resources("Location").search(near="42.35|-71.07|5|mi").fetch()
    assert [checked(loc)["id"] for loc in locations] == ["back-bay"]
    schedules = public.resources("Schedule").search(actor="Location/back-bay").fetch()
    start = (utcnow() + timedelta(days=3)).date().isoformat()
    slots = public.resources("Slot").search(schedule=schedules[0].id, start__ge=start).limit(3).fetch()
    assert len(slots) == 3 and all(checked(slot)["status"] == "free" for slot in slots)

    partner_client = SyncFHIRClient(f"{server}/fhir/R4", authorization="Bearer " + smart_token(
        server, partner.client_id, key, READS + " system/Appointment.write"))
    appointment = partner_client.resource("Appointment", status="proposed", slot=[{"reference": f"Slot/{slots[0].id}"}],
                                          contained=[{"resourceType": "Patient", "id": "p",
                                                      "name": [{"family": "Okafor", "given": ["Ada"]}],
                                                      "birthDate": "1984-05-02",
                                                      "telecom": [{"system": "email", "value": "ada@example.com"}]}],
                                          participant=[{"actor": {"reference": "#p"}, "status": "accepted"}])
    appointment.save()
    assert appointment.id and appointment["status"] == "booked"
    read_back = partner_client.reference("Appointment", appointment.id).to_resource()
    assert checked(read_back)["start"] == slots[0]["start"]

    patients = partner_client.resources("Patient").search(family="Whitfield").fetch()
    assert [checked(p)["name"][0]["given"] for p in patients] == [["Dana"]]
    encounters = partner_client.resources("Encounter").search(patient=patients[0].id).fetch_all()
    assert [checked(e)["status"] for e in encounters] == ["finished"]
    observations = partner_client.resources("Observation").search(patient=patients[0].id).fetch_all()
    assert sorted(checked(o)["valueQuantity"]["value"] for o in observations) == [4, 6, 35.6]


def test_the_client_library_sees_refusals_as_operation_outcomes(server):
    client = SyncFHIRClient(f"{server}/fhir/R4")
    with pytest.raises(AuthorizationError) as refused:
        client.resources("Patient").fetch()
    assert validated(json.loads(str(refused.value)))["issue"][0]["code"] == "login"
    with pytest.raises(ResourceNotFound) as missing:
        client.reference("Location", "nowhere").to_resource()
    assert validated(json.loads(str(missing.value)))["issue"][0]["code"] == "not-found"
