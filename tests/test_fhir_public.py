"""The public FHIR resources: clinics as Locations (with position and hours), services,
practitioners, their schedules and free Slots from the booking engine; valid FHIR, paged."""

from __future__ import annotations

from datetime import timedelta

import pytest

from clinic_app.clock import utcnow
from tests.factories import make_clinic, make_practitioner, make_service
from tests.fhir_support import entries, fhir_get, outcome_text


@pytest.fixture
def network():
    chelsea = make_clinic(name="Back Solution Chelsea", slug="chelsea", latitude=40.7465, longitude=-74.0014,
                          address_line1="200 W 20th St", zip_code="10011")
    boston = make_clinic(name="Back Solution Back Bay", slug="back-bay", city="Boston", state="MA",
                         zip_code="02116", latitude=42.3503, longitude=-71.0810, timezone="America/New_York")
    service = make_service(clinics=[chelsea, boston], slug="follow-up", name="Follow-up treatment")
    jordan = make_practitioner(chelsea, services=[service], display_name="Jordan Reyes")
    return chelsea, boston, service, jordan


def test_capability_statement_is_valid_fhir_json(client):
    statement = fhir_get(client, "/fhir/R4/metadata")
    assert statement["fhirVersion"] == "4.0.1" and statement["format"] == ["json"]


def test_a_clinic_is_a_location_with_its_position_and_hours(client, network):
    location = fhir_get(client, "/fhir/R4/Location/chelsea")
    assert location["name"] == "Back Solution Chelsea"
    assert location["position"] == {"longitude": -74.0014, "latitude": 40.7465}
    assert {"daysOfWeek": ["mon"], "openingTime": "09:00:00", "closingTime": "17:00:00"} in location["hoursOfOperation"]


def test_locations_near_a_point_come_nearest_first_within_the_distance(client, network):
    near_chelsea = fhir_get(client, "/fhir/R4/Location?near=40.75|-73.99|10|mi")
    assert [loc["id"] for loc in entries(near_chelsea)] == ["chelsea"]
    both = fhir_get(client, "/fhir/R4/Location?near=40.75|-73.99|500|mi")
    assert [loc["id"] for loc in entries(both)] == ["chelsea", "back-bay"]


def test_a_search_is_paged_with_a_next_link(client, network):
    first = fhir_get(client, "/fhir/R4/Location?_count=1")
    assert first["total"] == 2 and len(first["entry"]) == 1
    next_link = next(link["url"] for link in first["link"] if link["relation"] == "next")
    second = fhir_get(client, next_link.removeprefix("http://localhost"))
    assert entries(second)[0]["id"] != entries(first)[0]["id"]
    assert not [link for link in second["link"] if link["relation"] == "next"]


def test_unknown_location_is_a_404_operation_outcome(client, network):
    assert "could not find" in outcome_text(fhir_get(client, "/fhir/R4/Location/nowhere", status=404))


def test_unknown_resource_type_is_an_operation_outcome_too(client):
    fhir_get(client, "/fhir/R4/Medication", status=404)


def test_practitioner_role_and_schedule_name_the_clinic_and_service(client, network):
    chelsea, _, service, jordan = network
    role = entries(fhir_get(client, "/fhir/R4/PractitionerRole?location=Location/chelsea"))[0]
    assert role["practitioner"]["display"] == "Jordan Reyes"
    assert role["healthcareService"] == [{"reference": "HealthcareService/follow-up", "display": service.name}]
    practitioner = fhir_get(client, f"/fhir/R4/{role['practitioner']['reference']}")
    assert practitioner["name"][0]["family"] == "Reyes"
    assert str(jordan.id) != practitioner["id"]  # ids are opaque
    schedules = entries(fhir_get(client, "/fhir/R4/Schedule?actor=Location/chelsea"))
    assert [s["actor"][0]["display"] for s in schedules] == ["Jordan Reyes"]


def test_free_slots_are_those_of_the_booking_engine(client, network):
    schedule = entries(fhir_get(client, "/fhir/R4/Schedule?actor=Location/chelsea"))[0]
    start = (utcnow() + timedelta(days=3)).date().isoformat()
    bundle = fhir_get(client, f"/fhir/R4/Slot?schedule=Schedule/{schedule['id']}&service-type=follow-up"
                              f"&start=ge{start}&_count=5")
    slots = entries(bundle)
    assert len(slots) == 5 and all(slot["status"] == "free" for slot in slots)
    read_back = fhir_get(client, f"/fhir/R4/Slot/{slots[0]['id']}")
    assert read_back["start"] == slots[0]["start"] and read_back["status"] == "free"


def test_slot_search_without_a_schedule_is_a_400_outcome(client, network):
    assert "schedule" in outcome_text(fhir_get(client, "/fhir/R4/Slot", status=400))


@pytest.mark.parametrize("query", ["near=abc", "near=91|0|1|km", "_count=x", "start=ge2026-13-01"])
def test_malformed_search_parameters_are_400_outcomes(client, network, query):
    resource = "Slot" if query.startswith("start") else "Location"
    schedule = entries(fhir_get(client, "/fhir/R4/Schedule"))[0]["id"]
    extra = f"&schedule={schedule}" if resource == "Slot" else ""
    fhir_get(client, f"/fhir/R4/{resource}?{query}{extra}", status=400)
