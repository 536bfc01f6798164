"""The reminder's link to the visit's own page, as a patient uses it: it opens the same page as
the confirmation's link and can cancel or move the visit under the same rules; once the visit
has moved or started, or if the link was altered, it shows the plain not-found page."""

import html
import re
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes, policy
from urllib.parse import quote, urlsplit

import pytest

from clinic_app.extensions import db
from clinic_app.notifications.cli import send_due
from clinic_app.patients.service import PatientDetails
from clinic_app.scheduling.booking import BookingRequest, book_appointment, reschedule_booking
from clinic_app.scheduling.models import BookingStatus
from tests.conftest import FormClient
from tests.factories import make_clinic, make_practitioner, make_service

# Denver keeps Mountain Standard Time (UTC-7) in January. Fixed dates far ahead: no sleeping.
BOOKED_AT = datetime(2030, 1, 1, 16, tzinfo=UTC)  # Tuesday 1 January, 9 AM in Denver
VISIT = datetime(2030, 1, 8, 16, 30, tzinfo=UTC)  # Tuesday 8 January, 9:30 AM in Denver
REMINDED_AT = VISIT - timedelta(hours=47)  # a reminder two days ahead: online changes still open
LATER_VISIT = datetime(2030, 1, 9, 17, tzinfo=UTC)  # Wednesday 9 January, 10 AM in Denver


@pytest.fixture
def clock(monkeypatch):
    """The time the pages see; starts when the reminder is sent."""
    now = {"at": REMINDED_AT}
    monkeypatch.setattr("clinic_app.clock.utcnow", lambda: now["at"])
    return now


@pytest.fixture
def booking(app, smtp_server, clock):
    app.config["REMINDER_HOURS_BEFORE"] = 48
    clinic = make_clinic(name="Denver Back Clinic", timezone="America/Denver", phone="(303) 555-0100")
    service = make_service(clinics=[clinic], slug="follow-up", name="Follow-up", duration_minutes=30)
    make_practitioner(clinic, services=[service])
    patient = PatientDetails("Pat", "Lee", "pat@example.com", "555-0100", date(1980, 1, 1))
    booking, _ = book_appointment(BookingRequest(clinic.id, "follow-up", VISIT, patient), BOOKED_AT)
    db.session.commit()
    return booking


def reminder_link(smtp_server) -> str:
    """The manage link in the reminder the worker sends, as a path; the HTML part carries the
    same link."""
    queued, _ = send_due(REMINDED_AT)
    assert queued == 1
    inbox = [message_from_bytes(m.as_bytes(), policy=policy.default) for m in smtp_server.wait_for(2)]
    [reminder] = [m for m in inbox if m["Subject"].startswith("Reminder")]
    plain = reminder.get_body(("plain",)).get_content()
    [link] = re.findall(r"http://localhost/book/manage/\S+", plain)
    assert f'href="{link}"' in html.unescape(reminder.get_body(("html",)).get_content())
    return urlsplit(link).path


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def not_found_page(client) -> str:
    return text(client.get("/book/manage/not-a-real-token"))


def test_the_reminder_link_opens_the_visits_page_and_keeps_its_address_private(client, booking, smtp_server):
    link = reminder_link(smtp_server)
    response = client.get(link)
    assert response.status_code == 200
    page = text(response)
    assert booking.reference in page and "Tuesday 8 January 2030 at 9:30 AM MST" in page
    assert "Move to another time" in page
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"
    assert client.get(f"{link}/calendar.ics").mimetype == "text/calendar"


def test_the_reminder_link_cancels_the_visit(client, booking, smtp_server):
    link = reminder_link(smtp_server)
    response = client.submit(f"{link}/cancel", {"reason": "I feel better"}, page=link)
    assert response.status_code == 302
    db.session.refresh(booking)
    assert booking.status == BookingStatus.CANCELLED and booking.cancelled_by == "patient"
    # The link went stale with the change; the patient lands on a fresh one for the visit as it is now.
    landing = client.get(response.headers["Location"])
    assert landing.status_code == 200 and "Your visit is cancelled" in text(landing)
    assert client.get(link).status_code == 404


def test_the_reminder_link_keeps_the_online_change_window(client, app, booking, smtp_server):
    link = reminder_link(smtp_server)
    csrf_token = FormClient.TOKEN.search(text(client.get(link))).group(1)  # the form as first seen
    app.config["CHANGE_NOTICE_HOURS"] = 48  # the visit is now inside the clinic's notice window
    assert "Move to another time" not in text(client.get(link))
    refused = client.post(f"{link}/cancel", data={"reason": "I feel better", "csrf_token": csrf_token})
    assert refused.status_code == 409 and "less than 48 hours away" in text(refused)
    db.session.refresh(booking)
    assert booking.status == BookingStatus.BOOKED


def test_after_a_move_through_the_link_the_old_reminder_link_no_longer_works(client, booking, smtp_server):
    link = reminder_link(smtp_server)
    start = LATER_VISIT.isoformat()
    response = client.submit(f"{link}/reschedule", {"start": start}, page=f"{link}/reschedule?start={quote(start)}")
    assert response.status_code == 302
    landing = text(client.get(response.headers["Location"]))
    assert "Wednesday 9 January 2030 at 10:00 AM MST" in landing
    old = client.get(link)
    assert old.status_code == 404 and text(old) == not_found_page(client)


def test_after_the_clinic_moves_the_visit_the_old_reminder_link_no_longer_works(client, booking, smtp_server):
    link = reminder_link(smtp_server)
    reschedule_booking(booking, LATER_VISIT, now=REMINDED_AT, online=False)
    db.session.commit()
    assert client.get(link).status_code == 404
    assert client.get(f"{link}/calendar.ics").status_code == 404


def test_the_reminder_link_stops_working_when_the_visit_starts(client, booking, smtp_server, clock):
    link = reminder_link(smtp_server)
    clock["at"] = VISIT
    assert client.get(link).status_code == 404


def test_an_altered_reminder_link_gets_the_plain_not_found_page(client, booking, smtp_server):
    link = reminder_link(smtp_server)
    signed = link.rsplit("/", 1)[1]
    tampered = link[: -len(signed)] + ("e" if signed[0] != "e" else "f") + signed[1:]  # another visit, say
    response = client.get(tampered)
    assert response.status_code == 404 and response.headers["Referrer-Policy"] == "no-referrer"
    assert text(response) == not_found_page(client)
    assert client.submit(f"{tampered}/cancel", {"reason": "x"}, page=link).status_code == 404
    db.session.refresh(booking)
    assert booking.status == BookingStatus.BOOKED
