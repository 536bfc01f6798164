"""The public resources: anyone may read and search them (they are what the clinic pages show)."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, jsonify

from clinic_app import clock
from clinic_app.fhir import directory as found
from clinic_app.fhir import places
from clinic_app.fhir.capability import SearchParam, capability_statement, supports
from clinic_app.fhir.openapi import openapi_document
from clinic_app.fhir.params import date_range, near, reference_ids, token_codes, values
from clinic_app.fhir.responses import FhirError, fhir_response
from clinic_app.fhir.searching import search_answer
from clinic_app.fhir.views import bp

US_CORE = places.US_CORE


@bp.get("/metadata")
def metadata():
    return fhir_response(capability_statement(clock.utcnow().date().isoformat()))


@bp.get("/openapi.json")
def openapi():
    """The API as OpenAPI 3, derived from the CapabilityStatement (for OpenAPI tooling)."""
    return jsonify(openapi_document(capability_statement(clock.utcnow().date().isoformat())))


@supports("Organization", "read", public=True, profile=US_CORE + "us-core-organization")
@bp.get("/Organization/<resource_id>")
def read_organization(resource_id: str):
    return fhir_response(places.organization()) if resource_id == places.ORGANIZATION_ID else abort(404)


@supports("Organization", "search-type", public=True)
@bp.get("/Organization")
def search_organization():
    return search_answer("Organization", [places.organization()])


@supports("Location", "read", public=True, profile=US_CORE + "us-core-location")
@bp.get("/Location/<resource_id>")
def read_location(resource_id: str):
    clinic = found.clinic_by_slug(resource_id)
    return fhir_response(places.location(clinic)) if clinic else abort(404)


LOCATION_PARAMS = (
    SearchParam("name", "string", "Part of the clinic's name, any case."),
    SearchParam("address-city", "string", "The city."),
    SearchParam("address-state", "string", "The two-letter state."),
    SearchParam("address-postalcode", "string", "The ZIP code."),
    SearchParam("near", "special", "latitude|longitude|distance|unit (km or mi): clinics within that distance, "
                                   "nearest first."),
)


@supports("Location", "search-type", LOCATION_PARAMS, public=True)
@bp.get("/Location")
def search_location():
    clinics = found.public_clinics(near())
    for name, attribute in (("name", "name"), ("address-city", "city"), ("address-state", "state"),
                            ("address-postalcode", "zip_code")):
        wanted = [value.lower() for value in values(name)]
        if wanted:
            clinics = [c for c in clinics if any(w in getattr(c, attribute).lower() for w in wanted)]
    return search_answer("Location", [places.location(c) for c in clinics], "near", *(p.name for p in LOCATION_PARAMS))


@supports("HealthcareService", "read", public=True)
@bp.get("/HealthcareService/<resource_id>")
def read_healthcare_service(resource_id: str):
    service = found.service_by_slug(resource_id)
    if service is None or not found.public_clinics_of(service):
        abort(404)
    return fhir_response(places.healthcare_service(service, found.public_clinics_of(service)))


@supports("HealthcareService", "search-type", (SearchParam("location", "reference", "Offered at this Location."),),
          public=True)
@bp.get("/HealthcareService")
def search_healthcare_service():
    wanted = set(reference_ids("location", "Location"))
    resources = []
    for service in found.bookable_services():
        clinics = found.public_clinics_of(service)
        if clinics and (not wanted or wanted & {clinic.slug for clinic in clinics}):
            resources.append(places.healthcare_service(service, clinics))
    return search_answer("HealthcareService", resources, "location")


@supports("Practitioner", "read", public=True)
@bp.get("/Practitioner/<resource_id>")
def read_practitioner(resource_id: str):
    practitioner = found.practitioner_by_id(resource_id)
    return fhir_response(places.practitioner(practitioner)) if practitioner else abort(404)


@supports("Practitioner", "search-type", (SearchParam("name", "string", "Part of the name, any case."),),
          public=True)
@bp.get("/Practitioner")
def search_practitioner():
    wanted = [value.lower() for value in values("name")]
    practitioners = [p for p in found.active_practitioners()
                     if not wanted or any(w in p.display_name.lower() for w in wanted)]
    return search_answer("Practitioner", [places.practitioner(p) for p in practitioners], "name")


ROLE_PARAMS = (SearchParam("practitioner", "reference", "This Practitioner's roles."),
               SearchParam("location", "reference", "Roles at this Location."),
               SearchParam("service", "reference", "Roles giving this HealthcareService."))


@supports("PractitionerRole", "read", public=True, profile=US_CORE + "us-core-practitionerrole")
@bp.get("/PractitionerRole/<resource_id>")
def read_practitioner_role(resource_id: str):
    pair = found.practitioner_at_clinic("PractitionerRole", resource_id)
    return fhir_response(places.practitioner_role(pair.practitioner, pair.clinic, pair.hours)) if pair else abort(404)


@supports("PractitionerRole", "search-type", ROLE_PARAMS, public=True)
@bp.get("/PractitionerRole")
def search_practitioner_role():
    pairs = _pairs_matching(reference_ids("practitioner", "Practitioner"), reference_ids("location", "Location"),
                            reference_ids("service", "HealthcareService"))
    return search_answer("PractitionerRole", [places.practitioner_role(p.practitioner, p.clinic, p.hours)
                                              for p in pairs], "practitioner", "location", "service")


def _pairs_matching(practitioner_ids: list[str], clinic_slugs: list[str], service_slugs: list[str]):
    pairs = found.practitioners_at_clinics()
    if practitioner_ids:
        pairs = [p for p in pairs if places.practitioner_id(p.practitioner) in practitioner_ids]
    if clinic_slugs:
        pairs = [p for p in pairs if p.clinic.slug in clinic_slugs]
    if service_slugs:
        pairs = [p for p in pairs if {s.slug for s in p.services} & set(service_slugs)]
    return pairs


SCHEDULE_PARAMS = (SearchParam("actor", "reference", "A Practitioner or a Location."),
                   SearchParam("service-type", "token", "A service's code (its HealthcareService id)."))


@supports("Schedule", "read", public=True)
@bp.get("/Schedule/<resource_id>")
def read_schedule(resource_id: str):
    pair = found.practitioner_at_clinic("Schedule", resource_id)
    return fhir_response(places.schedule(pair.practitioner, pair.clinic, pair.services)) if pair else abort(404)


@supports("Schedule", "search-type", SCHEDULE_PARAMS, public=True)
@bp.get("/Schedule")
def search_schedule():
    actors = values("actor")
    practitioner_ids = [a.rpartition("/")[2] for a in actors if a.rpartition("/")[0].endswith("Practitioner")]
    clinic_slugs = [a.rpartition("/")[2] for a in actors if a.rpartition("/")[0].endswith("Location")]
    if len(practitioner_ids) + len(clinic_slugs) != len(actors):
        raise FhirError(400, "actor must refer to a Practitioner or a Location (Location/chelsea).")
    pairs = _pairs_matching(practitioner_ids, clinic_slugs, token_codes("service-type", places.service_system()))
    pairs = [p for p in pairs if p.services]
    return search_answer("Schedule", [places.schedule(p.practitioner, p.clinic, p.services) for p in pairs],
                         "actor", "service-type")


SLOT_PARAMS = (SearchParam("schedule", "reference", "Required: the Schedule(s) to look in."),
               SearchParam("service-type", "token", "A service's code (its HealthcareService id)."),
               SearchParam("start", "date", "ge/gt/lt/le bounds on the start; default from now for 7 days, "
                                            "at most 14 days."),
               SearchParam("status", "token", "Only free slots are listed: status=free."))


@supports("Slot", "read", public=True)
@bp.get("/Slot/<resource_id>")
def read_slot(resource_id: str):
    answer = found.free_time_by_id(resource_id, clock.utcnow())
    if answer is None:
        abort(404)
    free, still_free = answer
    return fhir_response(places.slot(free.clinic, free.service, free.practitioner, free.slot,
                                     "free" if still_free else "busy"))


@supports("Slot", "search-type", SLOT_PARAMS, public=True)
@bp.get("/Slot")
def search_slot():
    schedules = [found.practitioner_at_clinic("Schedule", opaque) for opaque in reference_ids("schedule", "Schedule")]
    if not schedules:
        raise FhirError(400, "Slot searches need schedule=Schedule/<id> (find them with Schedule?actor=Location/<id>).")
    if any(status != "free" for status in token_codes("status")):
        return search_answer("Slot", [], "schedule", "status")
    now = clock.utcnow()
    window = date_range("start")
    start = window.start or now
    end = min(window.end or start + timedelta(days=7), start + timedelta(days=found.LONGEST_SLOT_WINDOW_DAYS))
    wanted = set(token_codes("service-type", places.service_system()))
    free = [time for pair in schedules if pair for time in found.free_times(
        pair, [s for s in pair.services if not wanted or s.slug in wanted], start, end, now)]
    free.sort(key=lambda f: (f.slot.start, f.practitioner.id, f.service.slug))
    return search_answer("Slot", [places.slot(f.clinic, f.service, f.practitioner, f.slot) for f in free],
                         "schedule", "service-type", "start", "status")
