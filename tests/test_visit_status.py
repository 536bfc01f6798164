"""At the desk: check-in, seen, no-show, each audited; impossible moves are refused."""

from datetime import timedelta

import pytest

from clinic_app.audit.service import Actor, AuditQuery, search_events
from clinic_app.errors import Conflict
from clinic_app.extensions import db
from clinic_app.scheduling.models import BookingStatus
from clinic_app.scheduling.visits import mark_visit
from tests.factories import make_booking


@pytest.fixture
def visit(app):
    return make_booking()


@pytest.fixture
def desk(visit):
    return Actor(visit.practitioner.user, "198.51.100.2")


def test_a_patient_is_checked_in_then_seen_and_each_step_is_audited(visit, desk):
    mark_visit(desk, visit, BookingStatus.ARRIVED, visit.start_at - timedelta(minutes=10))
    mark_visit(desk, visit, BookingStatus.COMPLETED, visit.start_at + timedelta(minutes=30))
    db.session.commit()
    assert visit.status == BookingStatus.COMPLETED
    assert [e.action for e in reversed(search_events(AuditQuery(patient_id=visit.patient_id)))] == [
        "mark_arrived",
        "mark_completed",
    ]


def test_a_no_show_can_be_marked_only_after_the_start_and_undone(visit, desk):
    with pytest.raises(Conflict, match="start time has passed"):
        mark_visit(desk, visit, BookingStatus.NO_SHOW, visit.start_at - timedelta(minutes=1))
    mark_visit(desk, visit, BookingStatus.NO_SHOW, visit.start_at + timedelta(minutes=15))
    mark_visit(desk, visit, BookingStatus.BOOKED, visit.start_at + timedelta(minutes=16))
    assert visit.status == BookingStatus.BOOKED


@pytest.mark.parametrize(
    ("first", "then"),
    [
        (BookingStatus.COMPLETED, BookingStatus.NO_SHOW),
        (BookingStatus.COMPLETED, BookingStatus.ARRIVED),
        (BookingStatus.NO_SHOW, BookingStatus.COMPLETED),
    ],
)
def test_a_finished_visit_cannot_be_moved_to_another_outcome(visit, desk, first, then):
    after = visit.start_at + timedelta(hours=1)
    mark_visit(desk, visit, first, after)
    with pytest.raises(Conflict):
        mark_visit(desk, visit, then, after)


def test_check_in_is_refused_long_before_the_visit(visit, desk):
    with pytest.raises(Conflict, match="two hours"):
        mark_visit(desk, visit, BookingStatus.ARRIVED, visit.start_at - timedelta(hours=3))
