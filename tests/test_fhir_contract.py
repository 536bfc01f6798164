"""schemathesis against the OpenAPI document derived from the CapabilityStatement
(/fhir/R4/openapi.json), over real HTTP with a valid partner token: whatever it sends, the
FHIR API never answers 5xx, and every answer is FHIR JSON."""

from __future__ import annotations

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings

from clinic_app.clock import utcnow
from clinic_app.extensions import db
from clinic_app.fhir.partners import READ_SCOPES, share_patient
from tests.factories import make_clinic, make_practitioner, make_service
from tests.fhir_support import access_token, live_server, make_treated_patient, new_key, register_partner

SCOPES = [*sorted(scope for scope in READ_SCOPES if scope.endswith(".read")), "system/Appointment.write"]


@pytest.fixture
def server(app):
    with live_server(app) as url:
        yield url


@pytest.fixture
def token(client, server):
    """A partner with every scope, a shared treated patient, and a bookable clinic."""
    clinic = make_clinic(slug="chelsea")
    service = make_service(clinics=[clinic], slug="follow-up")
    make_practitioner(clinic, services=[service])
    treated, _ = make_treated_patient()
    key = new_key()
    partner = register_partner(key, SCOPES)
    share_patient(partner, treated.patient_id, "shared", utcnow())
    db.session.commit()
    return access_token(client, partner, key, " ".join(SCOPES), audience=f"{server}/fhir/R4/auth/token")


def test_no_request_makes_the_fhir_api_fail(server, token):
    """Each operation of the document, a few generated requests each (schemathesis's strategies
    driven by hypothesis directly: its pytest plugin does not run under this pytest)."""
    document = requests.get(f"{server}/fhir/R4/openapi.json", timeout=30).json()
    operations = [result.ok() for result in schemathesis.openapi.from_dict(document).get_all_operations()]
    assert len(operations) == sum(len(methods) for methods in document["paths"].values())
    for operation in operations:
        answers_without_failing(operation, server, token)


def answers_without_failing(operation, server: str, token: str) -> None:
    @given(case=operation.as_strategy())
    @settings(max_examples=5, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def call(case):
        response = case.call(base_url=server, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.text}"
        content_type = response.headers.get("content-type", [""])[0]  # schemathesis: lower-case names, lists
        assert content_type.startswith("application/fhir+json"), f"{case.method} {case.formatted_path}"

    call()
