"""Booking, cancelling and rescheduling through the service: what a patient and the clinic
would notice (a time taken, a time free again, a clear refusal), never a half-written record."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from clinic_app.clinics.models import ClinicClosure
from clinic_app.clock import utcnow
from clinic_app.errors import ValidationFailed
from clinic_app.extensions import db
from clinic_app.notifications.models import OutboxMessage
from clinic_app.patients.models import Patient
from clinic_app.patients.service import PatientDetails
from clinic_app.scheduling.availability import free_slots
from clinic_app.scheduling.booking import (
    BookingRequest,
    ChangeRefused,
    SlotUnavailable,
    book_appointment,
    booking_for_token,
    cancel_booking,
    reschedule_booking,
)
from clinic_app.scheduling.models import Booking, BookingStatus
from tests.factories import make_booking, make_clinic, make_practitioner, make_service

NOW = datetime(2026, 11, 23, 14, tzinfo=UTC)  # Monday 9 AM in New York
TUESDAY = date(2026, 11, 24)
TUESDAY_9AM = datetime(2026, 11, 24, 14, tzinfo=UTC)  # New York is UTC-5 in November


def at(hour: int, minute: int = 0, day: date = TUESDAY) -> datetime:
    """That wall-clock time in New York on ``day`` (November: UTC-5)."""
    return datetime(day.year, day.month, day.day, hour + 5, minute, tzinfo=UTC)


@pytest.fixture
def clinic(app):
    return make_clinic()


@pytest.fixture
def service(clinic):
    return make_service(clinics=[clinic], slug="follow-up", name="Follow-up", duration_minutes=30)


@pytest.fixture
def practitioner(clinic, service):
    return make_practitioner(clinic, services=[service])


def person(n: int = 1, **overrides) -> PatientDetails:
    fields = dict(first_name=f"Pat{n}", last_name="Lee", email=f"pat{n}@example.com", phone="555-0100",
                  date_of_birth=date(1980, 1, n))
    fields.update(overrides)
    return PatientDetails(**fields)


def book(clinic, service, start, patient=None, now=NOW, **fields):
    booking, token = book_appointment(
        BookingRequest(clinic.id, service.slug, start, patient or person(), **fields), now
    )
    db.session.commit()
    return booking, token


def starts(clinic, service, day=TUESDAY, now=NOW, **kwargs) -> set[datetime]:
    return {slot.start for slot in free_slots(clinic, service, day, 1, now, **kwargs)}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_booked_time_and_the_overlapping_starts_are_no_longer_offered(clinic, service, practitioner):
    assert {at(9), at(9, 15), at(9, 30)} <= starts(clinic, service)
    booking, _ = book(clinic, service, at(9))
    assert booking.status == BookingStatus.BOOKED and booking.practitioner_id == practitioner.id
    free = starts(clinic, service)
    assert at(9) not in free and at(9, 15) not in free  # 9:15 would overlap 9:00-9:30
    assert at(9, 30) in free


def test_the_buffer_after_a_visit_keeps_the_next_start_free_of_bookings(clinic, practitioner):
    assessment = make_service(clinics=[clinic], duration_minutes=60, buffer_after_minutes=15)
    practitioner.services.append(assessment)
    db.session.commit()
    book(clinic, assessment, at(9))
    free = starts(clinic, assessment)
    assert at(10) not in free and at(10, 15) in free


def test_second_booking_for_the_same_slot_is_rejected_with_the_next_free_times(clinic, service, practitioner):
    book(clinic, service, at(9))
    with pytest.raises(SlotUnavailable) as refused:
        book(clinic, service, at(9), person(2))
    db.session.rollback()
    assert "just taken" in refused.value.message
    assert [slot.start for slot in refused.value.next_slots][:2] == [at(9, 30), at(9, 45)]
    assert count(Booking) == 1 and count(Patient) == 1


def test_first_available_goes_to_the_practitioner_who_is_still_free(clinic, service, practitioner):
    colleague = make_practitioner(clinic, services=[service])
    first, _ = book(clinic, service, at(9))
    second, _ = book(clinic, service, at(9), person(2))
    assert {first.practitioner_id, second.practitioner_id} == {practitioner.id, colleague.id}
    with pytest.raises(SlotUnavailable):
        book(clinic, service, at(9), person(3))


def test_a_chosen_practitioner_who_is_busy_is_not_swapped_for_another(clinic, service, practitioner):
    make_practitioner(clinic, services=[service])
    book(clinic, service, at(9), practitioner_id=practitioner.id)
    with pytest.raises(SlotUnavailable):
        book(clinic, service, at(9), person(2), practitioner_id=practitioner.id)


@pytest.mark.parametrize(
    ("start", "field", "words"),
    [
        (datetime(2026, 11, 20, 14, tzinfo=UTC), "start", "already passed"),
        (at(9, 7), "start", "not a bookable time"),
        (at(7), "start", "not a bookable time"),  # before the practitioner starts
        (at(9, day=date(2026, 11, 28)), "start", "not a bookable time"),  # Saturday: closed
        (datetime(2026, 11, 24, 9), "start", "UTC offset"),  # a naive time is ambiguous
        (NOW + timedelta(hours=1), "start", "not a bookable time"),  # inside the minimum notice
        (at(9, day=TUESDAY + timedelta(days=120)), "start", "not a bookable time"),  # past the horizon
    ],
)
def test_a_time_that_cannot_be_booked_is_refused_and_nothing_is_written(clinic, service, practitioner, start,
                                                                         field, words):
    with pytest.raises(ValidationFailed) as refused:
        book(clinic, service, start)
    db.session.rollback()
    assert refused.value.field == field and words in refused.value.message
    assert count(Booking) == 0 and count(Patient) == 0 and count(OutboxMessage) == 0


def test_a_service_the_clinic_does_not_offer_is_refused(clinic, service, practitioner):
    elsewhere = make_service(clinics=[make_clinic()])
    with pytest.raises(ValidationFailed) as refused:
        book(clinic, elsewhere, at(9))
    assert refused.value.field == "service" and count(Booking) == 0


def test_a_closed_clinic_day_offers_no_times(clinic, service, practitioner):
    clinic.closures.append(ClinicClosure(closed_on=TUESDAY, reason="Staff training"))
    db.session.commit()
    assert starts(clinic, service) == set()
    with pytest.raises(ValidationFailed):
        book(clinic, service, at(9))


def test_new_patient_services_are_refused_to_returning_patients(clinic, practitioner):
    assessment = make_service(clinics=[clinic], new_patients_only=True, name="Initial assessment")
    practitioner.services.append(assessment)
    db.session.commit()
    with pytest.raises(ValidationFailed) as refused:
        book(clinic, assessment, at(9), new_patient=False)
    assert "for new patients" in refused.value.message and count(Booking) == 0


def test_a_patient_cannot_hold_more_than_the_allowed_future_visits(app, clinic, service, practitioner):
    app.config["MAX_FUTURE_BOOKINGS_PER_PATIENT"] = 2
    book(clinic, service, at(9))
    book(clinic, service, at(10))
    with pytest.raises(ValidationFailed) as refused:
        book(clinic, service, at(11))
    db.session.rollback()
    assert "2 upcoming visits" in refused.value.message and count(Booking) == 2


def test_the_same_email_and_birth_date_is_the_same_patient_whatever_the_case(clinic, service, practitioner):
    first, _ = book(clinic, service, at(9), person(1))
    again, _ = book(clinic, service, at(10), person(1, email="PAT1@Example.com", phone="555-0199"))
    sibling, _ = book(clinic, service, at(11), person(1, date_of_birth=date(2010, 5, 5), first_name="Sam"))
    assert again.patient_id == first.patient_id
    # The record keeps its phone; the one typed waits on the booking for the desk to confirm.
    assert again.patient.phone == first.patient.phone != "555-0199" and again.given_details == {"phone": "555-0199"}
    assert sibling.patient_id != first.patient_id
    assert count(Patient) == 2


def test_the_manage_token_is_stored_only_as_a_hash_and_finds_the_visit(clinic, service, practitioner):
    booking, token = book(clinic, service, at(9))
    assert token not in booking.manage_token_hash and len(token) >= 40
    assert booking_for_token(token).id == booking.id
    assert booking_for_token(token + "x") is None


def test_the_confirmation_is_queued_in_the_same_transaction(clinic, service, practitioner):
    booking, _ = book(clinic, service, at(9))
    message = db.session.scalar(select(OutboxMessage))
    assert message.recipient == "pat1@example.com" and booking.reference in message.body_text
    assert message.idempotency_key == f"booking:{booking.id}:confirmation:0"


def test_a_cancellation_keeps_the_visit_with_who_when_and_why_and_frees_the_time(clinic, service, practitioner):
    booking, _ = book(clinic, service, at(9))
    cancel_booking(booking, by="patient", reason="  Feeling better  ", now=NOW)
    db.session.commit()
    kept = db.session.get(Booking, booking.id)
    assert kept.status == BookingStatus.CANCELLED and kept.cancelled_by == "patient"
    assert kept.cancelled_at == NOW and kept.cancellation_reason == "Feeling better"
    assert at(9) in starts(clinic, service)
    assert book(clinic, service, at(9), person(2))[0].id != booking.id


def test_online_changes_inside_the_notice_window_are_refused_with_the_clinic_phone(clinic, service, practitioner):
    booking, _ = book(clinic, service, at(9))
    late = at(9) - timedelta(hours=23)
    with pytest.raises(ChangeRefused) as refused:
        cancel_booking(booking, by="patient", reason="", now=late)
    assert clinic.phone in refused.value.message
    with pytest.raises(ChangeRefused):
        reschedule_booking(booking, at(11), now=late)
    cancel_booking(booking, by="clinic", reason="Called in", now=late, online=False)  # staff may
    assert booking.status == BookingStatus.CANCELLED


def test_a_cancelled_visit_cannot_be_cancelled_or_moved_again(clinic, service, practitioner):
    booking, _ = book(clinic, service, at(9))
    cancel_booking(booking, by="patient", reason="", now=NOW)
    with pytest.raises(ChangeRefused):
        cancel_booking(booking, by="patient", reason="", now=NOW)
    with pytest.raises(ChangeRefused):
        reschedule_booking(booking, at(11), now=NOW)


def test_rescheduling_moves_the_same_visit_and_frees_the_old_time(clinic, service, practitioner):
    booking, _ = book(clinic, service, at(9))
    moved = reschedule_booking(booking, at(11), now=NOW)
    db.session.commit()
    assert moved.id == booking.id and moved.start_at == at(11) and moved.sequence == 1
    free = starts(clinic, service)
    assert at(9) in free and at(11) not in free
    assert count(Booking) == 1


def test_rescheduling_to_a_taken_time_leaves_the_visit_where_it_was(clinic, service, practitioner):
    booking, _ = book(clinic, service, at(9))
    book(clinic, service, at(11), person(2))
    with pytest.raises(SlotUnavailable):
        reschedule_booking(booking, at(11), now=NOW)
    db.session.rollback()
    kept = db.session.get(Booking, booking.id)
    assert kept.start_at == at(9) and kept.status == BookingStatus.BOOKED


def test_rescheduling_a_little_later_may_overlap_its_own_old_time(clinic, service, practitioner):
    booking, _ = book(clinic, service, at(9))
    moved = reschedule_booking(booking, at(9, 15), now=NOW)
    db.session.commit()
    assert moved.start_at == at(9, 15)


def test_the_database_itself_refuses_a_second_active_booking_at_the_same_start(clinic, service, practitioner):
    booking, _ = book(clinic, service, at(9))
    twin = _copy(booking, reference="TWIN0001", manage_token_hash="0" * 64)
    db.session.add(twin)
    with pytest.raises(IntegrityError):
        db.session.flush()


def test_postgresql_refuses_overlapping_active_bookings_of_one_practitioner(app, clinic, service, practitioner):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the exclusion constraint over time ranges is PostgreSQL's; SQLite serialises instead")
    booking, _ = book(clinic, service, at(9))
    overlapping = _copy(booking, reference="OVER0001", manage_token_hash="1" * 64,
                        start_at=at(9, 10), end_at=at(9, 40), blocked_until=at(9, 40))
    db.session.add(overlapping)
    with pytest.raises(IntegrityError, match="ex_bookings_no_overlap"):
        db.session.flush()


def _copy(booking: Booking, **changes) -> Booking:
    fields = {column.key: getattr(booking, column.key) for column in Booking.__table__.columns if column.key != "id"}
    return Booking(**{**fields, **changes})


def test_a_cancel_that_lost_a_race_with_a_move_is_refused_whole(app):
    visit = make_booking(now=utcnow())
    read_before_the_move = db.session.get(Booking, visit.id)
    db.session.expunge(read_before_the_move)  # kept as read, outside any transaction
    db.session.rollback()
    with db.engine.begin() as other_request:  # the move commits first, raising the sequence
        other_request.execute(text("UPDATE bookings SET sequence = sequence + 1 WHERE id = :id"), {"id": visit.id})
    db.session.add(read_before_the_move)
    with pytest.raises(StaleDataError):
        cancel_booking(read_before_the_move, "patient", "Feeling better", utcnow(), online=False)
    db.session.rollback()
    assert db.session.get(Booking, visit.id).status == BookingStatus.BOOKED
