"""The public resources, built from the clinic network's records: Organization (the network),
Location (a clinic, with its position and hours), HealthcareService (a bookable service),
Practitioner, PractitionerRole and Schedule (a practitioner at a clinic), and Slot (a free time
from the same availability engine as the booking pages). Plain dicts in FHIR R4 JSON; US Core
profiles are claimed where one exists and is met."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from clinic_app.clinics.models import Clinic, ClinicStatus
from clinic_app.fhir.ids import encode_id
from clinic_app.fhir.responses import fhir_base
from clinic_app.scheduling.models import Practitioner, Service, WorkingHours
from clinic_app.scheduling.rules import Slot

ORGANIZATION_ID = "back-solution"
US_CORE = "http://hl7.org/fhir/us/core/StructureDefinition/"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# A clinic that is coming soon or closed for a while is suspended (FHIR location-status).
LOCATION_STATUS = {ClinicStatus.OPEN: "active", ClinicStatus.COMING_SOON: "suspended",
                   ClinicStatus.TEMPORARILY_CLOSED: "suspended"}


def identifier_system(kind: str) -> str:
    """Our own identifier namespace for ``kind`` (practitioner, appointment, ...)."""
    return f"{fhir_base()}/identifiers/{kind}"


def service_system() -> str:
    return f"{fhir_base()}/CodeSystem/services"


def organization() -> dict:
    return {
        "resourceType": "Organization", "id": ORGANIZATION_ID,
        "meta": {"profile": [US_CORE + "us-core-organization"]},
        "identifier": [{"system": identifier_system("organization"), "value": ORGANIZATION_ID}],
        "active": True, "name": "Back Solution",
        "type": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/organization-type", "code": "prov",
                              "display": "Healthcare Provider"}]}],
    }


def organization_reference() -> dict:
    return {"reference": f"Organization/{ORGANIZATION_ID}", "display": "Back Solution"}


def location(clinic: Clinic) -> dict:
    resource = {
        "resourceType": "Location", "id": clinic.slug,
        "meta": {"profile": [US_CORE + "us-core-location"]},
        "identifier": [{"system": identifier_system("location"), "value": clinic.slug}],
        "status": LOCATION_STATUS.get(ClinicStatus(clinic.status), "inactive"),
        "name": clinic.name, "mode": "instance",
        "type": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode", "code": "OF",
                              "display": "Outpatient facility"}]}],
        "address": _address(clinic),
        "position": {"longitude": clinic.longitude, "latitude": clinic.latitude},
        "managingOrganization": organization_reference(),
        "hoursOfOperation": [
            {"daysOfWeek": [WEEKDAYS[hours.weekday]], "openingTime": hours.opens.isoformat(timespec="seconds"),
             "closingTime": hours.closes.isoformat(timespec="seconds")}
            for hours in clinic.opening_hours
        ],
        "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/timezone", "valueCode": clinic.timezone}],
    }
    if clinic.description:
        resource["description"] = clinic.description
    telecom = [{"system": "phone", "value": clinic.phone, "use": "work"}] if clinic.phone else []
    telecom += [{"system": "email", "value": clinic.email, "use": "work"}] if clinic.email else []
    if telecom:
        resource["telecom"] = telecom
    return resource


def _address(clinic: Clinic) -> dict:
    lines = [line for line in (clinic.address_line1, clinic.address_line2) if line]
    return {"use": "work", "type": "physical", "line": lines, "city": clinic.city, "state": clinic.state,
            "postalCode": clinic.zip_code, "country": "US"}


def location_reference(clinic: Clinic) -> dict:
    return {"reference": f"Location/{clinic.slug}", "display": clinic.name}


def healthcare_service(service: Service, clinics: list[Clinic]) -> dict:
    resource = {
        "resourceType": "HealthcareService", "id": service.slug, "active": service.active,
        "providedBy": organization_reference(), "name": service.name,
        "type": [service_type(service)],
        "location": [location_reference(clinic) for clinic in clinics],
        "appointmentRequired": True,
        "comment": f"{service.duration_minutes} minutes" + (" (for new patients)" if service.new_patients_only else ""),
    }
    if service.description:
        resource["extraDetails"] = service.description
    return resource


def service_type(service: Service) -> dict:
    return {"coding": [{"system": service_system(), "code": service.slug, "display": service.name}],
            "text": service.name}


def practitioner_id(practitioner: Practitioner) -> str:
    return encode_id("Practitioner", practitioner.id)


def practitioner_reference(practitioner: Practitioner) -> dict:
    return {"reference": f"Practitioner/{practitioner_id(practitioner)}", "display": practitioner.display_name}


def practitioner(record: Practitioner) -> dict:
    """US Core asks for an NPI where one exists; the clinic network does not record NPIs yet,
    so the identifier is our own (and the profile is not claimed)."""
    given, _, family = record.display_name.rpartition(" ")
    name: dict = {"use": "official", "text": record.display_name, "family": family or record.display_name}
    if given:
        name["given"] = given.split()
    resource = {
        "resourceType": "Practitioner", "id": practitioner_id(record),
        "identifier": [{"system": identifier_system("practitioner"), "value": practitioner_id(record)}],
        "active": record.active, "name": [name],
    }
    if record.credentials:
        resource["qualification"] = [{"code": {"text": record.credentials}}]
    if record.photo_url:
        resource["photo"] = [{"url": record.photo_url, "contentType": "image/jpeg"}]
    return resource


def role_id(practitioner: Practitioner, clinic: Clinic) -> str:
    return encode_id("PractitionerRole", practitioner.id, clinic.id)


def practitioner_role(record: Practitioner, clinic: Clinic, hours: list[WorkingHours]) -> dict:
    resource = {
        "resourceType": "PractitionerRole", "id": role_id(record, clinic),
        "meta": {"profile": [US_CORE + "us-core-practitionerrole"]},
        "active": record.active, "practitioner": practitioner_reference(record),
        "organization": organization_reference(), "location": [location_reference(clinic)],
        "code": [{"coding": [{"system": "http://nucc.org/provider-taxonomy", "code": "225100000X",
                              "display": "Physical Therapist"}]}],
        "healthcareService": [{"reference": f"HealthcareService/{service.slug}", "display": service.name}
                              for service in record.services if service.active and clinic in service.clinics],
        "availableTime": [
            {"daysOfWeek": [WEEKDAYS[row.weekday]], "availableStartTime": row.starts.isoformat(timespec="seconds"),
             "availableEndTime": row.ends.isoformat(timespec="seconds")}
            for row in sorted(hours, key=lambda row: (row.weekday, row.starts))
        ],
    }
    if record.speciality_list:
        resource["specialty"] = [{"text": speciality} for speciality in record.speciality_list]
    if clinic.phone:
        resource["telecom"] = [{"system": "phone", "value": clinic.phone, "use": "work"}]
    return resource


def schedule_id(practitioner: Practitioner, clinic: Clinic) -> str:
    return encode_id("Schedule", practitioner.id, clinic.id)


def schedule(record: Practitioner, clinic: Clinic, services: list[Service]) -> dict:
    return {
        "resourceType": "Schedule", "id": schedule_id(record, clinic), "active": record.active,
        "serviceType": [service_type(service) for service in services],
        "actor": [practitioner_reference(record), location_reference(clinic)],
        "comment": f"{record.display_name} at {clinic.name}",
    }


def slot_id(clinic: Clinic, service: Service, slot: Slot) -> str:
    return encode_id("Slot", clinic.id, service.id, slot.practitioner_id, int(slot.start.timestamp() // 60))


def slot(clinic: Clinic, service: Service, practitioner: Practitioner, free: Slot, status: str = "free") -> dict:
    zone = ZoneInfo(clinic.timezone)
    return {
        "resourceType": "Slot", "id": slot_id(clinic, service, free),
        "schedule": {"reference": f"Schedule/{schedule_id(practitioner, clinic)}"},
        "serviceType": [service_type(service)], "status": status,
        "start": _instant(free.start.astimezone(zone)), "end": _instant(free.end.astimezone(zone)),
    }


def _instant(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")
