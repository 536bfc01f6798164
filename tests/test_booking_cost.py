"""What one booking and one week of free times cost, in statements sent to the database: a
count, not a timing, so it means the same on every machine (issue 19). A booking reads the
clinic with its service and team, then the day's calendar once; inserts the patient and the
visit; keeps the day's figures; queues the confirmation; ends any wait for that time."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event

from clinic_app.api.booking_schemas import AvailabilitySchema
from clinic_app.api.bookings import availability_body
from clinic_app.extensions import db
from clinic_app.scheduling.availability import free_slots
from tests.factories import make_chelsea_clinic, make_follow_up_service, make_jordan_reyes, make_practitioner

NOW = datetime(2026, 11, 23, 14, tzinfo=UTC)  # Monday 9 AM in New York
NEW_YORK = ZoneInfo("America/New_York")
MOST_STATEMENTS_PER_BOOKING = 10


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    monkeypatch.setattr("clinic_app.clock.utcnow", lambda: NOW)


@pytest.fixture
def clinic(app):
    clinic = make_chelsea_clinic()
    service = make_follow_up_service(clinic)
    make_jordan_reyes(clinic, service)
    make_practitioner(clinic, services=[service])
    db.session.commit()
    return clinic


class StatementCounter:
    """Every statement the application sends (BEGIN IMMEDIATE and savepoints included)."""

    def __init__(self):
        self.statements: list[str] = []

    def __enter__(self):
        event.listen(db.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        event.remove(db.engine, "before_cursor_execute", self._count)

    def _count(self, connection, cursor, statement, parameters, context, executemany):
        self.statements.append(" ".join(statement.split())[:90])


def booking_body(clinic, start: datetime, n: int) -> dict:
    return {
        "clinic_id": clinic.id, "service": "follow-up", "start": start.astimezone(NEW_YORK).isoformat(),
        "patient": {"first_name": f"Pat{n}", "last_name": "Lee", "email": f"cost{n}@example.com",
                    "phone": "(555) 010-0199", "date_of_birth": "1980-01-02"},
        "new_patient": True, "consent": True,
    }


@pytest.mark.parametrize("chosen_practitioner", [False, True], ids=["first available", "chosen practitioner"])
def test_one_booking_sends_at_most_ten_statements(client, clinic, chosen_practitioner):
    free = client.get(f"/api/v1/clinics/{clinic.id}/availability?service=follow-up&start=2026-11-24&days=1")
    slot = free.get_json()["slots"][3]
    body = booking_body(clinic, datetime.fromisoformat(slot["start"]), 1)
    if chosen_practitioner:
        body["practitioner_id"] = slot["practitioner_id"]
    db.session.remove()
    with StatementCounter() as counter:
        response = client.post("/api/v1/bookings", json=body)
    assert response.status_code == 201, response.get_json()
    assert len(counter.statements) <= MOST_STATEMENTS_PER_BOOKING, "\n".join(counter.statements)


def test_a_taken_time_is_still_told_apart_from_a_time_never_offered(client, clinic):
    free = client.get(f"/api/v1/clinics/{clinic.id}/availability?service=follow-up&start=2026-11-24&days=1")
    slot = free.get_json()["slots"][0]
    start = datetime.fromisoformat(slot["start"])
    taken = {**booking_body(clinic, start, 2), "practitioner_id": slot["practitioner_id"]}
    assert client.post("/api/v1/bookings", json=taken).status_code == 201
    again = client.post("/api/v1/bookings", json={**booking_body(clinic, start, 3),
                                                  "practitioner_id": slot["practitioner_id"]})
    off_grid = client.post("/api/v1/bookings", json=booking_body(clinic, start + timedelta(minutes=7), 4))
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "slot_unavailable"
    assert again.get_json()["error"]["next_slots"]
    assert off_grid.status_code == 422 and "not a bookable time" in off_grid.get_json()["error"]["message"]


def test_a_week_of_free_times_reads_the_calendar_in_one_statement(client, clinic):
    url = f"/api/v1/clinics/{clinic.id}/availability?service=follow-up&start=2026-11-24&days=7"
    db.session.remove()
    with StatementCounter() as counter:
        response = client.get(url)
    assert response.status_code == 200 and len(response.get_json()["slots"]) > 100
    # the clinic, the service it offers, and the calendar (hours, breaks, time off, closures, bookings);
    # SQLite's BEGIN aside
    reads = [statement for statement in counter.statements if statement.startswith("SELECT")]
    assert len(reads) == len(counter.statements) - counter.statements.count("BEGIN") == 3, "\n".join(reads)


def test_the_availability_body_is_what_the_documented_schema_gives(app, clinic):
    service = clinic_service(clinic)
    slots = free_slots(clinic, service, NOW.date() + timedelta(days=1), 7, NOW)
    assert slots
    schema_dump = AvailabilitySchema().dump({
        "clinic_id": clinic.id, "timezone": clinic.timezone,
        "slots": [{"start": s.start.astimezone(NEW_YORK), "end": s.end.astimezone(NEW_YORK),
                   "practitioner_id": s.practitioner_id} for s in slots]})
    assert availability_body(clinic.id, clinic.timezone, slots) == schema_dump


def clinic_service(clinic):
    from clinic_app.booking.journey import offered_service

    return offered_service(clinic, "follow-up")
