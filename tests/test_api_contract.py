"""The API keeps to its own OpenAPI document (/api/v1/openapi.json): regressions for what
`make security` (schemathesis --checks all) found. A client generated from the document must
be able to trust what it says is accepted, and what comes back."""

import re

import pytest

from tests.factories import make_booking


@pytest.fixture
def document(client) -> dict:
    return client.get("/api/v1/openapi.json").get_json()


def component(document: dict, ref: dict) -> dict:
    return document["components"]["schemas"][ref["$ref"].rsplit("/", 1)[-1]]


def test_the_api_index_is_documented_as_what_it_answers(client, document):
    answer = client.get("/api/v1/")
    documented = document["paths"]["/api/v1/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer.status_code == 200
    assert answer.get_json() == {"name": "Back Solution API", "version": "v1", "openapi": "/api/v1/openapi.json"}
    assert set(component(document, documented)["properties"]) == {"name", "version", "openapi"}


@pytest.mark.parametrize(("method", "path", "allowed"), [
    ("TRACE", "/api/v1/clinics", {"GET", "HEAD", "OPTIONS"}),
    ("DELETE", "/api/v1/bookings", {"POST", "OPTIONS"}),
    ("PUT", "/clinics/nearest", {"GET", "HEAD", "OPTIONS"}),
])
def test_a_method_not_taken_is_refused_naming_the_methods_that_are(client, method, path, allowed):
    response = client.open(path, method=method)
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) == allowed


def test_the_api_still_answers_a_refused_method_in_json(client):
    response = client.open("/api/v1/services", method="TRACE")
    assert response.get_json()["error"]["code"] == "method_not_allowed"


@pytest.mark.parametrize(("schema", "field"), [
    ("Cancel", "reason"), ("Patient", "first_name"), ("Patient", "last_name"),
])
def test_the_document_says_that_blank_text_is_refused(document, schema, field):
    """Control characters are dropped and spaces trimmed before the length is checked, so
    text of only those is refused: the document's pattern says so (JSON Schema patterns
    match anywhere, as re.search does)."""
    pattern = document["components"]["schemas"][schema]["properties"][field]["pattern"]
    for blank in (" ", "\u0003", " \t\u0085\u007f "):
        assert re.search(pattern, blank) is None, repr(blank)
    for text in ("Lee", "  O'Brien ", "é", "?"):
        assert re.search(pattern, text), repr(text)


def test_a_reason_of_only_control_characters_is_refused_and_nothing_is_cancelled(client, app):
    booking = make_booking()
    token = _token_of(booking)
    response = client.post(f"/api/v1/bookings/{token}/cancel", json={"reason": "\u0003"})
    assert response.status_code == 422
    assert "This can't be blank." in response.get_json()["error"]["fields"]["reason"]
    assert booking.status == "booked"


def _token_of(booking) -> str:
    """A manage token for ``booking`` (only its hash is stored), set as the service would."""
    from clinic_app.extensions import db
    from clinic_app.scheduling.booking import hash_token

    token = "contract-test-token-0123456789abcdefghij"
    booking.manage_token_hash = hash_token(token)
    db.session.commit()
    return token
