"""The online change window, at its boundary: a visit may be moved or cancelled online while at
least CHANGE_NOTICE_HOURS (24) remain before it starts. One predicate decides it
(scheduling.rules.change_window_open); the booking service, the API, the reminder e-mail and
the reports' late-cancellation figure all agree with it at exactly 24 hours and a second either
side, on SQLite and PostgreSQL."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from clinic_app.extensions import db
from clinic_app.notifications.models import OutboxMessage
from clinic_app.patients.service import PatientDetails
from clinic_app.reporting.queries.bookings import booking_figure_columns
from clinic_app.scheduling.booking import (
    BookingRequest,
    ChangeRefused,
    book_appointment,
    cancel_booking,
    may_change_online,
)
from clinic_app.scheduling.models import Booking
from clinic_app.scheduling.reminders import queue_due_reminders
from clinic_app.scheduling.rules import change_window_open
from tests.factories import make_clinic, make_practitioner, make_service

# Far ahead, so that the confirmation (queued at the real time) was before any reminder window.
BOOKED_AT = datetime(2030, 1, 1, 14, tzinfo=UTC)
VISIT = datetime(2030, 1, 8, 15, tzinfo=UTC)  # Tuesday 10 AM in New York
HOURS = 24
SECOND, MICROSECOND = timedelta(seconds=1), timedelta(microseconds=1)
# Time left before the visit -> whether the window is still open.
BOUNDARY = [
    (timedelta(hours=HOURS) - SECOND, False),
    (timedelta(hours=HOURS) - MICROSECOND, False),
    (timedelta(hours=HOURS), True),
    (timedelta(hours=HOURS) + SECOND, True),
]


@pytest.mark.parametrize(("left", "open_"), BOUNDARY)
def test_the_window_is_open_while_at_least_the_notice_remains(left, open_):
    assert change_window_open(VISIT, VISIT - left, HOURS) is open_


def test_the_window_is_closed_once_the_visit_has_started():
    assert not change_window_open(VISIT, VISIT, HOURS)
    assert not change_window_open(VISIT, VISIT + SECOND, HOURS)


@pytest.fixture
def booked(app):
    """A visit booked a week ahead, and its manage token."""
    clinic = make_clinic(phone="(212) 555-0100")
    service = make_service(clinics=[clinic], slug="follow-up", duration_minutes=30)
    make_practitioner(clinic, services=[service])
    patient = PatientDetails("Pat", "Lee", "pat@example.com", "555-0100", date(1980, 1, 1))
    booking, token = book_appointment(BookingRequest(clinic.id, "follow-up", VISIT, patient), BOOKED_AT)
    db.session.commit()
    return booking, token


@pytest.fixture
def booking(booked):
    return booked[0]


@pytest.mark.parametrize(("left", "open_"), BOUNDARY)
def test_a_patient_may_cancel_online_exactly_while_the_window_is_open(booking, left, open_):
    now = VISIT - left
    assert may_change_online(booking, now) is open_
    if open_:
        cancel_booking(booking, by="patient", reason="", now=now)
    else:
        with pytest.raises(ChangeRefused, match="less than 24 hours away"):
            cancel_booking(booking, by="patient", reason="", now=now)


@pytest.mark.parametrize(("left", "open_"), BOUNDARY)
def test_the_api_says_whether_a_visit_can_change_online_by_the_same_rule(client, booked, monkeypatch, left, open_):
    _, token = booked
    monkeypatch.setattr("clinic_app.clock.utcnow", lambda: VISIT - left)
    assert client.get(f"/api/v1/bookings/{token}").get_json()["booking"]["can_change_online"] is open_


@pytest.mark.parametrize(("left", "open_"), BOUNDARY)
def test_a_reminder_offers_the_online_change_exactly_while_the_window_is_open(booking, app, left, open_):
    """The reminder goes out REMINDER_HOURS_BEFORE (here 24) ahead; sent right at the boundary
    it must not tell the patient to phone while the booking pages would still let them change."""
    assert queue_due_reminders(VISIT - left, hours_before=25) == 1
    reminder = db.session.scalar(select(OutboxMessage).where(OutboxMessage.subject.startswith("Reminder")))
    assert ("To see, move or cancel your visit" in reminder.body_text) is open_
    assert ("Online changes close 24 hours before a visit" in reminder.body_text) is not open_


def test_the_reports_count_a_cancellation_as_late_exactly_when_the_window_had_closed(booked):
    """The late-cancellation figure is computed in SQL; it agrees with the predicate to the
    microsecond on both databases (SQLite keeps instants as text, PostgreSQL as timestamps).
    The clinic cancels (no notice needed), one visit at each distance from the boundary."""
    booking, _ = booked
    visits = [booking]
    for n in range(1, len(BOUNDARY)):
        patient = PatientDetails(f"Pat{n}", "Lee", f"pat{n}@example.com", "555-0100", date(1980, 1, 1))
        start = VISIT + n * timedelta(minutes=30)
        visits.append(book_appointment(BookingRequest(booking.clinic_id, "follow-up", start, patient), BOOKED_AT)[0])
    for visit, (left, _) in zip(visits, BOUNDARY, strict=True):
        cancel_booking(visit, by="clinic", reason="", now=visit.start_at - left, online=False)
    db.session.commit()
    late = booking_figure_columns()[3]
    for visit, (left, open_) in zip(visits, BOUNDARY, strict=True):
        counted = db.session.scalar(select(late).select_from(Booking).where(Booking.id == visit.id))
        assert counted == (0 if open_ else 1), left
        assert counted == int(not change_window_open(visit.start_at, visit.cancelled_at, HOURS))
