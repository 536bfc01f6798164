"""Which of a patient's records a clinic's staff see (accounts.policy.can_see_clinic_record), as a
table: the patient was treated at Back Bay; Manhattan's staff look, with the patient booked at
Manhattan (not yet attended), attended there, booked there then cancelled, or never there. Every
kind of record, made at Manhattan ("here") or at Back Bay ("elsewhere"), through the pages that
show it. Then the attack it stops, end to end, and the audit flag of a read across clinics."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from clinic_app.accounts.models import Role
from clinic_app.adherence.models import CheckInExercise, ExerciseCheckIn
from clinic_app.audit.models import AuditEvent
from clinic_app.clinics.rules import local_date
from clinic_app.clock import utcnow
from clinic_app.extensions import db
from clinic_app.scheduling.models import BookingStatus
from clinic_app.treatments.episodes import episode_for_visit
from clinic_app.treatments.library import seed_exercise_library
from clinic_app.treatments.models import Chart, OdiResponse, Programme, ProgrammeExercise, TreatmentNote
from clinic_app.treatments.programmes import exercise_library
from tests.factories import make_booking, make_clinic, make_practitioner, make_service, make_user

ROBIN = {"first_name": "Robin", "last_name": "Moved", "email": "robin@example.com"}
SITUATIONS = ("booked here", "attended here", "cancelled here", "never here")
KINDS = ("visit", "note", "odi", "chart", "programme", "check-in")
ODI_SCORE = {"here": 66, "elsewhere": 44}


class Network:
    """Back Bay, where Robin was treated, and Manhattan, whose manager looks."""

    def __init__(self, situation: str):
        seed_exercise_library()
        self.now = utcnow()
        self.clinics = {"elsewhere": make_clinic(name="Back Bay"), "here": make_clinic(name="Manhattan")}
        services = {origin: make_service(clinics=[clinic], name=f"{clinic.name} follow-up")
                    for origin, clinic in self.clinics.items()}
        self.practitioners = {origin: make_practitioner(clinic, services=[services[origin]])
                              for origin, clinic in self.clinics.items()}
        self.manager = make_user(Role.CLINIC_MANAGER, clinics=[self.clinics["here"]])
        self.visits = {"elsewhere": self._visit("elsewhere", services, days_ago=21, status=BookingStatus.COMPLETED)}
        if situation != "never here":
            status = {"booked here": BookingStatus.BOOKED, "attended here": BookingStatus.COMPLETED,
                      "cancelled here": BookingStatus.CANCELLED}[situation]
            self.visits["here"] = self._visit("here", services, days_ago=7, status=status)
        self.patient = self.visits["elsewhere"].patient
        db.session.commit()

    def _visit(self, origin, services, days_ago, status):
        visit = make_booking(self.clinics[origin], services[origin], self.practitioners[origin],
                             now=self.now - timedelta(days=days_ago), **ROBIN)
        visit.status = status
        if status == BookingStatus.CANCELLED:
            visit.cancelled_at = self.now
        return visit

    def record(self, kind: str, origin: str) -> None:
        """One record of ``kind`` made at ``origin`` (written as it is stored)."""
        clinic, visit = self.clinics[origin], self.visits.get(origin)
        author = self.practitioners[origin]
        if kind == "note":
            db.session.add(TreatmentNote(booking_id=visit.id, patient_id=self.patient.id, author_id=author.user_id,
                                         episode_id=episode_for_visit(visit).id, subjective=f"note made {origin}",
                                         pain_before=5))
        elif kind == "odi":
            episode = episode_for_visit(visit or next(iter(self.visits.values())))
            db.session.add(OdiResponse(patient_id=self.patient.id, clinic_id=clinic.id, recorded_by_id=author.user_id,
                                       episode_id=episode.id,
                                       taken_at=self.now - timedelta(days=1), timepoint="intake",
                                       answers=[1] * 10, score=ODI_SCORE[origin]))
        elif kind == "chart":
            db.session.add(Chart(patient_id=self.patient.id, clinic_id=clinic.id, condition=f"condition made {origin}"))
        elif kind in ("programme", "check-in"):
            self._programme(origin, with_check_in=kind == "check-in")
        db.session.commit()

    def _programme(self, origin: str, with_check_in: bool) -> None:
        exercise = exercise_library()[0]
        programme = Programme(patient_id=self.patient.id, practitioner_id=self.practitioners[origin].id,
                              clinic_id=self.clinics[origin].id, version=1, created_at=self.now - timedelta(days=3),
                              notes=f"programme made {origin}", access_token_hash="0" * 64,
                              items=[ProgrammeExercise(exercise_id=exercise.id, position=0, sets=2, reps=10,
                                                       hold_seconds=0, times_per_day=1, notes="")])
        db.session.add(programme)
        db.session.flush()
        if with_check_in:  # pain 9 today: an alert on the dashboard of whoever may see it
            entry = ExerciseCheckIn(patient_id=self.patient.id, programme_id=programme.id, pain=9,
                                    on_date=local_date(self.clinics[origin].timezone, self.now),
                                    created_at=self.now, updated_at=self.now)
            entry.exercises.append(CheckInExercise(exercise_id=exercise.id, sets_done=2))
            db.session.add(entry)


def marker(network: Network, kind: str, origin: str) -> tuple[str, str]:
    """(the page that shows a record of ``kind``, what on it shows this one)."""
    chart = f"/practice/patients/{network.patient.id}"
    return {
        "visit": (chart, f"{network.clinics[origin].name} follow-up"),
        "note": (chart, f"note made {origin}"),
        "odi": (chart, f"{ODI_SCORE[origin]}%"),
        "chart": (chart, f"condition made {origin}"),
        "programme": (f"{chart}/programme", f"programme made {origin}"),
        "check-in": ("/practice/", "Robin Moved"),
    }[kind]


def expected(situation: str, origin: str) -> str:
    """The rule, as the table states it: 'closed' (404, or not listed), 'shown' or 'hidden'."""
    if situation in ("cancelled here", "never here"):
        return "closed"  # a cancelled visit grants nothing
    return "shown" if origin == "here" or situation == "attended here" else "hidden"


CASES = [
    (situation, kind, origin)
    for situation in SITUATIONS for kind in KINDS for origin in ("here", "elsewhere")
    # Nothing is made at a clinic the patient never visited.
    if not (situation == "never here" and origin == "here")
]


@pytest.mark.parametrize(("situation", "kind", "origin"), CASES)
def test_a_clinics_staff_see_their_own_records_and_others_only_once_the_patient_attended(
        app, client, situation, kind, origin):
    network = Network(situation)
    network.record(kind, origin)
    url, shows_it = marker(network, kind, origin)
    assert client.login(network.manager.email).status_code == 302
    page = client.get(url)
    rule = expected(situation, origin)
    if rule == "closed" and url != "/practice/":
        assert page.status_code == 404
        return
    assert page.status_code == 200
    assert (shows_it in page.text) is (rule == "shown")


# ---- the attack, end to end ------------------------------------------------------------


def _chart(client, network):
    return client.get(f"/practice/patients/{network.patient.id}")


def _visit_at_manhattan(network, days_ago=9):
    """A visit at Manhattan booked with Robin's e-mail and date of birth (by anyone: the
    booking engine cannot tell), started a little while ago."""
    here = network.practitioners["here"]
    visit = make_booking(network.clinics["here"], here.services[0], here, now=network.now - timedelta(days=days_ago),
                         **ROBIN)
    db.session.commit()
    return visit


def test_a_booking_with_a_patients_details_opens_nothing_another_clinic_recorded(client):
    """The issue's attack: Manhattan's practitioner books Back Bay's patient by e-mail and date
    of birth, reads the chart, cancels. Nothing of Back Bay's shows until the patient attends."""
    network = Network("never here")
    network.record("note", "elsewhere")
    practitioner = network.practitioners["here"]
    assert client.login(practitioner.user.email).status_code == 302
    assert _chart(client, network).status_code == 404

    booked = _visit_at_manhattan(network)
    page = _chart(client, network)
    assert page.status_code == 200 and "note made elsewhere" not in page.text
    assert "Back Bay follow-up" not in page.text and "once Robin has checked in" in page.text

    booked.status, booked.cancelled_at = BookingStatus.CANCELLED, network.now
    db.session.commit()
    assert _chart(client, network).status_code == 404  # a cancelled visit grants nothing

    again = _visit_at_manhattan(network, days_ago=8)
    checked_in = client.submit(f"/practice/clinics/{again.clinic_id}/visits/{again.id}/status", {"status": "arrived"},
                               page="/practice/")
    assert checked_in.status_code == 303
    page = _chart(client, network)
    assert "note made elsewhere" in page.text and "once Robin has checked in" not in page.text


def test_a_read_across_clinics_is_flagged_in_the_audit_view(client):
    network = Network("attended here")
    network.record("note", "elsewhere")
    assert client.login(network.manager.email).status_code == 302
    assert "note made elsewhere" in _chart(client, network).text
    events = list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
    assert [(e.action, e.object_type, e.object_id) for e in events] == [
        ("view_chart", "Patient", network.patient.id), ("read_other_clinic", "Clinic", network.clinics["elsewhere"].id)]
    client.logout()

    assert client.login(make_user(Role.HEAD_OFFICE).email).status_code == 302
    page = client.get(f"/headoffice/audit?action=read_other_clinic&patient_id={network.patient.id}").text
    assert "Cross-clinic" in page and f"Back Bay (clinic #{network.clinics['elsewhere'].id})" in page


def test_a_read_of_a_clinics_own_records_is_not_flagged(client):
    network = Network("booked here")
    network.record("note", "elsewhere")
    network.record("odi", "here")
    assert client.login(network.manager.email).status_code == 302
    assert "66%" in _chart(client, network).text
    assert list(db.session.scalars(select(AuditEvent.action))) == ["view_chart"]


def test_another_clinics_chart_is_neither_shown_nor_overwritten_before_the_patient_attends(client):
    network = Network("booked here")
    network.record("chart", "elsewhere")
    assert client.login(network.manager.email).status_code == 302
    url = f"/practice/patients/{network.patient.id}/edit"
    form = client.get(url)
    assert "condition made elsewhere" not in form.text and "written at another clinic" in form.text
    refused = client.submit(url, {"condition": "Overwritten"})
    assert refused.status_code == 403 and "written at another clinic" in refused.text
    assert db.session.scalar(select(Chart.condition)) == "condition made elsewhere"


def test_another_clinics_programme_is_not_replaced_unseen(client):
    network = Network("booked here")
    network.record("programme", "elsewhere")
    practitioner = network.practitioners["here"]
    assert client.login(practitioner.user.email).status_code == 302
    url = f"/practice/patients/{network.patient.id}/programme"
    exercise = exercise_library()[0]
    refused = client.submit(url, {"exercises-0-exercise_id": str(exercise.id), "exercises-0-chosen": "y",
                                  "exercises-0-sets": "2", "exercises-0-reps": "10", "exercises-0-hold_seconds": "0",
                                  "exercises-0-times_per_day": "1"})
    assert refused.status_code == 403 and "programme from another clinic" in refused.text
    assert list(db.session.scalars(select(Programme.notes))) == ["programme made elsewhere"]
