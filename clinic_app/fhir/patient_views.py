"""The resources about patients: a SMART Backend Services token with the resource's scope is
needed, only patients shared with the client are shown, and every read, search and refusal is
in the audit trail."""

from __future__ import annotations

import logging
from datetime import datetime

from flask import current_app, request

from clinic_app import clock
from clinic_app.extensions import begin_serialised_transaction, db, limiter
from clinic_app.fhir import clinical
from clinic_app.fhir import records as found
from clinic_app.fhir.auth import grant_for_request
from clinic_app.fhir.booking import book_from_appointment, parse_appointment
from clinic_app.fhir.capability import SearchParam, supports
from clinic_app.fhir.ids import decode_record_id
from clinic_app.fhir.params import date_range, reference_ids, token_codes, used, values
from clinic_app.fhir.records import Reader, Refused
from clinic_app.fhir.responses import FhirError, Page, fhir_response, full_url, outcome_response, search_bundle
from clinic_app.fhir.views import bp

log = logging.getLogger(__name__)
US_CORE = "http://hl7.org/fhir/us/core/StructureDefinition/"
PATIENT_PARAM = SearchParam("patient", "reference", "The Patient (one shared with your client); all shared "
                                                    "patients when left out.")
DATE_PARAM = SearchParam("date", "date", "ge/gt/le/lt bounds on when it happened.")
SEARCH_PARAMS: dict[str, tuple[SearchParam, ...]] = {
    "Patient": (SearchParam("identifier", "token", "Our patient identifier."),
                SearchParam("birthdate", "date", "The date of birth."),
                SearchParam("family", "string", "Part of the family name, any case.")),
    "Appointment": (PATIENT_PARAM, DATE_PARAM, SearchParam("status", "token", "booked, fulfilled, cancelled, ...")),
    "Encounter": (PATIENT_PARAM, DATE_PARAM),
    "Observation": (PATIENT_PARAM, DATE_PARAM, SearchParam("code", "token", "LOINC 72514-3 (NPRS) or 97909-6 (ODI).")),
    "QuestionnaireResponse": (PATIENT_PARAM,),
    "CarePlan": (PATIENT_PARAM,),
    "Provenance": (PATIENT_PARAM,),
}
PROFILES = {"Patient": "us-core-patient", "Encounter": "us-core-encounter",
            "QuestionnaireResponse": "us-core-questionnaireresponse", "CarePlan": "us-core-careplan",
            "Provenance": "us-core-provenance"}
WHEN = {"Appointment": "start", "Encounter": "period", "Observation": "effectiveDateTime"}


@bp.errorhandler(Refused)
def refused(error: Refused):
    """The request's work is undone; the refusal itself is kept in the audit trail."""
    db.session.rollback()
    found.record_refusal(error)
    db.session.commit()
    if error.patient_id is None:
        log.warning("FHIR request refused (%s) on %s", error.status, request.url_rule.rule if request.url_rule else "?")
    return outcome_response(error.status, error.code, error.message)


def reader_for(resource_type: str, create: bool = False) -> Reader:
    """The reader behind the request's token, when it may do this; Refused otherwise (401 without
    a valid token, 403 without the scope)."""
    now = clock.utcnow()
    grant = grant_for_request(now)
    reader = Reader(grant.client if grant else None, request.remote_addr or "", now)
    if grant is None:
        raise Refused(reader, _named_patient(resource_type), resource_type, 401,
                      "A valid bearer token is needed (tokens live a few minutes: ask the token endpoint again).")
    allowed = grant.may_create(resource_type) if create else grant.may_read(resource_type)
    if not allowed:
        scope = f"system/{resource_type}.{'write' if create else 'read'}"
        raise Refused(reader, _named_patient(resource_type), resource_type, 403, f"This token has no {scope} scope.")
    return reader


def _named_patient(resource_type: str) -> int | None:
    """The patient the request is about, for the audit trail of a refusal."""
    resource_id = (request.view_args or {}).get("resource_id")
    if resource_id:
        return found.owner_of(resource_type, resource_id)
    named = [decode_record_id("Patient", ref.rpartition("/")[2]) for ref in values("patient")]
    return next((patient_id for patient_id in named if patient_id is not None), None)


def read(resource_type: str, resource_id: str):
    reader = reader_for(resource_type)
    resource = found.read_resource(reader, resource_type, resource_id)
    db.session.commit()
    return fhir_response(resource)


def search(resource_type: str):
    reader = reader_for(resource_type)
    patient_ids = _patients_asked_for(reader, resource_type)
    matches = [f for f in found.search_resources(reader, resource_type, patient_ids) if _matches(resource_type, f)]
    wanted_ids = set(values("_id"))
    if wanted_ids:
        matches = [f for f in matches if f.resource["id"] in wanted_ids]
    page = Page.from_request()
    shown = matches[page.offset:page.offset + page.count]
    found.audit_shown(reader, resource_type, shown)
    db.session.commit()
    applied = ["_id", *(p.name for p in SEARCH_PARAMS[resource_type])]
    return fhir_response(search_bundle(resource_type, [f.resource for f in shown], len(matches), page, used(*applied)))


def _patients_asked_for(reader: Reader, resource_type: str) -> list[int] | None:
    if resource_type == "Patient" or not request.args.get("patient"):
        return None
    ids = [decode_record_id("Patient", opaque) for opaque in reference_ids("patient", "Patient")]
    return [patient_id for patient_id in ids if patient_id is not None]  # an id naming no patient matches nothing


def _matches(resource_type: str, candidate: found.Found) -> bool:
    resource = candidate.resource
    if resource_type == "Patient":
        return _patient_matches(resource)
    if resource_type in WHEN and not _within(resource, WHEN[resource_type]):
        return False
    statuses = token_codes("status")
    if resource_type == "Appointment" and statuses and resource["status"] not in statuses:
        return False
    codes = token_codes("code", clinical.LOINC)
    return not (resource_type == "Observation" and codes and resource["code"]["coding"][0]["code"] not in codes)


def _patient_matches(resource: dict) -> bool:
    identifiers, families = token_codes("identifier"), [f.lower() for f in values("family")]
    if identifiers and resource["identifier"][0]["value"] not in identifiers:
        return False
    if families and not any(f in resource["name"][0]["family"].lower() for f in families):
        return False
    born = date_range("birthdate")
    day = resource["birthDate"] + "T12:00:00+00:00"
    return (born.start is None or day >= born.start.isoformat()) and (born.end is None or day < born.end.isoformat())


def _within(resource: dict, field: str) -> bool:
    window = date_range("date")
    if window.start is None and window.end is None:
        return True
    raw = resource[field]["start"] if field == "period" else resource[field]
    moment = datetime.fromisoformat(raw)
    return (window.start is None or moment >= window.start) and (window.end is None or moment < window.end)


def _route(resource_type: str) -> None:
    """GET /<type>/<id> and GET /<type> for one patient resource type."""
    profile = US_CORE + PROFILES[resource_type] if resource_type in PROFILES else None
    supports(resource_type, "read", profile=profile)
    supports(resource_type, "search-type", SEARCH_PARAMS[resource_type])
    bp.add_url_rule(f"/{resource_type}/<resource_id>", f"read_{resource_type.lower()}",
                    lambda resource_id: read(resource_type, resource_id), methods=["GET"])
    bp.add_url_rule(f"/{resource_type}", f"search_{resource_type.lower()}",
                    lambda: search(resource_type), methods=["GET"])


for _type in SEARCH_PARAMS:
    _route(_type)


@supports("Appointment", "create")
@bp.post("/Appointment")
@limiter.limit(lambda: current_app.config["BOOKING_API_LIMIT"])
def create_appointment():
    """Book a proposed Appointment in its Slot (clinic_app/fhir/booking.py); the answer is the
    booked Appointment, 201 with its address."""
    reader = reader_for("Appointment", create=True)
    if request.mimetype not in ("application/fhir+json", "application/json"):
        raise FhirError(415, "Send the Appointment as application/fhir+json.")
    appointment = parse_appointment(request.get_json(silent=True))
    begin_serialised_transaction()
    booking = book_from_appointment(reader, appointment)
    body = clinical.appointment(booking)
    db.session.commit()
    return fhir_response(body, 201, {"Location": full_url("Appointment", body["id"])})
