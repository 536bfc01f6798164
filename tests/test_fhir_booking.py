"""Booking through FHIR: POST a proposed Appointment naming a free Slot; the same booking
service as the pages books it, a taken slot is a 409 OperationOutcome, bad input a 4xx
OperationOutcome, and nothing is half-written."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from clinic_app.clock import utcnow
from clinic_app.extensions import db
from clinic_app.scheduling.models import Booking
from tests.factories import make_booking, make_clinic, make_practitioner, make_service
from tests.fhir_support import (
    FHIR_JSON,
    access_token,
    entries,
    fhir_get,
    new_key,
    outcome_text,
    register_partner,
    validated,
)


@pytest.fixture
def key():
    return new_key()


@pytest.fixture
def partner(key):
    return register_partner(key)


@pytest.fixture
def slot_id(client):
    clinic = make_clinic(slug="chelsea")
    service = make_service(clinics=[clinic], slug="follow-up")
    make_practitioner(clinic, services=[service], display_name="Jordan Reyes")
    schedule = entries(fhir_get(client, "/fhir/R4/Schedule?actor=Location/chelsea"))[0]["id"]
    start = (utcnow() + timedelta(days=3)).date().isoformat()
    return entries(fhir_get(client, f"/fhir/R4/Slot?schedule={schedule}&start=ge{start}&_count=1"))[0]["id"]


def proposed(slot: str, **patient) -> dict:
    person = {"resourceType": "Patient", "id": "p", "name": [{"family": "Okafor", "given": ["Ada"]}],
              "birthDate": "1984-05-02", "telecom": [{"system": "email", "value": "ada@example.com"},
                                                     {"system": "phone", "value": "555-0142"}], **patient}
    return {"resourceType": "Appointment", "status": "proposed", "contained": [person],
            "slot": [{"reference": f"Slot/{slot}"}], "comment": "Low back",
            "participant": [{"actor": {"reference": "#p"}, "status": "accepted"}]}


def post(client, body, token, status):
    response = client.post("/fhir/R4/Appointment", json=body, headers={
        "Authorization": f"Bearer {token}", "Content-Type": FHIR_JSON, "Accept": FHIR_JSON})
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == FHIR_JSON
    return validated(response.get_json())


def bookings() -> int:
    return db.session.scalar(select(func.count()).select_from(Booking))


def test_a_proposed_appointment_is_booked_and_can_be_read_back(client, partner, key, slot_id):
    token = access_token(client, partner, key, "system/Appointment.write system/Appointment.read")
    booked = post(client, proposed(slot_id), token, 201)
    assert booked["status"] == "booked"
    slot = fhir_get(client, f"/fhir/R4/Slot/{slot_id}")
    assert booked["start"] == slot["start"] and slot["status"] == "busy"
    assert fhir_get(client, f"/fhir/R4/Appointment/{booked['id']}", token)["status"] == "booked"
    booking = db.session.scalar(select(Booking))
    assert (booking.source, booking.patient.email, booking.pain_area) == ("fhir", "ada@example.com", "Low back")


def test_a_taken_slot_is_a_409_operation_outcome(client, partner, key, slot_id):
    token = access_token(client, partner, key, "system/Appointment.write")
    post(client, proposed(slot_id), token, 201)
    second = post(client, proposed(slot_id, telecom=[{"system": "email", "value": "bo@example.com"}]), token, 409)
    assert "just taken" in outcome_text(second)
    assert second["issue"][0]["code"] == "conflict"
    assert bookings() == 1


@pytest.mark.parametrize(("change", "status"), [
    (lambda body: body.update(status="booked"), 422),
    (lambda body: body.update(slot=[]), 422),
    (lambda body: body.update(slot=[{"reference": "Slot/forged"}]), 422),
    (lambda body: body.update(participant=[{"actor": {"reference": "#nobody"}, "status": "accepted"}]), 422),
    (lambda body: body["contained"][0].update(telecom=[{"system": "email", "value": "not an address"}]), 422),
    (lambda body: body["contained"][0].pop("birthDate"), 422),
    (lambda body: body.update(bogus=1), 400),
    (lambda body: body.update(resourceType="Patient"), 400),
], ids=["not proposed", "no slot", "forged slot", "no patient", "bad e-mail", "no birth date", "unknown field",
        "not an appointment"])
def test_a_bad_appointment_is_refused_with_an_outcome_and_nothing_is_booked(client, partner, key, slot_id, change,
                                                                             status):
    token = access_token(client, partner, key, "system/Appointment.write")
    body = proposed(slot_id)
    change(body)
    post(client, body, token, status)
    assert bookings() == 0


def test_booking_needs_the_write_scope(client, partner, key, slot_id):
    token = access_token(client, partner, key, "system/Appointment.read")
    assert "system/Appointment.write" in outcome_text(post(client, proposed(slot_id), token, 403))
    post(client, proposed(slot_id), None, 401)
    assert bookings() == 0


def test_booking_for_a_patient_the_clinics_know_does_not_open_their_record(client, partner, key, slot_id):
    known = make_booking(email="ada@example.com", date_of_birth=utcnow().date().replace(year=1984, month=5, day=2))
    token = access_token(client, partner, key, "system/Appointment.write system/Patient.read")
    post(client, proposed(slot_id), token, 201)
    assert entries(fhir_get(client, "/fhir/R4/Patient", token)) == []
    same_patient = select(func.count()).select_from(Booking).where(Booking.patient_id == known.patient_id)
    assert db.session.scalar(same_patient) == 2
