"""The committed migrations build exactly the schema the models describe, on this database."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from clinic_app.audit.service import Actor, record_event
from clinic_app.extensions import db
from tests.factories import make_booking, make_user


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
