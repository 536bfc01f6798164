"""Booking through the JSON API (/api/v1/services, availability, bookings), as a partner's app
or a phone app sees it: what it gets back, each refusal and its code, and that a refused
request writes nothing."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from clinic_app.extensions import db
from clinic_app.notifications.models import OutboxMessage
from clinic_app.patients.models import Patient, TextConsent
from clinic_app.scheduling.models import Booking, BookingStatus
from tests.factories import (
    make_chelsea_clinic,
    make_clinic,
    make_follow_up_service,
    make_jordan_reyes,
    make_practitioner,
    make_service,
    make_user,
)

NOW = datetime(2026, 11, 23, 14, tzinfo=UTC)  # Monday 9 AM in New York, 7 AM in Phoenix
NEW_YORK = ZoneInfo("America/New_York")


def new_york(day: int, hour: int, minute: int = 0) -> str:
    return datetime(2026, 11, day, hour, minute, tzinfo=NEW_YORK).isoformat()


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """The API's clock, frozen at NOW; ``clock.move(hours=...)`` moves it on."""

    class Clock:
        now = NOW

        def move(self, **delta):
            self.now = NOW + timedelta(**delta)

    frozen = Clock()
    monkeypatch.setattr("clinic_app.clock.utcnow", lambda: frozen.now)
    return frozen


@pytest.fixture
def clinic(app):
    return make_chelsea_clinic()


@pytest.fixture
def service(clinic):
    return make_follow_up_service(clinic)


@pytest.fixture
def practitioner(clinic, service):
    return make_jordan_reyes(clinic, service)


def booking_body(clinic, at: str, n: int = 1, **overrides) -> dict:
    body = {
        "clinic_id": clinic.id,
        "service": "follow-up",
        "start": at,
        "patient": {"first_name": f"Pat{n}", "last_name": "Lee", "email": f"pat{n}@example.com",
                    "phone": "(555) 010-0199", "date_of_birth": f"1980-01-0{n}"},
        "new_patient": True,
        "consent": True,
    }
    return {**body, **overrides}


def book(client, clinic, at: str, n: int = 1, **overrides):
    return client.post("/api/v1/bookings", json=booking_body(clinic, at, n, **overrides))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def error_of(response) -> dict:
    return response.get_json()["error"]


# --- services and free times ------------------------------------------------------------------


def test_services_lists_the_active_services_with_their_length(client, service):
    retired = make_service(slug="retired", name="Retired service")
    retired.active = False
    db.session.commit()
    body = client.get("/api/v1/services").get_json()
    assert body == {"services": [{"slug": "follow-up", "name": "Follow-up treatment", "duration_minutes": 30,
                                  "new_patients_only": False}]}


def test_availability_lists_free_times_on_the_clinics_clock(client, clinic, practitioner):
    body = client.get(f"/api/v1/clinics/{clinic.id}/availability?service=follow-up&start=2026-11-24&days=1").get_json()
    assert body["clinic_id"] == clinic.id and body["timezone"] == "America/New_York"
    assert body["slots"][0] == {"start": "2026-11-24T09:00:00-05:00", "end": "2026-11-24T09:30:00-05:00",
                                "practitioner_id": practitioner.id}
    assert body["slots"][-1]["start"] == "2026-11-24T16:30:00-05:00"  # the last that ends by 5 PM
    assert all(slot["start"].startswith("2026-11-24") for slot in body["slots"])


def test_availability_in_phoenix_carries_arizonas_offset(client):
    phoenix = make_clinic(name="Back Solution Phoenix", city="Phoenix", state="AZ", zip_code="85004")
    service = make_service(clinics=[phoenix], slug="follow-up", duration_minutes=30)
    make_practitioner(phoenix, services=[service])
    body = client.get(f"/api/v1/clinics/{phoenix.id}/availability?service=follow-up&start=2026-11-24&days=1").get_json()
    assert body["timezone"] == "America/Phoenix"
    assert body["slots"][0]["start"] == "2026-11-24T09:00:00-07:00"


def test_availability_starts_today_and_leaves_out_taken_times(client, clinic, practitioner):
    assert book(client, clinic, new_york(23, 11)).status_code == 201
    slots = client.get(f"/api/v1/clinics/{clinic.id}/availability?service=follow-up&days=1").get_json()["slots"]
    # Today, two hours' notice from 9 AM; 11:00 to 11:30 is now taken.
    assert [slot["start"] for slot in slots[:2]] == [new_york(23, 11, 30), new_york(23, 11, 45)]


def test_availability_can_be_narrowed_to_one_practitioner(client, clinic, service, practitioner):
    other = make_practitioner(clinic, services=[service])
    url = f"/api/v1/clinics/{clinic.id}/availability?service=follow-up&start=2026-11-24&days=1"
    assert {slot["practitioner_id"] for slot in client.get(url).get_json()["slots"]} == {practitioner.id, other.id}
    narrowed = client.get(f"{url}&practitioner_id={other.id}").get_json()["slots"]
    assert narrowed and {slot["practitioner_id"] for slot in narrowed} == {other.id}


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ("service=massage", 422, "service"),
        ("", 422, "service"),
        ("service=follow-up&days=0", 422, "days"),
        ("service=follow-up&days=32", 422, "days"),
        ("service=follow-up&start=24/11/2026", 422, "start"),
        ("service=follow-up&start=9999-12-31", 422, "start"),
    ],
)
def test_availability_names_the_parameter_at_fault(client, clinic, practitioner, query, status, field):
    response = client.get(f"/api/v1/clinics/{clinic.id}/availability?{query}")
    assert response.status_code == status
    assert field in error_of(response)["fields"]


def test_availability_of_an_unknown_clinic_is_not_found(client, practitioner):
    for clinic_id in (999, 2**40):
        response = client.get(f"/api/v1/clinics/{clinic_id}/availability?service=follow-up")
        assert response.status_code == 404 and error_of(response)["code"] == "not_found"


# --- booking ----------------------------------------------------------------------------------


def test_booking_a_free_time_returns_the_visit_and_its_manage_links(client, clinic, practitioner):
    response = book(client, clinic, new_york(24, 10))
    assert response.status_code == 201
    visit = response.get_json()["booking"]
    stored = db.session.scalar(select(Booking))
    assert visit["id"] == stored.id and visit["reference"] == stored.reference and len(visit["reference"]) == 8
    assert (visit["status"], visit["start"], visit["end"]) == ("booked", new_york(24, 10), new_york(24, 10, 30))
    assert (visit["clinic_id"], visit["practitioner_id"]) == (clinic.id, practitioner.id)
    assert stored.start_at == datetime(2026, 11, 24, 15, tzinfo=UTC) and stored.source == "api"
    token = visit["manage_token"]
    assert visit["manage_url"] == f"http://localhost/book/manage/{token}"
    assert visit["ics_url"] == f"http://localhost/book/manage/{token}/calendar.ics"
    assert client.get(f"/book/manage/{token}").status_code == 200
    assert "BEGIN:VCALENDAR" in client.get(f"/book/manage/{token}/calendar.ics").get_data(as_text=True)
    (confirmation,) = db.session.scalars(select(OutboxMessage))
    assert confirmation.recipient == "pat1@example.com" and token in confirmation.body_text


def test_a_chosen_practitioner_is_booked(client, clinic, service, practitioner):
    other = make_practitioner(clinic, services=[service])
    response = book(client, clinic, new_york(24, 10), practitioner_id=other.id)
    assert response.get_json()["booking"]["practitioner_id"] == other.id


def test_a_time_just_taken_is_a_conflict_with_the_next_free_times(client, clinic, practitioner):
    assert book(client, clinic, new_york(24, 10), n=1).status_code == 201
    response = book(client, clinic, new_york(24, 10), n=2)
    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "slot_unavailable" and "just taken" in error["message"]
    assert [slot["start"] for slot in error["next_slots"][:2]] == [new_york(24, 10, 30), new_york(24, 10, 45)]
    assert error["next_slots"][0]["practitioner_id"] == practitioner.id
    assert count(Booking) == 1 and count(Patient) == 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"start": new_york(23, 8)}, "start", "That time has already passed."),
        ({"start": new_york(24, 9, 7)}, "start", "not a bookable time"),
        ({"start": "2026-11-24T10:00:00"}, "start", "with its UTC offset"),
        ({"start": "next tuesday"}, "start", "ISO 8601"),
        ({"start": "9999-12-31T10:00:00-05:00"}, "start", "further ahead than we take bookings"),
        ({"service": "massage"}, "service", "does not offer that service"),
        ({"clinic_id": 999}, "clinic_id", "open for bookings"),
        ({"clinic_id": 2**40}, "clinic_id", ""),
        ({"practitioner_id": 999}, "practitioner_id", "Choose a practitioner who offers this service"),
        ({"patient": {"first_name": "Pat", "last_name": "Lee", "email": "pat@", "phone": "(555) 010-0199",
                      "date_of_birth": "1980-01-01"}}, "patient.email", "email"),
        ({"patient": {"first_name": "", "last_name": "Lee", "email": "pat@example.com", "phone": "(555) 010-0199",
                      "date_of_birth": "1980-01-01"}}, "patient.first_name", ""),
        ({"patient": {"first_name": "Pat", "last_name": "Lee", "email": "pat@example.com", "phone": "call me",
                      "date_of_birth": "2027-01-01"}}, "patient.date_of_birth", "in the future"),
        ({"consent": False}, "consent", "agreement to store their health information"),
        ({"new_patient": None}, "new_patient", ""),
        ({"pain_area": "Elbow"}, "pain_area", ""),
        ({"practitioner": 3}, "practitioner", "Unknown field"),
    ],
)
def test_bad_input_writes_nothing_and_names_the_field(client, clinic, practitioner, overrides, field, message):
    response = book(client, clinic, new_york(24, 10), **overrides)
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "validation_failed"
    assert field in error["fields"] and message in " ".join(error["fields"][field])
    assert (count(Booking), count(Patient), count(OutboxMessage)) == (0, 0, 0)


def test_a_service_for_new_patients_refuses_a_returning_patient(client, clinic, practitioner):
    first_visit = make_service(clinics=[clinic], slug="first-visit", duration_minutes=30, new_patients_only=True)
    practitioner.services.append(first_visit)
    db.session.commit()
    response = book(client, clinic, new_york(24, 10), service="first-visit", new_patient=False)
    assert response.status_code == 422 and "service" in error_of(response)["fields"]
    assert count(Booking) == 0


def test_control_characters_are_dropped_from_what_the_patient_typed(client, clinic, practitioner):
    patient = {"first_name": " Pat\x00 ", "last_name": "Lee\x07", "email": "Pat1@Example.com ",
               "phone": "(555) 010-0199", "date_of_birth": "1980-01-01"}
    assert book(client, clinic, new_york(24, 10), patient=patient).status_code == 201
    stored = db.session.scalar(select(Patient))
    assert (stored.first_name, stored.last_name, stored.email) == ("Pat", "Lee", "pat1@example.com")


def test_the_api_needs_no_csrf_token_and_ignores_a_signed_in_session(client, clinic, practitioner):
    make_user("patient", email="pat1@example.com")
    client.login("pat1@example.com")
    response = book(client, clinic, new_york(24, 10))
    assert response.status_code == 201
    assert "Set-Cookie" not in response.headers
    # Booked as anyone with the API would be: not joined to the account the cookie is for.
    assert db.session.scalar(select(Patient.user_id)) is None


# --- the visit by its token -------------------------------------------------------------------


@pytest.fixture
def booked(client, clinic, practitioner) -> dict:
    response = book(client, clinic, new_york(25, 10))
    assert response.status_code == 201
    return response.get_json()["booking"]


def test_the_visit_can_be_read_by_its_token_and_is_never_cached(client, booked):
    response = client.get(f"/api/v1/bookings/{booked['manage_token']}")
    assert response.get_json()["booking"] == {**booked, "can_change_online": True}
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [("get", "", None), ("post", "/cancel", {"reason": "Feeling better"}),
     ("post", "/reschedule", {"start": new_york(25, 11)})],
)
def test_an_unknown_token_is_not_found(client, booked, method, suffix, body):
    response = getattr(client, method)(f"/api/v1/bookings/not-a-real-token{suffix}", json=body)
    assert response.status_code == 404 and error_of(response)["code"] == "not_found"


def test_cancelling_keeps_the_visit_as_cancelled_and_frees_its_time(client, clinic, booked):
    token = booked["manage_token"]
    response = client.post(f"/api/v1/bookings/{token}/cancel", json={"reason": "I feel better"})
    assert response.status_code == 200
    assert response.get_json()["booking"]["status"] == "cancelled"
    stored = db.session.scalar(select(Booking))
    assert (stored.status, stored.cancelled_by, stored.cancellation_reason) == ("cancelled", "patient", "I feel better")
    slots = client.get(f"/api/v1/clinics/{clinic.id}/availability?service=follow-up&start=2026-11-25&days=1")
    assert new_york(25, 10) in [slot["start"] for slot in slots.get_json()["slots"]]
    again = client.post(f"/api/v1/bookings/{token}/cancel", json={"reason": "I feel better"})
    assert again.status_code == 409 and error_of(again)["code"] == "change_not_allowed"


def test_a_cancellation_needs_a_reason(client, booked):
    response = client.post(f"/api/v1/bookings/{booked['manage_token']}/cancel", json={"reason": " "})
    assert response.status_code == 422 and "reason" in error_of(response)["fields"]
    assert db.session.scalar(select(Booking.status)) == BookingStatus.BOOKED


def test_moving_the_visit_returns_its_new_time(client, clinic, booked):
    token = booked["manage_token"]
    response = client.post(f"/api/v1/bookings/{token}/reschedule", json={"start": new_york(26, 14)})
    assert response.status_code == 200
    visit = response.get_json()["booking"]
    assert (visit["start"], visit["end"], visit["reference"]) == (new_york(26, 14), new_york(26, 14, 30),
                                                                  booked["reference"])
    assert db.session.scalar(select(Booking.start_at)) == datetime(2026, 11, 26, 19, tzinfo=UTC)
    assert db.session.scalar(select(func.count()).where(OutboxMessage.subject.like("%has moved%"))) == 1


def test_moving_to_a_taken_time_is_a_conflict_and_keeps_the_old_time(client, clinic, booked):
    assert book(client, clinic, new_york(26, 14), n=2).status_code == 201
    response = client.post(f"/api/v1/bookings/{booked['manage_token']}/reschedule", json={"start": new_york(26, 14)})
    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "slot_unavailable" and error["next_slots"][0]["start"] == new_york(26, 14, 30)
    assert client.get(f"/api/v1/bookings/{booked['manage_token']}").get_json()["booking"]["start"] == new_york(25, 10)


@pytest.mark.parametrize(("start", "message"), [(new_york(26, 14, 5), "not a bookable time"),
                                                ("2026-11-26 14:00", "UTC offset")])
def test_moving_to_a_time_off_the_grid_is_refused(client, booked, start, message):
    response = client.post(f"/api/v1/bookings/{booked['manage_token']}/reschedule", json={"start": start})
    assert response.status_code == 422 and message in " ".join(error_of(response)["fields"]["start"])
    assert db.session.scalar(select(Booking.start_at)) == datetime(2026, 11, 25, 15, tzinfo=UTC)


@pytest.mark.parametrize(("suffix", "body"), [("/cancel", {"reason": "I feel better"}),
                                              ("/reschedule", {"start": new_york(26, 14)})])
def test_inside_the_notice_window_the_visit_cannot_be_changed(client, clock, booked, suffix, body):
    clock.move(hours=26)  # Tuesday 11 AM: the visit is Wednesday at 10
    response = client.post(f"/api/v1/bookings/{booked['manage_token']}{suffix}", json=body)
    assert response.status_code == 409
    assert error_of(response)["code"] == "change_not_allowed" and "call" in error_of(response)["message"]
    stored = db.session.scalar(select(Booking))
    assert (stored.status, stored.start_at) == ("booked", datetime(2026, 11, 25, 15, tzinfo=UTC))
    after = client.get(f"/api/v1/bookings/{booked['manage_token']}").get_json()["booking"]
    assert after["can_change_online"] is False


# --- limits and documentation -----------------------------------------------------------------


@pytest.mark.parametrize("app_overrides", [{"BOOKING_API_LIMIT": "2 per minute"}])
def test_writes_from_one_address_are_rate_limited_together(client, booked):
    token = booked["manage_token"]  # the first write
    assert client.post(f"/api/v1/bookings/{token}/cancel", json={"reason": "x"}).status_code == 200
    response = client.post("/api/v1/bookings", json={})
    assert response.status_code == 429 and error_of(response)["code"] == "too_many_requests"
    assert client.get(f"/api/v1/bookings/{token}").status_code == 200  # reading is not limited


@pytest.mark.parametrize("app_overrides", [{"BOOKING_API_LIMIT": "1 per minute", "RATELIMIT_ENABLED": False}])
def test_limits_are_off_when_rate_limiting_is_switched_off(client):
    assert [client.post("/api/v1/bookings", json={}).status_code for _ in range(3)] == [422, 422, 422]


def test_the_openapi_document_describes_the_booking_api(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"/api/v1/services", "/api/v1/clinics/{clinic_id}/availability", "/api/v1/bookings",
            "/api/v1/bookings/{token}", "/api/v1/bookings/{token}/cancel",
            "/api/v1/bookings/{token}/reschedule"} <= set(paths)
    assert {"201", "409", "422", "429"} <= set(paths["/api/v1/bookings"]["post"]["responses"])


def test_a_booking_without_login_never_rewrites_the_patients_record(client, clinic, practitioner):
    assert book(client, clinic, new_york(24, 9)).status_code == 201
    stranger = booking_body(clinic, new_york(24, 10), new_patient=False)
    stranger["patient"].update(first_name="Mallory", last_name="Impostor", phone="(555) 010-6666")
    response = client.post("/api/v1/bookings", json=stranger)
    assert response.status_code == 201
    patient = db.session.scalar(select(Patient))
    assert (patient.first_name, patient.last_name, patient.phone) == ("Pat1", "Lee", "(555) 010-0199")
    visit = db.session.get(Booking, response.get_json()["booking"]["id"])
    assert visit.patient_id == patient.id
    assert visit.given_details == {"first_name": "Mallory", "last_name": "Impostor", "phone": "(555) 010-6666"}


def test_the_same_details_written_another_way_are_no_difference(client, clinic, practitioner):
    assert book(client, clinic, new_york(24, 9)).status_code == 201
    again = booking_body(clinic, new_york(24, 10), new_patient=False)
    again["patient"].update(first_name=" Pat1 ", phone="555.010.0199", email="PAT1@example.com")
    response = client.post("/api/v1/bookings", json=again)
    assert response.status_code == 201
    assert db.session.get(Booking, response.get_json()["booking"]["id"]).given_details == {}


def test_texts_can_be_agreed_to_through_the_api_and_a_bad_number_names_the_field(client, clinic, practitioner):
    refused = book(client, clinic, new_york(24, 10), text_reminders=True)  # (555) 010-0199: no such number
    assert refused.status_code == 422 and "For text reminders" in " ".join(error_of(refused)["fields"]["patient.phone"])
    assert (count(Booking), count(Patient), count(OutboxMessage), count(TextConsent)) == (0, 0, 0, 0)
    patient = {"first_name": "Pat", "last_name": "Lee", "email": "pat@example.com", "phone": "+1 212 555 0142",
               "date_of_birth": "1980-01-01"}
    assert book(client, clinic, new_york(24, 10), text_reminders=True, patient=patient).status_code == 201
    [consent] = db.session.scalars(select(TextConsent)).all()
    assert (consent.phone, consent.source) == ("+12125550142", "api")
