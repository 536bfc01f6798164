"""Two gunicorn instances on one PostgreSQL and one Redis behave as one site.

Each instance is a separate gunicorn (2 workers x 4 threads) started with deploy/gunicorn.conf.py
in production mode, on its own port, with the same DATABASE_URL, REDIS_URL and SECRET_KEY, as two
servers behind a load balancer would be. Requests arrive as nginx forwards them (PROXY_COUNT=1,
X-Forwarded-For and X-Forwarded-Proto: https), each client from its own address. What one
instance decided, the other must know: bookings, rate-limit counts, sign-ins, form tokens and
flash messages live in PostgreSQL, Redis or the signed cookie, never in one process's memory.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import secrets
import urllib.error
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

import pytest
import redis
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from clinic_app.clinics.models import Clinic
from clinic_app.clinics.service import add_closure
from clinic_app.clock import utcnow
from clinic_app.extensions import db
from clinic_app.scheduling.availability import free_slots
from clinic_app.scheduling.models import Booking, BookingStatus, Practitioner, TimeOff
from tests.conftest import TEST_DATABASE_URL, FormClient
from tests.factories import DEFAULT_PASSWORD, make_clinic, make_practitioner, make_service, make_user
from tests.servers import start_gunicorn, stop, wait_until_up

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
STARTUP_SECONDS = 180
BOOKING_LIMIT = 3  # per minute and address, for these instances only
ATTEMPTS = 200
OVERLAPPING_STARTS = 5  # 15 minutes apart, for a 30-minute visit: each overlaps its neighbours
SITE_HOST = "clinic.test"
# Client addresses (documentation range) and e-mail addresses of this run carry its own id: the
# rate-limit keys they make in Redis are this run's alone, and are deleted afterwards.
RUN_ID = secrets.token_hex(4)
RUN_PREFIX = f"2001:db8:{RUN_ID[:4]}:{RUN_ID[4:]}"


def _redis_available() -> bool:
    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


pytestmark = [
    pytest.mark.skipif(
        not TEST_DATABASE_URL,
        reason="SQLite is one file on one machine: running several servers needs PostgreSQL (TEST_DATABASE_URL)",
    ),
    pytest.mark.skipif(
        not _redis_available() and os.environ.get("CI") != "true",
        reason=f"Redis not reachable at {REDIS_URL}: the scale-out test needs it",
    ),
]


def _address(n: int) -> str:
    return f"{RUN_PREFIX}::{n:x}"


@pytest.fixture(scope="module")
def instances():
    """Two gunicorn instances sharing the database, Redis and SECRET_KEY; their URLs. Started
    once for the module (loading the app can take half a minute on a busy CI machine): they hold
    no state between tests, which is the point."""
    env = {
        "APP_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": TEST_DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "PUBLIC_URL": f"https://{SITE_HOST}",
        "PROXY_COUNT": "1",
        "RATELIMIT_ENABLED": "true",
        "BOOKING_API_LIMIT": f"{BOOKING_LIMIT} per minute",
        "MAIL_ENABLED": "false",  # messages wait in the outbox; no worker runs here
    }
    options = ("--config", "deploy/gunicorn.conf.py", "--workers", "2", "--threads", "4",
               "--access-logfile", os.devnull)
    started = [start_gunicorn(env, *options) for _ in range(2)]
    try:
        for url, server in started:
            wait_until_up(url, server, STARTUP_SECONDS)
        yield [url for url, _ in started]
    finally:
        for _, server in started:
            stop(server)
        _forget_this_runs_counts()


def _forget_this_runs_counts() -> None:
    store = redis.Redis.from_url(REDIS_URL)
    for pattern in (f"*{RUN_PREFIX}:*", f"*scale-{RUN_ID}-*"):
        for key in store.scan_iter(pattern):
            store.delete(key)


class Page(NamedTuple):
    status: int
    location: str  # where a redirect leads
    text: str


class Browser:
    """A browser on https://clinic.test, reached through nginx: one cookie jar whichever
    instance the load balancer picks, redirects not followed, and the headers nginx passes on
    (Host, X-Forwarded-For, X-Forwarded-Proto). A form is posted with the page it came from as
    Referer, as browsers do (CSRF protection over HTTPS checks it). Cookies are Secure in
    production; nginx ends TLS, so the jar sends them over this plain HTTP."""

    def __init__(self, address: str):
        self.address = address
        self.page = "/"
        self.cookies = http.cookiejar.CookieJar(http.cookiejar.DefaultCookiePolicy(secure_protocols=("http",)))
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect())

    def get(self, url: str) -> Page:
        self.page = urllib.parse.urlsplit(url).path
        return self._open(urllib.request.Request(url))  # noqa: S310 - local test server

    def post(self, url: str, form: dict) -> Page:
        request = urllib.request.Request(url, data=urllib.parse.urlencode(form).encode())  # noqa: S310
        request.add_header("Referer", f"https://{SITE_HOST}{self.page}")
        return self._open(request)

    def form_token(self, url: str) -> str:
        """The CSRF token of the form on ``url``, as the page gives it to this browser."""
        match = FormClient.TOKEN.search(self.get(url).text)
        assert match, f"no CSRF token on {url}"
        return match.group(1) or match.group(2)

    def _open(self, request: urllib.request.Request) -> Page:
        for name, value in _forwarded_headers(self.address).items():
            request.add_header(name, value)
        try:
            response = self.opener.open(request, timeout=60)
        except urllib.error.HTTPError as error:
            response = error
        with response:
            return Page(response.status, response.headers.get("Location", ""), response.read().decode())


def _forwarded_headers(address: str) -> dict[str, str]:
    """What nginx adds in front of every instance (deploy/nginx.conf.example)."""
    return {"Host": SITE_HOST, "X-Forwarded-For": address, "X-Forwarded-Proto": "https"}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _post_booking(url: str, body: dict, address: str) -> tuple[int, dict]:
    request = urllib.request.Request(  # noqa: S310 - local test server
        f"{url}/api/v1/bookings", data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **_forwarded_headers(address)},
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, {}


def _booking_body(n: int, clinic_id: int, start) -> dict:
    return {
        "clinic_id": clinic_id,
        "service": "follow-up",
        "start": start.isoformat(),
        "patient": {"first_name": f"Scale{n}", "last_name": "Test", "email": f"scale{n}@example.com",
                    "phone": "555-0100", "date_of_birth": "1985-06-15"},
        "new_patient": True,
        "consent": True,
    }


def _clinic_with_two_practitioners():
    """A clinic offering a 30-minute follow-up, with two practitioners; the free starts of
    its first bookable morning (on the 15-minute grid)."""
    clinic = make_clinic()
    service = make_service(clinics=[clinic], slug="follow-up", duration_minutes=30)
    make_practitioner(clinic, services=[service])
    make_practitioner(clinic, services=[service])
    now = utcnow()
    starts = sorted({slot.start for slot in free_slots(clinic, service, (now + timedelta(days=3)).date(), 7, now)})
    db.session.commit()
    return clinic, starts


def _overlapping_pairs() -> int:
    """Pairs of active visits of one practitioner whose blocked times overlap, counted in SQL."""
    first, second = aliased(Booking), aliased(Booking)
    return db.session.scalar(
        select(func.count()).select_from(first).join(second, first.practitioner_id == second.practitioner_id).where(
            first.id < second.id,
            first.status != BookingStatus.CANCELLED,
            second.status != BookingStatus.CANCELLED,
            first.start_at < second.blocked_until,
            second.start_at < first.blocked_until,
        )
    )


@pytest.mark.timeout(600)
def test_two_hundred_overlapping_attempts_through_two_instances_never_double_book(app, instances):
    clinic, free = _clinic_with_two_practitioners()
    starts = [free[0] + timedelta(minutes=15 * k) for k in range(OVERLAPPING_STARTS)]
    assert set(starts) <= set(free)
    bodies = [_booking_body(n, clinic.id, starts[n % OVERLAPPING_STARTS]) for n in range(ATTEMPTS)]

    def attempt(n: int) -> tuple[int, dict]:  # alternately through each instance, each from its own phone
        return _post_booking(instances[n % 2], bodies[n], _address(n + 1))

    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(attempt, range(ATTEMPTS)))

    statuses = [status for status, _ in results]
    assert set(statuses) == {201, 409}, sorted(set(statuses))
    db.session.commit()  # see what the servers committed
    assert _overlapping_pairs() == 0
    booked = db.session.scalars(select(Booking).where(Booking.status != BookingStatus.CANCELLED)).all()
    told_booked = {body["booking"]["id"] for status, body in results if status == 201}
    assert told_booked == {booking.id for booking in booked}  # every "booked" answer is a real visit
    assert statuses.count(201) == len(booked)
    assert {booking.start_at for booking in booked} <= set(starts)


@pytest.mark.timeout(300)
def test_booking_limit_is_counted_once_across_both_instances(app, instances):
    clinic, free = _clinic_with_two_practitioners()
    address = _address(1000)
    statuses = [
        _post_booking(instances[n % 2], _booking_body(1000 + n, clinic.id, free[n * 2]), address)[0]
        for n in range(2 * BOOKING_LIMIT)
    ]
    # Counted per instance, each would admit BOOKING_LIMIT: six bookings instead of three.
    assert statuses == [201] * BOOKING_LIMIT + [429] * BOOKING_LIMIT
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Booking)) == BOOKING_LIMIT


def _patient():
    email = f"scale-{RUN_ID}-{uuid.uuid4().hex[:8]}@example.com"
    make_user(email=email, full_name="Scale Outpatient")
    return email


def _sign_in(browser: Browser, url: str, email: str) -> Page:
    token = browser.form_token(f"{url}/login")
    return browser.post(f"{url}/login", {"email": email, "password": DEFAULT_PASSWORD, "csrf_token": token})


@pytest.mark.timeout(300)
def test_sign_in_through_one_instance_holds_on_the_other_until_signed_out_there(app, instances):
    first, second = instances
    browser = Browser(_address(2000))
    signed_in = _sign_in(browser, first, _patient())
    assert (signed_in.status, signed_in.location) == (302, "/my/")

    portal = browser.get(f"{second}/my/")
    assert portal.status == 200
    assert "Scale Outpatient" in portal.text

    token = browser.form_token(f"{second}/")  # the sign-out button in the page header
    assert browser.post(f"{second}/logout", {"csrf_token": token}).status == 302
    after = browser.get(f"{first}/my/")
    assert after.status == 302
    assert after.location.startswith("/login")


@pytest.mark.timeout(300)
def test_form_token_issued_by_one_instance_is_accepted_by_the_other(app, instances):
    first, second = instances
    email = _patient()
    browser = Browser(_address(3000))
    form = {"email": email, "password": DEFAULT_PASSWORD, "csrf_token": browser.form_token(f"{first}/login")}

    stranger = Browser(_address(3001))  # the same token without the session it belongs to
    assert stranger.post(f"{second}/login", form).status == 400
    accepted = browser.post(f"{second}/login", form)
    assert (accepted.status, accepted.location) == (302, "/my/")


@pytest.mark.timeout(300)
def test_message_flashed_by_one_instance_is_shown_once_by_the_other(app, instances):
    first, second = instances
    browser = Browser(_address(4000))
    assert _sign_in(browser, first, _patient()).status == 302

    signed_out = browser.post(f"{first}/logout", {"csrf_token": browser.form_token(f"{first}/")})
    assert (signed_out.status, signed_out.location) == (302, "/")

    assert "You have been logged out." in browser.get(f"{second}/").text
    assert "You have been logged out." not in browser.get(f"{first}/").text


def _free_times(url: str, clinic_id: int, day, address: str) -> set[tuple[str, int]]:
    """(start, practitioner) pairs the availability API of this instance lists for ``day``."""
    request = urllib.request.Request(  # noqa: S310 - local test server
        f"{url}/api/v1/clinics/{clinic_id}/availability?service=follow-up&start={day.isoformat()}&days=1",
        headers=_forwarded_headers(address))
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        return {(slot["start"], slot["practitioner_id"]) for slot in json.loads(response.read())["slots"]}


def _post(url: str, path: str, body: dict, address: str) -> tuple[int, dict]:
    request = urllib.request.Request(  # noqa: S310 - local test server
        f"{url}{path}", data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **_forwarded_headers(address)})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, {}


@pytest.mark.timeout(300)
def test_every_change_shows_in_the_very_next_availability_answer_of_the_other_instance(app, instances):
    """No instance keeps free times of its own: what one instance (or anyone writing to the
    database) changed, the other's next answer already shows (issue 19)."""
    first, second = instances
    clinic, free = _clinic_with_two_practitioners()
    day = free[0].astimezone(ZoneInfo(clinic.timezone)).date()
    times = [(n, _address(5000 + n)) for n in range(6)]  # a fresh address per write: the limit is 3 a minute
    before = _free_times(second, clinic.id, day, times[0][1])
    start, practitioner_id = sorted(before)[2]

    body = {**_booking_body(5000, clinic.id, datetime.fromisoformat(start)), "practitioner_id": practitioner_id}
    status, booked = _post(first, "/api/v1/bookings", body, times[1][1])
    assert status == 201
    assert (start, practitioner_id) not in _free_times(second, clinic.id, day, times[0][1])

    token = booked["booking"]["manage_token"]
    later, _ = sorted(before)[-1]
    status, moved = _post(second, f"/api/v1/bookings/{token}/reschedule", {"start": later}, times[2][1])
    assert status == 200
    after_move = _free_times(first, clinic.id, day, times[0][1])
    assert (start, practitioner_id) in after_move
    assert (later, moved["booking"]["practitioner_id"]) not in after_move

    status, _ = _post(first, f"/api/v1/bookings/{token}/cancel", {"reason": "No longer needed"}, times[3][1])
    assert status == 200
    assert _free_times(second, clinic.id, day, times[0][1]) == before

    practitioner = db.session.get(Practitioner, practitioner_id)
    db.session.add(TimeOff(practitioner_id=practitioner.id, start_at=datetime.fromisoformat(start),
                           end_at=datetime.fromisoformat(start) + timedelta(minutes=30)))
    db.session.commit()
    assert (start, practitioner_id) not in _free_times(first, clinic.id, day, times[0][1])
    add_closure(db.session.get(Clinic, clinic.id), day, "Staff training")
    db.session.commit()
    assert _free_times(second, clinic.id, day, times[0][1]) == set()
