"""The network report's derived tables stay equal to the records they are derived from.

Every change a user can make to a visit (book, move, cancel, mark), to a note's pain score or
an ODI questionnaire, and a clinic's move to another time zone, leave daily_booking_figures and
outcome_scores exactly as a rebuild from the records would; on PostgreSQL two visits booked at
the same moment on one clinic day are both counted.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from clinic_app.audit.service import Actor
from clinic_app.clock import utcnow
from clinic_app.extensions import db
from clinic_app.reporting.models import DailyBookingFigures as Daily
from clinic_app.reporting.models import OutcomeScore
from clinic_app.reporting.projections import outcome_scores
from clinic_app.reporting.projections.daily_bookings import FIGURES, rebuild
from clinic_app.scheduling.availability import free_slots
from clinic_app.scheduling.booking import cancel_booking, reschedule_booking
from clinic_app.scheduling.models import Booking, BookingStatus
from clinic_app.scheduling.visits import mark_visit
from clinic_app.treatments.charts import record_odi
from clinic_app.treatments.models import TreatmentNote
from clinic_app.treatments.notes import NoteDetails, note_for_visit, save_draft, sign_note
from tests.conftest import TEST_DATABASE_URL
from tests.factories import make_booking, make_clinic, make_practitioner, make_service, make_user


def kept_rows() -> dict:
    rows = db.session.execute(select(Daily).order_by(Daily.clinic_id, Daily.day)).scalars()
    return {(row.clinic_id, row.day): tuple(getattr(row, name) for name in FIGURES)
            for row in rows if row.bookings}


def rebuilt_rows() -> dict:
    rebuild(db.session.connection())
    rows = kept_rows()
    db.session.rollback()
    return rows


def kept_scores() -> set:
    return set(db.session.execute(select(
        OutcomeScore.scale, OutcomeScore.source_id, OutcomeScore.clinic_id, OutcomeScore.patient_id,
        OutcomeScore.day, OutcomeScore.taken_at, OutcomeScore.score)).all())


def rebuilt_scores() -> set:
    outcome_scores.rebuild(db.session.connection())
    rows = kept_scores()
    db.session.rollback()
    return rows


@pytest.fixture
def clinic_setup(app):
    clinic = make_clinic(timezone="America/Denver")
    service = make_service(clinics=[clinic])
    first = make_practitioner(clinic, services=[service])
    second = make_practitioner(clinic, services=[service])
    return clinic, service, first, second


def test_booking_moving_cancelling_and_marking_keep_the_day_figures_equal_to_the_bookings(clinic_setup):
    clinic, service, first, second = clinic_setup
    week_ago = utcnow() - timedelta(days=7)
    seen = make_booking(clinic, service, first, now=week_ago)
    missed = make_booking(clinic, service, second, now=week_ago)
    moved = make_booking(clinic, service, first, now=utcnow())
    dropped = make_booking(clinic, service, second, now=utcnow())
    staff = Actor(make_user("practitioner", clinics=[clinic]))
    assert kept_rows() == rebuilt_rows()
    assert sum(figures[0] for figures in kept_rows().values()) == 4

    mark_visit(staff, seen, BookingStatus.COMPLETED, seen.end_at)
    mark_visit(staff, missed, BookingStatus.NO_SHOW, missed.end_at)
    later = free_slots(clinic, service, (moved.start_at + timedelta(days=3)).date(), 7, utcnow(), first.id)[0]
    reschedule_booking(moved, later.start, utcnow(), online=False)
    cancel_booking(dropped, "clinic", "", utcnow(), online=False)
    db.session.commit()

    assert kept_rows() == rebuilt_rows()
    totals = [sum(figures[FIGURES.index(name)] for figures in kept_rows().values())
              for name in ("bookings", "cancelled", "attended", "no_shows")]
    assert totals == [4, 1, 1, 1]


def test_a_clinic_moving_time_zone_recounts_its_days(clinic_setup):
    clinic, service, first, _ = clinic_setup
    booking = make_booking(clinic, service, first, now=utcnow())
    late_evening = booking.start_at.replace(hour=3, minute=30)  # 20:30 or 21:30 in Denver
    booking.start_at, booking.end_at, booking.blocked_until = (
        late_evening, late_evening + timedelta(minutes=30), late_evening + timedelta(minutes=30))
    db.session.commit()
    before = set(kept_rows())
    assert kept_rows() == rebuilt_rows()  # the day it left is empty again

    clinic.timezone = "Asia/Tokyo"  # the same instant is the next morning there
    db.session.commit()

    assert set(kept_rows()) != before
    assert kept_rows() == rebuilt_rows()


def test_scores_follow_signed_notes_questionnaires_and_the_visits_they_were_taken_at(clinic_setup):
    clinic, service, first, _ = clinic_setup
    visit = make_booking(clinic, service, first, now=utcnow() - timedelta(days=3))
    visit.status = "arrived"
    staff = Actor(first.user)  # the visit's practitioner writes its note
    note = note_for_visit(staff, visit, utcnow())
    assert kept_scores() == set()  # an empty draft has no pain score yet

    save_draft(staff, note, NoteDetails(pain_before=7, subjective="Sore"), utcnow())
    record_odi(staff, visit.patient, [3] * 10, "intake", utcnow(), booking_id=visit.id)
    record_odi(staff, visit.patient, [None] * 10, "progress", utcnow(), booking_id=visit.id)  # no score
    db.session.commit()
    assert {(row[0], row[6]) for row in kept_scores()} == {("odi", 60.0)}  # a draft's pain does not count
    sign_note(staff, note, utcnow())
    db.session.commit()
    assert {(row[0], row[6]) for row in kept_scores()} == {("nprs", 7), ("odi", 60.0)}
    assert kept_scores() == rebuilt_scores()

    visit.start_at, visit.end_at, visit.blocked_until = (moment + timedelta(days=1) for moment in (
        visit.start_at, visit.end_at, visit.blocked_until))
    db.session.commit()
    assert ("nprs", visit.start_at.astimezone(ZoneInfo("America/Denver")).date(), 7) in {
        (row[0], row[4], row[6]) for row in kept_scores()}
    assert kept_scores() == rebuilt_scores()

    visit.status = "booked"  # the desk undoes the check-in: the pain score no longer counts
    db.session.commit()
    assert {row[0] for row in kept_scores()} == {"odi"}
    assert kept_scores() == rebuilt_scores()

    clinic.timezone = "Asia/Tokyo"
    db.session.commit()
    assert kept_scores() == rebuilt_scores()


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="PostgreSQL only: SQLite lets one transaction write at a time")
def test_two_visits_booked_at_once_on_one_day_are_both_counted(app, clinic_setup):
    clinic, service, first, second = clinic_setup
    existing = make_booking(clinic, service, first, now=utcnow())
    engine, day_start = db.engine, existing.start_at.replace(hour=16, minute=0)  # same Denver day, later
    first_flushed, release_first, failures = threading.Event(), threading.Event(), []

    def book(practitioner_id: int, number: int, hold: bool) -> None:
        try:
            with app.app_context(), Session(engine) as session:
                start = day_start + timedelta(hours=number)
                session.add(Booking(
                    reference=f"RACE{number}", clinic_id=clinic.id, practitioner_id=practitioner_id,
                    service_id=service.id, patient_id=existing.patient_id, start_at=start,
                    end_at=start + timedelta(minutes=30), blocked_until=start + timedelta(minutes=30),
                    manage_token_hash=f"race-{number}", source="online"))
                session.flush()  # the day's row is now locked by this transaction
                if hold:
                    first_flushed.set()
                    release_first.wait(10)
                session.commit()
        except Exception as error:  # noqa: BLE001 - the assertion below reports it
            failures.append(error)

    holder = threading.Thread(target=book, args=(first.id, 1, True))
    holder.start()
    assert first_flushed.wait(10)
    waiter = threading.Thread(target=book, args=(second.id, 2, False))
    waiter.start()
    assert _a_transaction_waits_on_a_lock(engine), "the second booking never waited for the first"
    release_first.set()
    holder.join(10)
    waiter.join(10)

    assert failures == []
    db.session.expire_all()
    assert kept_rows() == rebuilt_rows()
    assert sum(figures[0] for figures in kept_rows().values()) == 3


def _a_transaction_waits_on_a_lock(engine, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    with engine.connect() as connection:
        while time.monotonic() < deadline:
            waiting = connection.scalar(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'"))
            if waiting:
                return True
            connection.rollback()
            time.sleep(0.05)
    return False


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="PostgreSQL only: SQLite lets one transaction write at a time")
def test_a_note_signed_while_its_visit_moves_is_filed_once_with_both_changes(app, clinic_setup):
    clinic, service, first, _ = clinic_setup
    visit = make_booking(clinic, service, first, now=utcnow() - timedelta(days=3))
    visit.status = "arrived"
    staff = Actor(first.user)  # the visit's practitioner writes its note
    save_draft(staff, note_for_visit(staff, visit, utcnow()), NoteDetails(pain_before=7), utcnow())
    db.session.commit()
    engine, note_saved, release_note, failures = db.engine, threading.Event(), threading.Event(), []

    def save_pain() -> None:
        try:
            with app.app_context(), Session(engine) as session:
                note = session.scalar(select(TreatmentNote))
                note.pain_before, note.status, note.signed_at = 4, "signed", utcnow()
                session.flush()  # the score's row is refiled, and held, by this transaction
                note_saved.set()
                release_note.wait(10)
                session.commit()
        except Exception as error:  # noqa: BLE001 - the assertion below reports it
            failures.append(error)

    def move_visit() -> None:
        try:
            with app.app_context(), Session(engine) as session:
                booking = session.get(Booking, visit.id)
                later = booking.start_at + timedelta(hours=1)
                booking.start_at, booking.end_at, booking.blocked_until = later, later + timedelta(minutes=30), \
                    later + timedelta(minutes=30)
                session.commit()
        except Exception as error:  # noqa: BLE001
            failures.append(error)

    saver = threading.Thread(target=save_pain)
    saver.start()
    assert note_saved.wait(10)
    mover = threading.Thread(target=move_visit)
    mover.start()
    assert _a_transaction_waits_on_a_lock(engine), "the move never waited for the note"
    release_note.set()
    saver.join(10)
    mover.join(10)

    assert failures == []
    db.session.expire_all()
    assert kept_scores() == rebuilt_scores()
    assert {(row[0], row[5], row[6]) for row in kept_scores()} == {
        ("nprs", db.session.get(Booking, visit.id).start_at, 4)}
