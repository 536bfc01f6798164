"""Treatment records: signed notes stay signed, every read and change leaves an audit event,
programmes keep their history, and staff see only their own clinics' patients."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import NotFound

from clinic_app.accounts.models import Role
from clinic_app.audit.models import AuditEvent
from clinic_app.audit.service import Actor, AuditQuery, search_events
from clinic_app.clock import utcnow
from clinic_app.errors import Conflict, NotAllowed, ValidationFailed
from clinic_app.extensions import db
from clinic_app.notifications.models import OutboxMessage
from clinic_app.treatments.access import patient_for
from clinic_app.treatments.charts import ChartDetails, open_record, record_odi, update_chart
from clinic_app.treatments.episodes import close_lapsed_episode, discharge_episode
from clinic_app.treatments.library import seed_exercise_library
from clinic_app.treatments.models import Programme, TreatmentNote
from clinic_app.treatments.notes import NoteDetails, add_addendum, note_for_visit, save_draft, sign_note
from clinic_app.treatments.programmes import Dose, exercise_library, prescribe_programme, programme_for_token
from clinic_app.treatments.rules import Chronicity
from tests.factories import make_booking, make_clinic, make_seen_visit, make_user

NOW = utcnow()


@pytest.fixture
def visit(app):
    return make_seen_visit()


@pytest.fixture
def author(visit):
    return Actor(visit.practitioner.user, "203.0.113.7")


def written_note(author, visit, **details) -> TreatmentNote:
    note = note_for_visit(author, visit, NOW)
    fields = dict(subjective="Low back ache after gardening", assessment="Mechanical low back pain", pain_before=6,
                  pain_after=4, body_region="lumbar", techniques=("manual therapy",))
    save_draft(author, note, NoteDetails(**{**fields, **details}), NOW)
    db.session.commit()
    return note


def events(action: str | None = None) -> list[AuditEvent]:
    return search_events(AuditQuery(action=action or ""))


def test_a_signed_note_can_no_longer_be_edited_or_signed_again(author, visit):
    note = written_note(author, visit)
    sign_note(author, note, NOW)
    db.session.commit()
    with pytest.raises(Conflict, match="Add an addendum"):
        save_draft(author, note, NoteDetails(subjective="changed"), NOW)
    with pytest.raises(Conflict):
        sign_note(author, note, NOW)
    db.session.rollback()
    assert db.session.get(TreatmentNote, note.id).subjective == "Low back ache after gardening"


@pytest.mark.parametrize(
    "statement",
    ["UPDATE treatment_notes SET subjective = 'rewritten'", "DELETE FROM treatment_notes"],
)
def test_the_database_refuses_to_change_or_delete_a_signed_note(author, visit, statement):
    note = written_note(author, visit)
    sign_note(author, note, NOW)
    db.session.commit()
    with pytest.raises(IntegrityError, match="signed note cannot be changed"):
        db.session.execute(text(statement))
    db.session.rollback()
    assert db.session.get(TreatmentNote, note.id).subjective == "Low back ache after gardening"


def test_a_draft_can_still_be_changed_at_the_database(author, visit):
    note = written_note(author, visit)
    db.session.execute(text("UPDATE treatment_notes SET plan = 'review in a week'"))
    assert db.session.get(TreatmentNote, note.id).plan == "review in a week"


def test_only_the_author_edits_or_signs_a_note(author, visit):
    note = written_note(author, visit)
    colleague = Actor(make_user(Role.PRACTITIONER, clinics=(visit.clinic,)))
    with pytest.raises(NotAllowed):
        save_draft(colleague, note, NoteDetails(subjective="mine now"), NOW)
    with pytest.raises(NotAllowed):
        sign_note(colleague, note, NOW)


@pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.CLINIC_MANAGER])
def test_only_the_visits_own_practitioner_starts_its_note(author, visit, role):
    colleague = Actor(make_user(role, clinics=(visit.clinic,)))
    with pytest.raises(NotAllowed, match="whose visit this is"):
        note_for_visit(colleague, visit, NOW)
    db.session.rollback()
    assert note_for_visit(author, visit, NOW).author_id == author.user.id


def test_signing_needs_the_pain_score_before_treatment(author, visit):
    note = written_note(author, visit, pain_before=None)
    with pytest.raises(ValidationFailed) as refused:
        sign_note(author, note, NOW)
    assert refused.value.field == "pain_before"


@pytest.mark.parametrize(("field", "value"), [("pain_before", 11), ("pain_after", -1), ("body_region", "elbow"),
                                              ("techniques", ("voodoo",))])
def test_out_of_range_note_values_are_refused_naming_the_field(author, visit, field, value):
    note = note_for_visit(author, visit, NOW)
    with pytest.raises(ValidationFailed) as refused:
        save_draft(author, note, NoteDetails(**{field: value}), NOW)
    assert refused.value.field == field


def test_an_addendum_to_a_signed_note_records_who_when_and_why(author, visit):
    note = written_note(author, visit)
    sign_note(author, note, NOW)
    colleague = Actor(make_user(Role.PRACTITIONER, clinics=(visit.clinic,)))
    add_addendum(colleague, note, "Wrong side recorded", "Pain is on the left, not the right.", NOW)
    db.session.commit()
    addendum = db.session.get(TreatmentNote, note.id).addenda[0]
    assert (addendum.author_id, addendum.reason, addendum.created_at) == (colleague.user.id, "Wrong side recorded", NOW)
    with pytest.raises(ValidationFailed):
        add_addendum(colleague, note, "", "no reason given", NOW)


def test_every_read_and_change_writes_an_audit_event_with_who_and_where(author, visit):
    note = written_note(author, visit)
    sign_note(author, note, NOW)
    open_record(author, visit.patient, NOW)
    db.session.commit()
    trail = [(e.action, e.actor_id, e.patient_id, e.ip_address) for e in reversed(events())]
    who = (author.user.id, visit.patient_id, "203.0.113.7")
    assert trail == [(action, *who) for action in ("start_note", "edit_note", "sign_note", "view_chart")]


def test_an_audit_event_is_not_kept_when_the_change_it_records_is_rolled_back(author, visit):
    update_chart(author, visit.patient, ChartDetails("Sciatica", None), NOW)
    db.session.rollback()
    assert events() == []


@pytest.mark.parametrize("statement", ["UPDATE audit_events SET actor_id = NULL", "DELETE FROM audit_events"])
def test_the_audit_trail_cannot_be_edited_or_deleted(author, visit, statement):
    open_record(author, visit.patient, NOW)
    db.session.commit()
    with pytest.raises(IntegrityError, match="append-only"):
        db.session.execute(text(statement))
    db.session.rollback()
    assert len(events()) == 1


def later_visit(visit, days: float = 1, status: str = "completed"):
    return make_seen_visit(status, clinic=visit.clinic, service=visit.service, practitioner=visit.practitioner,
                           email=visit.patient.email, date_of_birth=visit.patient.date_of_birth,
                           now=visit.start_at + timedelta(days=days))


def test_the_chart_shows_chronicity_and_the_episodes_signed_pain_scores(author, visit):
    update_chart(author, visit.patient, ChartDetails("Low back pain", NOW.date() - timedelta(weeks=8)), NOW)
    sign_note(author, written_note(author, visit, pain_before=7), NOW)
    sign_note(author, written_note(author, later_visit(visit), pain_before=4), NOW)
    written_note(author, later_visit(visit, 2), pain_before=9)  # a draft: not an outcome
    record = open_record(author, visit.patient, NOW)
    assert record.chronicity == Chronicity.SUBACUTE
    [episode] = record.episodes
    assert record.pain_scores(episode) == [7, 4]


@pytest.mark.parametrize(("status", "message"), [
    ("booked", "has not taken place yet"), ("no_show", "did not come"), ("cancelled", "cancelled visit"),
])
def test_a_note_is_refused_for_a_visit_the_patient_did_not_come_to(app, status, message):
    visit = make_booking()
    visit.status, visit.cancelled_at = status, (NOW if status == "cancelled" else None)
    db.session.commit()
    with pytest.raises(Conflict, match=message):
        note_for_visit(Actor(visit.practitioner.user), visit, NOW)
    assert db.session.scalar(select(func.count()).select_from(TreatmentNote)) == 0


def test_a_checked_in_visit_takes_a_note_in_the_episode_its_first_visit_opened(author, visit):
    first = written_note(author, visit)
    second = written_note(author, later_visit(visit, 7, status="arrived"))
    assert first.episode_id == second.episode_id
    assert db.session.get(type(first), first.id).episode_id == first.episode_id


def test_a_visit_after_the_auto_close_days_opens_a_new_episode_and_closes_the_old(app, author, visit):
    first = written_note(author, visit)
    days = app.config["EPISODE_AUTO_CLOSE_DAYS"]
    within = later_visit(visit, days - 1)
    just_in_time = written_note(author, within)
    back_later = later_visit(visit, 2 * days - 1)  # the first free time the auto-close days after the last one
    lapsed = written_note(author, back_later)
    assert just_in_time.episode_id == first.episode_id != lapsed.episode_id
    old = first.episode
    assert old.discharge_reason == "no_visit"
    assert old.discharged_at == within.start_at + timedelta(days=days) <= back_later.start_at
    assert lapsed.episode.intake_booking_id == back_later.id and lapsed.episode.open


def test_an_open_episode_with_no_visit_for_the_auto_close_days_closes_when_read(app, author, visit):
    note = written_note(author, visit)
    days = app.config["EPISODE_AUTO_CLOSE_DAYS"]
    assert close_lapsed_episode(visit.patient_id, visit.start_at + timedelta(days=days, seconds=-1)) is None
    closed = close_lapsed_episode(visit.patient_id, visit.start_at + timedelta(days=days))
    assert closed is not None and closed.id == note.episode_id and closed.discharge_reason == "no_visit"


def test_the_practitioner_discharges_with_a_reason_and_only_once(author, visit):
    episode = written_note(author, visit).episode
    with pytest.raises(ValidationFailed):
        discharge_episode(author, episode, "bored", NOW)
    elsewhere = Actor(make_user(Role.PRACTITIONER, clinics=(make_clinic(),)))
    with pytest.raises(NotAllowed):
        discharge_episode(elsewhere, episode, "goals_met", NOW)
    discharge_episode(author, episode, "goals_met", NOW)
    assert (episode.discharged_at, episode.discharge_reason, episode.discharged_by_id) == (
        NOW, "goals_met", author.user.id)
    with pytest.raises(Conflict, match="already ended"):
        discharge_episode(author, episode, "goals_met", NOW)
    # The next visit opens a new episode.
    assert written_note(author, later_visit(visit, 7)).episode_id != episode.id


def test_an_odi_questionnaire_is_stored_with_its_score_visit_and_episode(author, visit):
    response = record_odi(author, visit.patient, [2, 1, 3, 2, 1, 2, 1, None, 2, 2], "intake", NOW)
    assert response.score == 35.6
    assert response.booking_id == visit.id
    assert response.episode_id == note_for_visit(author, visit, NOW).episode_id
    with pytest.raises(ValidationFailed):
        record_odi(author, visit.patient, [6] * 10, "intake", NOW)


def test_an_odi_questionnaire_needs_a_visit_the_patient_came_to(app):
    visit = make_booking()
    with pytest.raises(Conflict, match="check the patient in"):
        record_odi(Actor(visit.practitioner.user), visit.patient, [1] * 10, "intake", NOW)


def test_staff_see_only_patients_with_a_booking_at_their_clinics(visit):
    same_clinic = make_user(Role.PRACTITIONER, clinics=(visit.clinic,))
    manager = make_user(Role.CLINIC_MANAGER, clinics=(visit.clinic,))
    elsewhere = make_user(Role.PRACTITIONER, clinics=(make_clinic(),))
    assert patient_for(same_clinic, visit.patient_id) == visit.patient
    assert patient_for(manager, visit.patient_id) == visit.patient
    for outsider in (elsewhere, make_user(Role.HEAD_OFFICE), make_user(Role.ADMIN), make_user(Role.PATIENT)):
        with pytest.raises(NotFound):
            patient_for(outsider, visit.patient_id)


def test_a_new_programme_version_replaces_the_current_one_and_keeps_the_old(app, author, visit):
    seed_exercise_library()
    first, second, third = exercise_library()[:3]
    programme, token = prescribe_programme(author, visit.patient, visit.practitioner,
                                           [Dose(first.id, 2, 10), Dose(second.id, 1, 3, 30)], "", NOW)
    db.session.commit()
    newer, newer_token = prescribe_programme(author, visit.patient, visit.practitioner,
                                             [Dose(third.id, 2, 8, 5, 2)], "Add bridges", NOW + timedelta(days=7))
    db.session.commit()
    versions = db.session.scalars(select(Programme).order_by(Programme.version)).all()
    assert [(p.version, p.replaced_at is None) for p in versions] == [(1, False), (2, True)]
    assert [item.exercise_id for item in programme_for_token(token).items] == [first.id, second.id]
    assert programme_for_token(newer_token).id == newer.id
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.subject.like("%exercise programme%"))) == 2


@pytest.mark.parametrize(
    ("doses", "field"),
    [
        (lambda first: [], "exercises"),
        (lambda first: [Dose(first + 999, 1, 1)], "exercises"),
        (lambda first: [Dose(first, 0, 10)], "sets"),
        (lambda first: [Dose(first, 1, 10, 601)], "hold_seconds"),
    ],
    ids=["none", "unknown exercise", "no sets", "hold too long"],
)
def test_a_bad_prescription_is_refused_and_nothing_is_written(author, visit, doses, field):
    seed_exercise_library()
    first = exercise_library()[0].id
    with pytest.raises(ValidationFailed) as refused:
        prescribe_programme(author, visit.patient, visit.practitioner, doses(first), "", NOW)
    db.session.rollback()
    assert refused.value.field == field
    assert db.session.scalar(select(func.count()).select_from(Programme)) == 0


def test_the_emailed_link_opens_the_programme_without_signing_in_and_is_never_cached(client, author, visit):
    seed_exercise_library()
    first = exercise_library()[0]
    _, token = prescribe_programme(author, visit.patient, visit.practitioner, [Dose(first.id, 3, 12)], "", NOW)
    db.session.commit()
    page = client.get(f"/my/programme/{token}")
    assert page.status_code == 200
    assert first.name in page.text and "3 sets of 12" in page.text
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert client.get(f"/my/programme/{token}x").status_code == 404


def test_an_old_programme_link_says_a_newer_version_exists(client, author, visit):
    seed_exercise_library()
    first, second = exercise_library()[:2]
    _, old_token = prescribe_programme(author, visit.patient, visit.practitioner, [Dose(first.id, 1, 5)], "", NOW)
    db.session.commit()
    prescribe_programme(author, visit.patient, visit.practitioner, [Dose(second.id, 1, 5)], "", NOW + timedelta(days=7))
    db.session.commit()
    assert "changed this programme since" in client.get(f"/my/programme/{old_token}").text
