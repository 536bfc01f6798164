"""What the server implements, declared once beside each route (``@supports``), and the
CapabilityStatement built from those declarations, so the statement cannot list an interaction
that has no route or miss one that has (tests/test_fhir_capability.py compares the two)."""

from __future__ import annotations

from dataclasses import dataclass, field

from clinic_app.fhir.responses import fhir_base

FHIR_VERSION = "4.0.1"
SOFTWARE_VERSION = "2026.12"
SMART_SCOPES = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"


@dataclass(frozen=True)
class SearchParam:
    name: str
    type: str  # FHIR search-param-type: token, reference, date, string, special, number
    documentation: str


@dataclass
class ResourceSupport:
    profile: str | None = None
    public: bool = False
    interactions: set[str] = field(default_factory=set)
    search_params: list[SearchParam] = field(default_factory=list)


SUPPORTED: dict[str, ResourceSupport] = {}
COMMON_PARAMS = [SearchParam("_id", "token", "The resource's id."),
                 SearchParam("_count", "number", "Entries per page (default 20, at most 100)."),
                 SearchParam("_offset", "number", "Entries to skip: the Bundle's next link sets it.")]


def supports(resource_type: str, interaction: str, params: tuple[SearchParam, ...] = (), public: bool = False,
             profile: str | None = None):
    """Declare that the decorated view implements ``interaction`` (read, search-type, create)
    on ``resource_type``; the CapabilityStatement lists exactly these."""
    support = SUPPORTED.setdefault(resource_type, ResourceSupport())
    support.public = support.public or public
    support.profile = support.profile or profile
    support.interactions.add(interaction)
    if interaction == "search-type":
        support.search_params = [*COMMON_PARAMS, *params]

    def decorator(view):
        return view

    return decorator


def capability_statement(published: str) -> dict:
    return {
        "resourceType": "CapabilityStatement", "id": "back-solution", "status": "active", "date": published,
        "kind": "instance", "fhirVersion": FHIR_VERSION, "format": ["json"], "patchFormat": [],
        "publisher": "Back Solution", "name": "BackSolutionFhirServer",
        "software": {"name": "Back Solution clinic app", "version": SOFTWARE_VERSION},
        "implementation": {"description": "Back Solution FHIR R4 API", "url": fhir_base()},
        "implementationGuide": ["http://hl7.org/fhir/us/core/ImplementationGuide/hl7.fhir.us.core"],
        "rest": [{"mode": "server", "security": _security(), "resource": [
            _resource(name, support) for name, support in sorted(SUPPORTED.items())]}],
    }


def _security() -> dict:
    return {
        "cors": False,
        "service": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                                 "code": "SMART-on-FHIR"}]}],
        "description": "Location, Organization, HealthcareService, Practitioner, PractitionerRole, Schedule and "
                       "Slot are public. Everything about patients needs a SMART Backend Services token "
                       "(client credentials with a private_key_jwt assertion, RS384 or ES384) from the token "
                       "endpoint, with system/<Resource>.read scopes (system/Appointment.write to book).",
        "extension": [{"url": SMART_SCOPES, "extension": [
            {"url": "token", "valueUri": f"{fhir_base()}/auth/token"}]}],
    }


def _resource(name: str, support: ResourceSupport) -> dict:
    resource: dict = {"type": name, "interaction": [{"code": code} for code in sorted(support.interactions)]}
    if support.profile:
        resource["supportedProfile"] = [support.profile]
    if "search-type" in support.interactions:
        resource["searchParam"] = [{"name": p.name, "type": p.type, "documentation": p.documentation}
                                   for p in support.search_params]
    resource["documentation"] = "Public." if support.public else "Needs a SMART Backend Services token."
    return resource
