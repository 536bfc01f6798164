"""The committed migrations build exactly the schema the models describe, on this database."""

from datetime import timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from clinic_app.audit.service import Actor, record_event
from clinic_app.clock import utcnow
from clinic_app.extensions import db
from clinic_app.treatments.charts import ChartDetails, record_odi, update_chart
from clinic_app.treatments.library import seed_exercise_library
from clinic_app.treatments.notes import NoteDetails, note_for_visit, save_draft, sign_note
from clinic_app.treatments.programmes import Dose, exercise_library, prescribe_programme
from tests.factories import make_booking, make_clinic, make_practitioner, make_service, make_user


def _empty_database():
    db.drop_all()


def test_upgrade_on_an_empty_database_matches_the_models(app):
    _empty_database()
    upgrade()
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def test_migrations_downgrade_to_nothing_and_up_again(app):
    _empty_database()
    upgrade()
    downgrade(revision="base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    upgrade()
    assert "clinics" in inspect(db.engine).get_table_names()



@pytest.mark.parametrize("statement", ["UPDATE audit_events SET action = 'x'", "DELETE FROM audit_events",
                                       "TRUNCATE audit_events", "TRUNCATE patients CASCADE"])
def test_a_migrated_database_keeps_the_audit_trail_append_only(app, statement):
    if statement.startswith("TRUNCATE") and db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE")
    _empty_database()
    upgrade()
    visit = make_booking()
    record_event(Actor(make_user("practitioner", clinics=[visit.clinic])), visit.patient_id, "view_chart")
    db.session.commit()
    with pytest.raises(IntegrityError, match="append-only"):
        db.session.execute(text(statement))
    db.session.rollback()


def test_records_made_before_0023_are_placed_at_the_clinic_where_they_were_made(app):
    """Records written without a clinic (downgraded to 0022, as before) get one on upgrade: the
    visit's, or the latest visit's with the practitioner who wrote them; and the tables the
    rebuild touches keep every row that refers to them."""
    _empty_database()
    upgrade()
    seed_exercise_library()
    here, there = make_clinic(), make_clinic()
    service = make_service(clinics=[here, there])
    first = make_booking(clinic=here, service=service, email="moved@example.com")
    treating_there = make_practitioner(there, services=[service])
    second = make_booking(clinic=there, service=service, practitioner=treating_there, email="moved@example.com",
                          now=first.start_at + timedelta(days=1))
    patient, later = first.patient, second.start_at + timedelta(hours=1)
    for visit in (first, second):
        visit.status = "completed"
    db.session.commit()
    record_odi(Actor(first.practitioner.user), patient, [1] * 10, "intake", later)
    update_chart(Actor(treating_there.user), patient, ChartDetails("Sciatica", None), later)
    exercise = exercise_library()[0]
    prescribe_programme(Actor(treating_there.user), patient, treating_there, [Dose(exercise.id, 2, 10)], "", later)
    expected = {"odi_responses": here.id, "charts": there.id, "programmes": there.id}
    db.session.commit()
    db.session.remove()

    downgrade(revision="0022")
    upgrade()
    placed = {
        "odi_responses": db.session.scalar(text("SELECT clinic_id FROM odi_responses")),
        "charts": db.session.scalar(text("SELECT clinic_id FROM charts")),
        "programmes": db.session.scalar(text("SELECT clinic_id FROM programmes")),
    }
    assert placed == expected
    assert db.session.scalar(text("SELECT count(*) FROM programme_exercises")) == 1
    if db.engine.dialect.name == "sqlite":
        assert db.session.execute(text("PRAGMA foreign_key_check")).all() == []


def test_0028_moves_notes_and_questionnaires_into_episodes_and_keeps_signed_notes_closed(app):
    """Visits two weeks apart share an episode; one after a gap of 60 days or more opens the
    next, and the earlier is closed as "no visit" 60 days after its last visit. Signed notes get
    their episode and stay closed; drafts and questionnaires get theirs too."""
    _empty_database()
    upgrade()
    now = utcnow()
    first = make_booking(now=now - timedelta(days=200), email="course@example.com")
    clinic, service, practitioner = first.clinic, first.service, first.practitioner
    second = make_booking(clinic=clinic, service=service, practitioner=practitioner, email="course@example.com",
                          now=first.start_at + timedelta(days=13))
    third = make_booking(clinic=clinic, service=service, practitioner=practitioner, email="course@example.com",
                         now=now - timedelta(days=10))
    actor = Actor(practitioner.user)
    for visit in (first, second, third):
        visit.status = "completed"
    db.session.commit()
    for visit, pain, signed in ((first, 7, True), (second, 5, True), (third, 4, False)):
        note = note_for_visit(actor, visit, visit.end_at)
        save_draft(actor, note, NoteDetails(subjective="Better", pain_before=pain), visit.end_at)
        if signed:
            sign_note(actor, note, visit.end_at)
    record_odi(actor, first.patient, [2] * 10, "intake", first.end_at, booking_id=first.id)
    db.session.commit()
    first, second, third = first.id, second.id, third.id
    db.session.remove()

    downgrade(revision="0023")
    assert "episodes" not in inspect(db.engine).get_table_names()
    upgrade()
    episodes = db.session.execute(text(
        "SELECT id, intake_booking_id, discharge_reason FROM episodes ORDER BY opened_at")).all()
    assert [(row.intake_booking_id, row.discharge_reason) for row in episodes] == [
        (first, "no_visit"), (third, None)]
    notes = dict(db.session.execute(text("SELECT booking_id, episode_id FROM treatment_notes")).all())
    assert notes == {first: episodes[0].id, second: episodes[0].id, third: episodes[1].id}
    assert db.session.scalar(text("SELECT episode_id FROM odi_responses")) == episodes[0].id
    # The derived table is refilled: the two signed pain scores and the questionnaire.
    assert db.session.scalar(text("SELECT count(*) FROM outcome_scores")) == 3
    with pytest.raises(IntegrityError, match="signed note"):
        db.session.execute(text("UPDATE treatment_notes SET pain_before = 0 WHERE booking_id = :b"), {"b": first})
    db.session.rollback()
    downgrade(revision="0023")
    assert db.session.scalar(text("SELECT count(*) FROM treatment_notes")) == 3
