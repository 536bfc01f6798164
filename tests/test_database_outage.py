"""The database going away in the middle of a request (tests/conftest.py's DatabaseOutage, on
SQLite and PostgreSQL; tests/test_faults.py cuts PostgreSQL's network path too):

* a booking (or a change to one) that committed before the outage is answered as done, from
  what the request holds in memory: 201 from the API, the usual redirect from the pages;
* a database error while an error is being answered is a 503 (JSON for the API, the plain
  page for pages), never a 500.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text

from clinic_app.clinics.models import Clinic
from clinic_app.clock import utcnow
from clinic_app.errors import Conflict
from clinic_app.extensions import db
from clinic_app.scheduling.models import Booking
from tests.conftest import FormClient
from tests.factories import make_bookable_clinic, make_booking, make_clinic, make_user
from tests.test_faults import booking_request, rows_written


def csrf_token(client: FormClient, page: str) -> str:
    match = FormClient.TOKEN.search(client.get(page).get_data(as_text=True))
    assert match, f"no CSRF token on {page}"
    return match.group(1) or match.group(2)


def test_a_booking_committed_just_before_an_outage_is_answered_201_from_memory(client, database_outage):
    clinic_id, start = make_bookable_clinic()
    database_outage.after_commit()
    response = client.post("/api/v1/bookings", json=booking_request(clinic_id, start))
    assert database_outage.started
    assert response.status_code == 201
    booking = response.get_json()["booking"]
    assert booking["status"] == "booked" and booking["manage_token"]
    assert datetime.fromisoformat(booking["start"]) == datetime.fromisoformat(start)

    database_outage.end()  # the database is back: the booking and its confirmation are there
    assert rows_written() == (1, 1, 1)
    assert db.session.scalar(select(Booking.reference)) == booking["reference"]


@pytest.fixture
def booked(client):
    """A visit booked through the API: (its manage token, its start)."""
    clinic_id, start = make_bookable_clinic()
    response = client.post("/api/v1/bookings", json=booking_request(clinic_id, start))
    assert response.status_code == 201
    return response.get_json()["booking"]["manage_token"], datetime.fromisoformat(start)


def test_a_cancellation_committed_just_before_an_outage_is_answered_200(client, booked, database_outage):
    token, _ = booked
    database_outage.after_commit()
    response = client.post(f"/api/v1/bookings/{token}/cancel", json={"reason": "Feeling better"})
    assert database_outage.started
    assert response.status_code == 200 and response.get_json()["booking"]["status"] == "cancelled"


def test_a_move_committed_just_before_an_outage_is_answered_200(client, booked, database_outage):
    token, start = booked
    later = (start + timedelta(hours=1)).isoformat()
    database_outage.after_commit()
    response = client.post(f"/api/v1/bookings/{token}/reschedule", json={"start": later})
    assert database_outage.started
    assert response.status_code == 200
    assert datetime.fromisoformat(response.get_json()["booking"]["start"]) == start + timedelta(hours=1)


def test_a_booking_page_committed_just_before_an_outage_goes_on_to_the_visit(client, database_outage):
    clinic_id, start = make_bookable_clinic()
    slug = db.session.get(Clinic, clinic_id).slug
    choices = {"clinic": slug, "service": "follow-up", "practitioner": "any", "start": start}
    token = csrf_token(client, "/book/details?" + "&".join(f"{k}={v.replace('+', '%2B')}" for k, v in
                                                            choices.items()))
    details = {"first_name": "Outage", "last_name": "Test", "email": "outage@example.com", "phone": "555-0100",
               "date_of_birth": "1985-06-15", "new_patient": "new", "pain_area": "Lower back", "consent": "y"}
    database_outage.after_commit()
    response = client.post("/book/details", data={**choices, **details, "csrf_token": token})
    assert database_outage.started
    assert response.status_code == 302 and response.headers["Location"].startswith("/book/manage/")
    # The visit's page needs the database, which is away: its 503 page still says the visit is booked.
    page = client.get(response.headers["Location"])
    assert page.status_code == 503 and "Your visit is booked" in page.get_data(as_text=True)


def test_a_visit_booked_at_the_desk_just_before_an_outage_goes_back_to_the_day(client, database_outage):
    clinic_id, start = make_bookable_clinic()
    clinic = db.session.get(Clinic, clinic_id)
    manager = make_user("clinic_manager", clinics=[clinic])
    client.login(manager.email)
    day = datetime.fromisoformat(start).date().isoformat()
    page = f"/practice/clinics/{clinic_id}/visits/new?service=follow-up&day={day}"
    token = csrf_token(client, page)
    database_outage.after_commit()
    response = client.post(f"/practice/clinics/{clinic_id}/visits/new", data={
        "service": "follow-up", "day": day, "start": start, "new_patient": "new", "first_name": "Wanda",
        "last_name": "Walker", "email": "wanda@example.com", "phone": "555-0111", "date_of_birth": "1975-05-05",
        "csrf_token": token})
    assert database_outage.started
    assert response.status_code == 303
    assert f"/practice/clinics/{clinic_id}/schedule" in response.headers["Location"]
    database_outage.end()
    assert db.session.scalar(select(Booking.source)) == "staff"


def test_a_visit_cancelled_at_the_desk_just_before_an_outage_goes_back_to_the_day(client, database_outage):
    visit = make_booking(now=utcnow())
    manager = make_user("clinic_manager", clinics=[visit.clinic])
    url = f"/practice/clinics/{visit.clinic_id}/visits/{visit.id}"
    client.login(manager.email)
    token = csrf_token(client, f"{url}/change")
    database_outage.after_commit()
    response = client.post(f"{url}/cancel", data={"reason": "Patient called", "csrf_token": token})
    assert database_outage.started
    assert response.status_code == 303
    database_outage.end()
    assert db.session.scalar(select(Booking.status)) == "cancelled"


# --- errors answered while the database goes away ---------------------------------------------


def test_a_refusal_of_the_booking_api_is_answered_without_the_database(client, booked, database_outage):
    """The time is taken: the API's handler answers 409 with the next free times, all from
    memory, although the database went away as the refused booking was rolled back."""
    _, start = booked
    clinic = db.session.scalar(select(Clinic))
    body, zone = booking_request(clinic.id, start.isoformat()), ZoneInfo(clinic.timezone)
    body["patient"].update(first_name="Second", email="second@example.com")
    database_outage.while_answering_an_error()
    response = client.post("/api/v1/bookings", json=body)
    assert database_outage.started
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "slot_unavailable" and error["next_slots"]
    # On the clinic's clock, as the availability shows them.
    first = datetime.fromisoformat(error["next_slots"][0]["start"])
    assert first.utcoffset() == first.astimezone(zone).utcoffset() != timedelta(0)


@pytest.fixture
def failing_routes(app):
    """Routes whose request a business rule refuses (409), or a bug breaks (500); and the same
    refusal after the request's database connection dropped, so that undoing its work fails."""

    @app.post("/test-refused")
    def refused_page():
        raise Conflict("Refused for the test.")

    @app.post("/test-broken")
    def broken_page():
        raise RuntimeError("a bug")

    def drop_the_connection_then_refuse():
        db.session.execute(text("SELECT 1"))
        db.session.connection().connection.dbapi_connection.close()  # the server hung up
        raise Conflict("Refused for the test.")

    app.post("/test-dropped", endpoint="dropped_page")(drop_the_connection_then_refuse)
    app.post("/api/v1/test-dropped", endpoint="dropped_api")(drop_the_connection_then_refuse)


@pytest.mark.parametrize("role", ["patient", "clinic_manager", "head_office"])
@pytest.mark.parametrize("url", ["/test-refused", "/test-broken"])
def test_an_error_page_whose_database_goes_away_is_the_503_page(client, failing_routes, database_outage, role, url):
    """The error page names the signed-in user's areas: the user, read again after the
    rollback, comes from a database that has just gone away."""
    client.login(make_user(role, clinics=[make_clinic()] if role == "clinic_manager" else []).email)
    token = csrf_token(client, "/")
    database_outage.while_answering_an_error()
    response = client.post(url, data={"csrf_token": token})
    assert database_outage.started
    assert response.status_code == 503 and response.mimetype == "text/html"
    assert "briefly unavailable" in response.get_data(as_text=True)


@pytest.mark.parametrize(("url", "mimetype"), [("/api/v1/test-dropped", "application/json"),
                                                ("/test-dropped", "text/html")])
def test_an_error_whose_undoing_fails_on_a_dropped_connection_is_a_503(app, client, failing_routes, url, mimetype):
    response = client.post(url, data={"csrf_token": csrf_token(client, "/login")})
    assert response.status_code == 503 and response.mimetype == mimetype
    if mimetype == "application/json":
        assert response.get_json()["error"]["code"] == "service_unavailable"
    else:
        assert "briefly unavailable" in response.get_data(as_text=True)
    db.engine.dispose()


def test_a_page_whose_error_page_itself_needs_the_database_gets_the_plain_503_page(client, database_outage):
    """A programme's page by its link shows a reminder panel read from the database, on the
    error page too: during an outage the plain page that needs nothing is shown instead."""
    database_outage.start()
    response = client.get("/my/programme/some-link-token")
    assert response.status_code == 503 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "briefly unavailable" in page and "<h1>Sorry, something went wrong</h1>" in page
    assert '<nav aria-label="Main">' not in page  # the plain page, without the site's navigation
