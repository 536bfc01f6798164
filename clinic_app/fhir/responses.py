"""How the FHIR API answers: resources as application/fhir+json, searches as paged Bundles,
and every error as an OperationOutcome (registered with clinic_app.errors for /fhir/, so even
a 404 for an unknown address, a 405, a 429 or a 503 has that shape)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import Response, current_app, request

from clinic_app.errors import DomainError

FHIR_JSON = "application/fhir+json"
DEFAULT_PAGE_SIZE = 20
LARGEST_PAGE_SIZE = 100

# HTTP status -> OperationOutcome issue code (http://hl7.org/fhir/issue-type).
ISSUE_CODES = {
    400: "invalid", 401: "login", 403: "forbidden", 404: "not-found", 405: "not-supported", 406: "not-supported",
    409: "conflict", 410: "deleted", 413: "too-long", 415: "not-supported", 422: "processable", 429: "throttled",
    500: "exception", 503: "transient",
}


class FhirError(DomainError):
    """A refusal the FHIR API states as an OperationOutcome with this status."""

    def __init__(self, status: int, message: str, code: str = "invalid"):
        super().__init__(message)
        self.status = status
        self.code = code


def fhir_response(resource: dict, status: int = 200, headers: dict | None = None) -> Response:
    body = json.dumps(resource, ensure_ascii=False, separators=(",", ":"))
    response = current_app.response_class(body, status=status, mimetype=FHIR_JSON, headers=headers)
    response.headers["Content-Type"] = f"{FHIR_JSON}; charset=utf-8"
    return response


def operation_outcome(status: int, message: str, field_errors: dict | None = None) -> dict:
    issues: list[dict] = [{"severity": "error", "code": ISSUE_CODES.get(status, "processing"), "diagnostics": message}]
    for field, problems in (field_errors or {}).items():
        texts = problems if isinstance(problems, list) else [problems]
        issues.append({"severity": "error", "code": "invalid", "diagnostics": " ".join(map(str, texts)),
                       "expression": [str(field)]})
    return {"resourceType": "OperationOutcome", "issue": issues}


def outcome_response(status: int, code: str, message: str, field_errors: dict | None = None) -> Response:
    """clinic_app.errors' error_response for paths under /fhir/."""
    headers = {"WWW-Authenticate": 'Bearer realm="fhir"'} if status == 401 else None
    return fhir_response(operation_outcome(status, message, field_errors), status, headers)


@dataclass(frozen=True)
class Page:
    """Which page of a search to answer: ``_count`` entries from ``_offset``."""

    count: int
    offset: int

    @classmethod
    def from_request(cls) -> Page:
        return cls(_bounded_int("_count", DEFAULT_PAGE_SIZE, 0, LARGEST_PAGE_SIZE),
                   _bounded_int("_offset", 0, 0, 1_000_000))


def _bounded_int(name: str, default: int, lowest: int, highest: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()):
        raise FhirError(400, f"{name} must be a whole number.")
    return min(max(int(raw), lowest), highest)


def search_bundle(resource_type: str, resources: Sequence[dict], total: int, page: Page,
                  used: dict[str, str], included: Sequence[dict] = ()) -> dict:
    """A searchset Bundle of one page, with self, first, next and previous links carrying the
    parameters the search used (FHIR says the self link shows what was applied)."""
    base = f"{public_base()}{request.path}"

    def link(relation: str, offset: int) -> dict:
        query = {**used, "_count": str(page.count), "_offset": str(offset)}
        return {"relation": relation, "url": f"{base}?{urlencode(query)}"}

    links = [link("self", page.offset), link("first", 0)]
    if page.offset + page.count < total and page.count:
        links.append(link("next", page.offset + page.count))
    if page.offset > 0:
        links.append(link("previous", max(page.offset - page.count, 0)))
    entries = [_entry(resource, "match") for resource in resources]
    entries += [_entry(resource, "include") for resource in included]
    return {"resourceType": "Bundle", "type": "searchset", "total": total, "link": links, "entry": entries}


def _entry(resource: dict, mode: str) -> dict:
    return {"fullUrl": full_url(resource["resourceType"], resource["id"]), "resource": resource,
            "search": {"mode": mode}}


def public_base() -> str:
    """The site's address from PUBLIC_URL, never from the Host header a client sends."""
    return current_app.config["PUBLIC_URL"].rstrip("/")


def fhir_base() -> str:
    return f"{public_base()}/fhir/R4"


def full_url(resource_type: str, resource_id: str) -> str:
    return f"{fhir_base()}/{resource_type}/{resource_id}"
