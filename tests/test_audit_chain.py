"""The audit trail is tamper-evident: `flask audit verify` finds any event changed or removed
behind the database's back, and concurrent writers never fork the chain."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from clinic_app.audit.chain import GENESIS, EventContent, event_hash, verify_chain
from clinic_app.audit.models import AuditEvent
from clinic_app.audit.service import Actor, record_event
from clinic_app.extensions import db
from tests.factories import make_booking, make_user

AT = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)


def _content(minute: int, action: str = "view_chart") -> EventContent:
    return EventContent(AT + timedelta(minutes=minute), 7, "practitioner", 3, action, "Patient", 3, "203.0.113.7")


def _chain(contents):
    rows, prev = [], GENESIS
    for number, content in enumerate(contents, start=1):
        digest = event_hash(prev, content)
        rows.append((number, prev, digest, content))
        prev = digest
    return rows


def test_an_untouched_chain_checks_out_to_its_head():
    rows = _chain([_content(0), _content(1), _content(2)])
    report = verify_chain(rows)
    assert report.intact and report.checked == 3 and report.head == rows[-1][2]


def test_a_changed_event_is_found_by_its_id():
    rows = _chain([_content(0), _content(1), _content(2)])
    number, prev, digest, _ = rows[1]
    rows[1] = (number, prev, digest, _content(1, action="sign_note"))
    report = verify_chain(rows)
    assert (report.broken_at, report.checked) == (2, 1)
    assert "changed" in report.reason


def test_a_removed_event_breaks_the_link_of_the_next():
    rows = _chain([_content(0), _content(1), _content(2)])
    report = verify_chain([rows[0], rows[2]])
    assert report.broken_at == 3 and "missing" in report.reason


@pytest.fixture
def events(app):
    visit = make_booking()
    actor = Actor(make_user("practitioner", clinics=[visit.clinic]), "203.0.113.7")
    for action in ("view_chart", "edit_chart", "sign_note"):
        record_event(actor, visit.patient_id, action)
    db.session.commit()
    return list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def test_verify_says_the_trail_is_intact_and_prints_its_head(runner, events):
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0
    assert f"intact: 3 events; head {events[-1].hash}" in result.output


def _bypass_triggers(conn):
    """What an intruder with the database's superuser could do: the append-only triggers off."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SET LOCAL session_replication_role = replica"))
    else:
        conn.execute(text("DROP TRIGGER audit_events_no_update"))
        conn.execute(text("DROP TRIGGER audit_events_no_delete"))


@pytest.mark.parametrize(
    "tamper",
    [
        "UPDATE audit_events SET action = 'view_chart' WHERE id = :middle",
        "UPDATE audit_events SET ip_address = '198.51.100.1' WHERE id = :middle",
        "DELETE FROM audit_events WHERE id = :middle",
    ],
    ids=["action rewritten", "address rewritten", "event removed"],
)
def test_verify_fails_at_the_first_event_changed_behind_the_triggers(runner, events, tamper):
    with db.engine.begin() as conn:
        _bypass_triggers(conn)
        conn.execute(text(tamper), {"middle": events[1].id})
    db.session.rollback()  # the test's own snapshot ends: verify must read what is there now
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    broken = events[1].id if tamper.startswith("UPDATE") else events[2].id
    assert f"broken at event {broken}" in result.output


def test_concurrent_writers_extend_one_chain(app, events):
    """Eight threads record at once; each event follows exactly one predecessor."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time; the advisory lock is PostgreSQL's")
    patient_id, user_id = events[0].patient_id, events[0].actor_id
    errors = []

    def write():
        try:
            with app.app_context():
                actor = Actor(db.session.get(type(events[0].actor), user_id))
                for _ in range(5):
                    record_event(actor, patient_id, "view_chart")
                    db.session.commit()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=write) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "intact: 43 events" in result.output
