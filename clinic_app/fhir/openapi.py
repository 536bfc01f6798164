"""An OpenAPI 3 description of the FHIR API, derived from the CapabilityStatement (so it lists
exactly what that lists): for schemathesis and other OpenAPI tooling, which cannot read a
CapabilityStatement. Served at /fhir/R4/openapi.json."""

from __future__ import annotations

FHIR_ID = {"type": "string", "pattern": "^[A-Za-z0-9.-]{1,64}$"}
FHIR_BODY = {"application/fhir+json": {"schema": {"type": "object"}}}
PARAM_SCHEMAS = {"number": {"type": "integer", "minimum": 0, "maximum": 100}}


def openapi_document(statement: dict) -> dict:
    paths: dict[str, dict] = {"/fhir/R4/metadata": {"get": _operation("metadata", "The CapabilityStatement.", True)}}
    for resource in statement["rest"][0]["resource"]:
        name, public = resource["type"], resource["documentation"] == "Public."
        codes = {interaction["code"] for interaction in resource["interaction"]}
        if "read" in codes:
            read = _operation(f"read{name}", f"Read a {name}.", public)
            read["parameters"] = [{"name": "id", "in": "path", "required": True, "schema": FHIR_ID}]
            paths[f"/fhir/R4/{name}/{{id}}"] = {"get": read}
        type_path: dict[str, dict] = {}
        if "search-type" in codes:
            search = _operation(f"search{name}", f"Search {name} (a Bundle).", public)
            search["parameters"] = [{"name": p["name"], "in": "query", "required": False,
                                     "schema": PARAM_SCHEMAS.get(p["type"], {"type": "string"}),
                                     "description": p["documentation"]} for p in resource["searchParam"]]
            type_path["get"] = search
        if "create" in codes:
            create = _operation(f"create{name}", f"Create a {name}.", public)
            create["requestBody"] = {"required": True, "content": FHIR_BODY}
            type_path["post"] = create
        if type_path:
            paths[f"/fhir/R4/{name}"] = type_path
    return {
        "openapi": "3.0.3",
        "info": {"title": "Back Solution FHIR R4 API", "version": statement["software"]["version"]},
        "paths": paths,
        "components": {"securitySchemes": {"smartBackend": {"type": "http", "scheme": "bearer"}}},
    }


def _operation(operation_id: str, summary: str, public: bool) -> dict:
    operation: dict = {"operationId": operation_id, "summary": summary, "responses": {
        "200": {"description": "The resource or Bundle.", "content": FHIR_BODY},
        "default": {"description": "An OperationOutcome.", "content": FHIR_BODY}}}
    if not public:
        operation["security"] = [{"smartBackend": []}]
    return operation
