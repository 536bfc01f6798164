"""The signals a domain sends when something happens that other domains act on: sent once per
operation, with what a receiver needs, inside the operation's transaction (so a receiver's
failure undoes the operation too). The waitlist, demand and announcement tests show the
receivers' effects; these pin down the contract the receivers rely on."""

from datetime import UTC, date, datetime

import pytest

from clinic_app.adherence.service import CheckInDetails, patient_today, record_check_in
from clinic_app.adherence.signals import check_in_saved
from clinic_app.audit.service import Actor
from clinic_app.clinics.signals import nearest_searched
from clinic_app.extensions import db
from clinic_app.patients.service import PatientDetails
from clinic_app.scheduling.booking import BookingRequest, book_appointment, cancel_booking, reschedule_booking
from clinic_app.scheduling.models import Booking, BookingStatus
from clinic_app.scheduling.signals import booking_cancelled, booking_made, booking_moved
from clinic_app.treatments.library import seed_exercise_library
from clinic_app.treatments.programmes import Dose, exercise_library, prescribe_programme
from tests.factories import make_booking, make_clinic, make_practitioner, make_service

NOW = datetime(2026, 11, 23, 14, tzinfo=UTC)  # Monday 9 AM in New York
TUESDAY_10AM = datetime(2026, 11, 24, 15, tzinfo=UTC)
TUESDAY_11AM = datetime(2026, 11, 24, 16, tzinfo=UTC)


class Heard:
    """A receiver that notes each signal it hears: (signal name, sender, keywords)."""

    def __init__(self):
        self.calls = []

    def on(self, signal):
        def receiver(sender, **keywords):
            self.calls.append((signal.name, sender, keywords))
        return signal.connected_to(receiver)


@pytest.fixture
def visit(app):
    clinic = make_clinic()
    service = make_service(clinics=[clinic], slug="follow-up", duration_minutes=30)
    practitioner = make_practitioner(clinic, services=[service])
    details = PatientDetails("Pat", "Lee", "pat@example.com", "555-0100", date(1980, 1, 1))
    return BookingRequest(clinic.id, "follow-up", TUESDAY_10AM, details, practitioner_id=practitioner.id)


def test_booking_moving_and_cancelling_each_announce_the_change_once(visit):
    heard = Heard()
    with heard.on(booking_made), heard.on(booking_moved), heard.on(booking_cancelled):
        booking, _ = book_appointment(visit, NOW)
        practitioner_before = booking.practitioner_id
        reschedule_booking(booking, TUESDAY_11AM, NOW)
        cancel_booking(booking, by="patient", reason="", now=NOW)
    assert [(name, sender) for name, sender, _ in heard.calls] == [
        ("booking-made", booking), ("booking-moved", booking), ("booking-cancelled", booking)]
    made, moved, cancelled = (keywords for _, _, keywords in heard.calls)
    assert made == {"now": NOW} and cancelled == {"now": NOW}
    assert moved == {"now": NOW, "previous_start": TUESDAY_10AM, "previous_practitioner_id": practitioner_before}


def test_a_refused_change_announces_nothing(visit):
    booking, _ = book_appointment(visit, NOW)
    cancel_booking(booking, by="patient", reason="", now=NOW)
    heard = Heard()
    with heard.on(booking_cancelled), pytest.raises(Exception, match="can no longer be cancelled"):
        cancel_booking(booking, by="patient", reason="", now=NOW)
    assert heard.calls == []


def test_a_receiver_that_fails_undoes_the_booking_with_it(visit):
    def broken(sender, **keywords):
        raise RuntimeError("receiver failed")

    with booking_made.connected_to(broken), pytest.raises(RuntimeError):
        book_appointment(visit, NOW)
    db.session.rollback()
    assert db.session.query(Booking).filter(Booking.status == BookingStatus.BOOKED).count() == 0


def test_saving_a_check_in_announces_the_saved_entry(app):
    visit = make_booking()
    seed_exercise_library()
    exercise = exercise_library()[0]
    programme, _ = prescribe_programme(Actor(visit.practitioner.user, "203.0.113.7"), visit.patient,
                                       visit.practitioner, [Dose(exercise.id, 3, 10)], "", NOW)
    heard = Heard()
    with heard.on(check_in_saved):
        today = patient_today(programme.patient_id, NOW)
        entry = record_check_in(programme, CheckInDetails(today, 3, None, {exercise.id: 2}), NOW)
    assert heard.calls == [("check-in-saved", entry, {"now": NOW})]
    assert entry.id is not None  # flushed before it is announced


def test_a_nearest_search_announces_how_far_the_nearest_open_clinic_is(client, app):
    make_clinic(name="Back Solution Phoenix", city="Phoenix", state="AZ", zip_code="85004")  # placed at the ZIP
    heard = Heard()
    with heard.on(nearest_searched):
        assert client.get("/api/v1/clinics/nearest?zip=85004").status_code == 200
    [(name, origin, keywords)] = heard.calls
    assert (name, origin.zip_code) == ("nearest-searched", "85004")
    assert keywords["nearest_open_miles"] < 5 and keywords["service_radius_miles"] == 50
