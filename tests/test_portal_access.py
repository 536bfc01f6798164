"""A patient never sees or changes another patient's anything under /my/: every URL that takes an
id or a token answers 404 for someone else's object (no hint that it exists) and changes nothing;
anonymous visitors are sent to log in; staff, who have their own areas, get 403."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from clinic_app.accounts.models import Role
from clinic_app.adherence.models import ExerciseCheckIn
from clinic_app.audit.service import Actor
from clinic_app.extensions import db
from clinic_app.patients.service import PatientDetails
from clinic_app.scheduling.booking import BookingRequest, book_appointment
from clinic_app.scheduling.models import Booking, BookingStatus
from clinic_app.treatments.library import seed_exercise_library
from clinic_app.treatments.programmes import Dose, exercise_library, prescribe_programme
from tests.factories import make_clinic, make_practitioner, make_service, make_user

NOW = datetime(2026, 11, 23, 14, tzinfo=UTC)
A_START = "2026-11-25T10:00:00-05:00"
NEW_START = "2026-11-26T14:00:00-05:00"
STAFF = [Role.PRACTITIONER, Role.CLINIC_MANAGER, Role.HEAD_OFFICE, Role.ADMIN]


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    monkeypatch.setattr("clinic_app.clock.utcnow", lambda: NOW)


@pytest.fixture
def world(app):
    """Patient A with an upcoming visit and a home programme; patient B with a visit of their own."""
    clinic = make_clinic(slug="chelsea")
    service = make_service(clinics=[clinic], slug="follow-up")
    practitioner = make_practitioner(clinic, services=[service])
    users = {name: make_user("patient", email=f"{name}@example.com") for name in ("a", "b")}
    visits = {name: _book(clinic, user, n) for n, (name, user) in enumerate(users.items(), start=1)}
    seed_exercise_library()
    first = exercise_library()[0]
    _, token = prescribe_programme(Actor(practitioner.user), visits["a"].patient, practitioner,
                                   [Dose(first.id, 3, 10)], "", NOW)
    db.session.commit()
    return {"clinic": clinic, "practitioner": practitioner, "users": users, "visits": visits, "token": token}


def _book(clinic, user, n: int) -> Booking:
    start = datetime.fromisoformat(A_START if n == 1 else "2026-11-25T11:00:00-05:00")
    details = PatientDetails(f"Pat{n}", "Lee", user.email, "555-0100", date(1980, 1, n))
    booking, _ = book_appointment(BookingRequest(clinic.id, "follow-up", start, details, user_id=user.id), NOW)
    db.session.commit()
    return booking


def a_visit_urls(world) -> list[tuple[str, str, dict]]:
    """Every /my/ URL that names patient A's visit: (method, url, form data)."""
    visit = world["visits"]["a"].id
    return [
        ("GET", f"/my/visits/{visit}/cancel", {}),
        ("POST", f"/my/visits/{visit}/cancel", {"reason": "I feel better"}),
        ("GET", f"/my/visits/{visit}/reschedule", {}),
        ("GET", f"/my/visits/{visit}/reschedule?start={NEW_START}", {}),
        ("POST", f"/my/visits/{visit}/reschedule", {"start": NEW_START}),
    ]


def visit_of_a_unchanged(world) -> bool:
    visit = world["visits"]["a"]
    db.session.refresh(visit)
    return (visit.status, visit.start_at, visit.sequence, visit.cancelled_at) == (
        BookingStatus.BOOKED, datetime.fromisoformat(A_START).astimezone(UTC), 0, None)


def check_ins() -> int:
    return db.session.scalar(select(func.count()).select_from(ExerciseCheckIn))


def send(client, method: str, url: str, data: dict):
    """As a browser would: a POST carries the CSRF token of the signed-in user's own /my/ page."""
    if method == "GET":
        return client.get(url)
    return client.submit(url, data, page="/my/")


@pytest.mark.parametrize("case", range(5))
def test_another_patients_visit_is_not_found_and_not_changed(client, world, case):
    method, url, data = a_visit_urls(world)[case]
    client.login("b@example.com")
    response = send(client, method, url, data)
    assert response.status_code == 404
    assert world["visits"]["a"].reference not in response.text
    assert visit_of_a_unchanged(world)


@pytest.mark.parametrize("case", range(5))
def test_the_owner_reaches_the_same_urls(client, world, case):
    """The other side of the 404s above: these URLs do work for patient A."""
    method, url, data = a_visit_urls(world)[case]
    client.login("a@example.com")
    assert send(client, method, url, data).status_code in (200, 302)


@pytest.mark.parametrize("visit_id", ["999999", "2147483647", "99999999999"])
@pytest.mark.parametrize("action", ["cancel", "reschedule"])
def test_a_visit_that_does_not_exist_is_not_found(client, world, visit_id, action):
    client.login("b@example.com")
    assert client.get(f"/my/visits/{visit_id}/{action}").status_code == 404
    posted = client.submit(f"/my/visits/{visit_id}/{action}", {"reason": "I feel better", "start": NEW_START},
                           page="/my/")
    # Beyond any id the router answers a POST 405 (a werkzeug quirk): still no hint, and no 500.
    assert posted.status_code == (405 if int(visit_id) > 2**31 - 1 else 404)


def test_a_programme_link_is_only_opened_by_its_own_token(client, world):
    client.login("b@example.com")
    wrong = world["token"][:-2] + ("xx" if not world["token"].endswith("xx") else "yy")
    assert client.get(f"/my/programme/{wrong}").status_code == 404
    answer = client.submit(f"/my/programme/{wrong}/check-in", {"on": "today", "pain": "4", "feeling": "better"},
                           page="/my/")
    assert answer.status_code == 404 and check_ins() == 0


def test_a_patient_without_a_programme_cannot_check_in_to_someone_elses(client, world):
    client.login("b@example.com")
    answer = client.submit("/my/check-in", {"on": "today", "pain": "4", "feeling": "better"}, page="/my/")
    assert answer.status_code == 404 and check_ins() == 0


def test_my_page_lists_only_the_accounts_own_visits(client, world):
    client.login("b@example.com")
    page = client.get("/my/").text
    assert world["visits"]["b"].reference in page and world["visits"]["a"].reference not in page


def test_record_access_lists_only_the_accounts_own_records(client, world):
    client.login("a@example.com")
    assert "Gave you an exercise programme" in client.get("/my/record-access").text
    client.logout()
    client.login("b@example.com")
    assert "Gave you an exercise programme" not in client.get("/my/record-access").text


MY_URLS = ["/my/", "/my/record-access", "/my/visits/{a}/cancel", "/my/visits/{a}/reschedule"]


@pytest.mark.parametrize("url", MY_URLS)
def test_anonymous_visitors_are_sent_to_log_in(client, world, url):
    path = url.format(a=world["visits"]["a"].id)
    response = client.get(path)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")
    posted = client.submit(path, {"reason": "I feel better", "start": NEW_START}, page="/login")
    assert posted.status_code in (302, 405)
    assert visit_of_a_unchanged(world)


@pytest.mark.parametrize("role", STAFF)
@pytest.mark.parametrize("url", MY_URLS)
def test_staff_get_403_on_my_pages(client, world, role, url):
    path = url.format(a=world["visits"]["a"].id)
    user = world["practitioner"].user if role == Role.PRACTITIONER else make_user(role, clinics=[world["clinic"]]
                                                                                   if role == Role.CLINIC_MANAGER
                                                                                   else ())
    client.login(user.email)
    assert client.get(path).status_code == 403
    if "/visits/" in path:
        assert client.submit(path, {"reason": "I feel better", "start": NEW_START}, page="/").status_code == 403
    assert visit_of_a_unchanged(world)
