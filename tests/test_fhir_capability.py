"""The CapabilityStatement lists exactly what the server implements: every interaction it
names has a route, and every FHIR route is named in it."""

from __future__ import annotations

import re

from tests.fhir_support import fhir_get

# Routes under /fhir/R4/ that are not resource interactions.
INFRASTRUCTURE = {("GET", "/fhir/R4/metadata"), ("GET", "/fhir/R4/.well-known/smart-configuration"),
                  ("GET", "/fhir/R4/openapi.json"),
                  ("POST", "/fhir/R4/auth/token")}


def routed_interactions(app) -> set[tuple[str, str]]:
    """(resource type, interaction) for each FHIR route: GET /T/<id> read, GET /T search-type,
    POST /T create."""
    found = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/fhir/R4/"):
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if (method, rule.rule) in INFRASTRUCTURE:
                continue
            match = re.fullmatch(r"/fhir/R4/([A-Z][A-Za-z]+)(/<resource_id>)?", rule.rule)
            assert match, f"{method} {rule.rule} is neither a resource interaction nor listed infrastructure"
            kind = {("GET", True): "read", ("GET", False): "search-type", ("POST", False): "create"}
            found.add((match.group(1), kind[(method, bool(match.group(2)))]))
    return found


def declared_interactions(statement: dict) -> set[tuple[str, str]]:
    return {(resource["type"], interaction["code"]) for resource in statement["rest"][0]["resource"]
            for interaction in resource["interaction"]}


def test_capability_statement_lists_exactly_the_routes(app, client):
    statement = fhir_get(client, "/fhir/R4/metadata")
    assert declared_interactions(statement) == routed_interactions(app)


def test_the_statement_covers_the_resources_the_issue_asks_for(client):
    statement = fhir_get(client, "/fhir/R4/metadata")
    types = {resource["type"] for resource in statement["rest"][0]["resource"]}
    assert types >= {"Location", "Organization", "Practitioner", "PractitionerRole", "HealthcareService", "Schedule",
                     "Slot", "Patient", "Appointment", "Encounter", "Observation", "QuestionnaireResponse",
                     "CarePlan", "Provenance"}
    assert ("Appointment", "create") in declared_interactions(statement)


def test_the_token_endpoint_is_advertised_for_smart_backend_services(client):
    statement = fhir_get(client, "/fhir/R4/metadata")
    oauth = statement["rest"][0]["security"]["extension"][0]["extension"]
    assert oauth == [{"url": "token", "valueUri": "http://localhost/fhir/R4/auth/token"}]
    smart = client.get("/fhir/R4/.well-known/smart-configuration").get_json()
    assert smart["token_endpoint"] == "http://localhost/fhir/R4/auth/token"
    assert smart["token_endpoint_auth_signing_alg_values_supported"] == ["RS384", "ES384"]


def test_every_error_under_fhir_is_an_operation_outcome(client):
    for method, path, status in [("get", "/fhir/R4/Nothing/here", 404), ("delete", "/fhir/R4/Location/x", 405),
                                 ("post", "/fhir/R4/Location", 405)]:
        response = getattr(client, method)(path)
        assert response.status_code == status
        assert response.mimetype == "application/fhir+json"
        assert response.get_json()["resourceType"] == "OperationOutcome"
