"""Many patients press "Book" for the same time at once: exactly one gets it, nobody gets a 5xx.
And one visit cancelled from several places at once is cancelled once; the others are told it
no longer can be (409), on SQLite as on PostgreSQL.

The app runs under gunicorn with two worker processes (each with threads), against this test's
own database (a SQLite file, or PostgreSQL under TEST_DATABASE_URL), and the requests come from
two client processes at the same instant, as they would from many phones.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from clinic_app.extensions import db
from clinic_app.scheduling.models import Booking, BookingStatus
from tests.factories import make_bookable_clinic
from tests.servers import gunicorn

CLIENT_PROCESSES = 2
REQUESTS_PER_PROCESS = 12


@pytest.fixture
def gunicorn_server(app):
    """The app under gunicorn (2 workers x 4 threads) on this test's database."""
    env = {"APP_ENV": "testing", "DATABASE_URL": app.config["DATABASE_URL"], "RATELIMIT_ENABLED": "false",
           "MAIL_ENABLED": "false"}
    with gunicorn(env, "--workers", "2", "--threads", "4") as url:
        yield url


def _post_booking(url: str, body: dict) -> int:
    return _post(url, "/api/v1/bookings", body)[0]


def _post(url: str, path: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(  # noqa: S310 - local test server
        f"{url}{path}", data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read() or b"{}")


def _fire_together(url: str, bodies: list[dict], at: float) -> list[int]:
    """One client process: every request leaves at wall-clock time ``at``."""
    with ThreadPoolExecutor(len(bodies)) as pool:
        time.sleep(max(0.0, at - time.time()))
        return list(pool.map(lambda body: _post_booking(url, body), bodies))


def _request_for(n: int, clinic_id: int, start: str) -> dict:
    return {
        "clinic_id": clinic_id,
        "service": "follow-up",
        "start": start,
        "patient": {"first_name": f"Racer{n}", "last_name": "Test", "email": f"racer{n}@example.com",
                    "phone": "555-0100", "date_of_birth": "1985-06-15"},
        "new_patient": True,
        "consent": True,
    }


@pytest.mark.timeout(300)
def test_simultaneous_requests_for_one_slot_make_exactly_one_booking(app, gunicorn_server):
    clinic_id, start = make_bookable_clinic()
    total = CLIENT_PROCESSES * REQUESTS_PER_PROCESS
    bodies = [_request_for(n, clinic_id, start) for n in range(total)]
    start_at = time.time() + 1.5  # both processes are up by then
    with ProcessPoolExecutor(CLIENT_PROCESSES) as processes:
        batches = [bodies[i::CLIENT_PROCESSES] for i in range(CLIENT_PROCESSES)]
        statuses = [s for batch in processes.map(_fire_together, [gunicorn_server] * 2, batches, [start_at] * 2)
                    for s in batch]

    assert sorted(set(statuses)) == [201, 409], statuses
    assert statuses.count(201) == 1
    db.session.commit()  # see what the server committed
    active = db.session.scalar(
        select(func.count()).select_from(Booking).where(Booking.status == BookingStatus.BOOKED)
    )
    assert active == 1


@pytest.mark.timeout(300)
def test_four_simultaneous_cancels_of_one_visit_cancel_it_once_and_refuse_the_rest(app, gunicorn_server):
    clinic_id, start = make_bookable_clinic()
    status, booked = _post(gunicorn_server, "/api/v1/bookings", _request_for(1, clinic_id, start))
    assert status == 201
    cancel = f"/api/v1/bookings/{booked['booking']['manage_token']}/cancel"
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: _post(gunicorn_server, cancel, {"reason": "Feeling better"}), range(4)))

    assert sorted(status for status, _ in answers) == [200, 409, 409, 409]
    # Refused by the rule (SQLite serialises the four: "no longer booked") or by the row version
    # (PostgreSQL: two changed it at the same instant).
    assert {body["error"]["code"] for status, body in answers if status == 409} <= {"change_not_allowed", "conflict"}
    db.session.commit()  # see what the server committed
    assert db.session.get(Booking, booked["booking"]["id"]).status == BookingStatus.CANCELLED
