"""The patient's own pages under /my/: cancelling, moving and booking again their visits, with
the same rules as the link in their e-mails, and "who looked at my record" from the audit trail."""

import html
import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from clinic_app.audit.service import Actor, record_event
from clinic_app.extensions import db
from clinic_app.notifications.models import OutboxMessage
from clinic_app.patients.service import PatientDetails
from clinic_app.scheduling.booking import BookingRequest, book_appointment
from clinic_app.scheduling.models import Booking, BookingStatus
from tests.factories import make_chelsea_clinic, make_follow_up_service, make_jordan_reyes, make_user

NOW = datetime(2026, 11, 23, 14, tzinfo=UTC)  # Monday 9 AM in New York (UTC-5 in November)
NEW_YORK = ZoneInfo("America/New_York")


def new_york(day: int, hour: int, minute: int = 0) -> str:
    return datetime(2026, 11, day, hour, minute, tzinfo=NEW_YORK).isoformat()


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    monkeypatch.setattr("clinic_app.clock.utcnow", lambda: NOW)


@pytest.fixture
def clinic(app):
    return make_chelsea_clinic(phone="(555) 010-0000")


@pytest.fixture
def service(clinic):
    return make_follow_up_service(clinic)


@pytest.fixture
def practitioner(clinic, service):
    return make_jordan_reyes(clinic, service)


@pytest.fixture
def ada(app):
    return make_user("patient", full_name="Ada Lovelace", email="ada@example.com")


@pytest.fixture
def signed_in(client, ada):
    assert client.login("ada@example.com").status_code == 302
    return client


def book(clinic, start: str, user=None, n: int = 1, now: datetime = NOW) -> Booking:
    """A visit at ``start``; with ``user``, for that account's own patient record."""
    email = user.email if user else f"other{n}@example.com"
    details = PatientDetails("Ada" if user else f"Other{n}", "Lovelace", email, "555-0100", date(1980, 1, n))
    booking, _ = book_appointment(BookingRequest(clinic.id, "follow-up", datetime.fromisoformat(start), details,
                                                 user_id=user.id if user else None), now)
    db.session.commit()
    return booking


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def links(page: str, prefix: str) -> list[str]:
    return [html.unescape(href) for href in re.findall(rf'href="({re.escape(prefix)}[^"]*)"', page)]


def unchanged(booking: Booking, start: str) -> bool:
    db.session.refresh(booking)
    return (booking.status, booking.start_at, booking.sequence) == (
        BookingStatus.BOOKED, datetime.fromisoformat(start).astimezone(UTC), 0)


# --- the visits on /my/ ----------------------------------------------------------------------


def test_upcoming_visits_offer_cancel_and_change_time_and_past_ones_book_again(signed_in, ada, clinic, practitioner):
    upcoming = book(clinic, new_york(25, 10), ada)
    past = book(clinic, new_york(9, 10), ada, now=NOW - timedelta(days=16))
    page = text(signed_in.get("/my/"))
    assert f'href="/my/visits/{upcoming.id}/cancel"' in page
    assert f'href="/my/visits/{upcoming.id}/reschedule"' in page
    assert f"/my/visits/{past.id}/" not in page
    [again] = links(page, "/book/time?")
    assert again == f"/book/time?clinic=chelsea&service=follow-up&practitioner={practitioner.id}"
    assert "Jordan Reyes" in text(signed_in.get(again))


def test_a_visit_inside_the_notice_window_offers_the_clinics_phone_instead(signed_in, ada, clinic, practitioner):
    soon = book(clinic, new_york(23, 14), ada)  # five hours away
    page = text(signed_in.get("/my/"))
    assert "less than 24 hours away" in page and "(555) 010-0000" in page
    assert f"/my/visits/{soon.id}/" not in page


def test_cancelling_from_my_page_cancels_the_visit_and_says_so(signed_in, ada, clinic, practitioner):
    visit = book(clinic, new_york(25, 10), ada)
    confirm = text(signed_in.get(f"/my/visits/{visit.id}/cancel"))
    assert "Wednesday 25 November 2026 at 10:00 AM EST" in confirm and visit.reference in confirm

    response = signed_in.submit(f"/my/visits/{visit.id}/cancel", {"reason": "I feel better"})

    assert response.status_code == 302 and response.headers["Location"] == "/my/"
    db.session.refresh(visit)
    assert (visit.status, visit.cancelled_by, visit.cancelled_at) == (BookingStatus.CANCELLED, "patient", NOW)
    after = text(signed_in.get("/my/"))
    assert "Your visit is cancelled" in after and "(cancelled)" in after
    assert f"/my/visits/{visit.id}/cancel" not in after


def test_cancelling_needs_a_reason_and_changes_nothing_without_one(signed_in, ada, clinic, practitioner):
    visit = book(clinic, new_york(25, 10), ada)
    response = signed_in.submit(f"/my/visits/{visit.id}/cancel", {"reason": ""})
    assert response.status_code == 422 and "Choose a reason" in text(response)
    assert unchanged(visit, new_york(25, 10))


def test_a_late_cancellation_is_refused_with_the_clinics_phone(signed_in, ada, clinic, practitioner):
    soon = book(clinic, new_york(23, 14), ada)
    later = book(clinic, new_york(25, 10), ada)
    page = text(signed_in.get(f"/my/visits/{soon.id}/cancel"))
    assert "can't be changed online" in page and "Cancel this visit" not in page

    refused = signed_in.submit(f"/my/visits/{soon.id}/cancel", {"reason": "I feel better"},
                               page=f"/my/visits/{later.id}/cancel")  # the late visit's page has no form

    assert refused.status_code == 409 and "Please call (555) 010-0000" in text(refused)
    assert unchanged(soon, new_york(23, 14))


def test_changing_the_time_from_my_page_moves_the_visit(signed_in, ada, clinic, practitioner):
    visit = book(clinic, new_york(25, 10), ada)
    picker = text(signed_in.get(f"/my/visits/{visit.id}/reschedule?week=2026-11-26&day=2026-11-26"))
    assert 'href="/my/"' in picker  # "keep this time" goes back to /my/
    [new_time] = [url for url in links(picker, f"/my/visits/{visit.id}/reschedule?start=") if new_york(26, 14) in url]
    confirm = signed_in.get(new_time)
    assert "Thursday 26 November 2026 at 2:00 PM EST" in text(confirm)

    response = signed_in.submit(f"/my/visits/{visit.id}/reschedule", {"start": new_york(26, 14)}, page=new_time)

    assert response.status_code == 302 and response.headers["Location"] == "/my/"
    db.session.refresh(visit)
    assert visit.start_at == datetime(2026, 11, 26, 19, tzinfo=UTC) and visit.status == BookingStatus.BOOKED
    after = text(signed_in.get("/my/"))
    assert "Your visit has moved" in after and "Thursday 26 November 2026 at 2:00 PM EST" in after
    assert db.session.scalar(select(func.count()).where(OutboxMessage.subject.like("%has moved%"))) == 1


def test_a_time_just_taken_is_refused_with_the_next_free_ones_and_nothing_moves(signed_in, ada, clinic, practitioner):
    visit = book(clinic, new_york(25, 10), ada)
    book(clinic, new_york(26, 14), n=2)
    page = f"/my/visits/{visit.id}/reschedule?start={new_york(26, 14)}"
    response = signed_in.submit(f"/my/visits/{visit.id}/reschedule", {"start": new_york(26, 14)}, page=page)
    assert response.status_code == 409
    assert "Sorry, that time was just taken" in text(response)
    assert "Thursday 26 November 2026 at 2:30 PM EST" in text(response)
    assert unchanged(visit, new_york(25, 10))


def test_a_past_visit_cannot_be_moved(signed_in, ada, clinic, practitioner):
    past = book(clinic, new_york(9, 10), ada, now=NOW - timedelta(days=16))
    later = book(clinic, new_york(25, 10), ada)
    response = signed_in.get(f"/my/visits/{past.id}/reschedule", follow_redirects=True)
    assert "already taken place" in text(response)
    moved = signed_in.submit(f"/my/visits/{past.id}/reschedule", {"start": new_york(26, 14)},
                             page=f"/my/visits/{later.id}/reschedule?start={new_york(26, 14)}")
    assert moved.status_code == 409
    assert unchanged(past, new_york(9, 10))


# --- who looked at my record ----------------------------------------------------------------


def test_record_access_shows_a_practitioners_chart_open_and_not_other_patients(client, ada, clinic, practitioner):
    own = book(clinic, new_york(9, 10), ada, now=NOW - timedelta(days=16))
    other = book(clinic, new_york(10, 10), n=2, now=NOW - timedelta(days=16))
    staff = practitioner.user
    record_event(Actor(staff), own.patient_id, "sign_note", None, datetime(2026, 11, 20, 20, tzinfo=UTC))
    record_event(Actor(staff), own.patient_id, "view_chart", None, NOW - timedelta(days=400))  # too old
    record_event(Actor(ada), own.patient_id, "check_in", None, NOW)  # the patient's own doing
    db.session.commit()
    client.login(staff.email)
    assert client.get(f"/practice/patients/{own.patient_id}").status_code == 200
    assert client.get(f"/practice/patients/{other.patient_id}").status_code == 200
    client.logout()
    client.login("ada@example.com")

    page = text(client.get("/my/record-access"))

    assert page.count("Opened your chart") == 1 and page.count(staff.full_name) == 2
    assert "Practitioner" in page or "practitioner" in page
    assert page.count("Back Solution Chelsea") == 2
    assert "Signed the note of a visit" in page and "Friday 20 November 2026 at 3:00 PM EST" in page
    assert page.index("Opened your chart") < page.index("Signed the note of a visit")  # newest first
    assert "heck in" not in page


def test_my_page_links_to_who_looked_at_my_record(signed_in):
    assert 'href="/my/record-access"' in signed_in.get("/my/").text
    page = signed_in.get("/my/record-access")
    assert page.status_code == 200 and "No member of staff has opened your record" in page.text
    assert page.headers["Cache-Control"] == "no-store"
