"""The audit trail is tamper-evident: `flask audit verify` finds any event changed or removed
behind the database's back, and concurrent writers never fork the chain."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from clinic_app.audit.chain import (
    GENESIS,
    Checkpoint,
    CheckpointFormatError,
    EventContent,
    event_hash,
    verify_chain,
)
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


# ---- a trail cut short at its end ------------------------------------------------------


def test_a_checkpoint_reads_back_what_verify_prints():
    head = Checkpoint("ab" * 32, 12)
    assert Checkpoint.parse(f" {head}\n") == head
    for text_ in ("", "ab" * 32, f"{'ab' * 32}:", f"{'zz' * 32}:3", f"{'ab' * 31}:3", f"{'ab' * 32}:-1"):
        with pytest.raises(CheckpointFormatError):
            Checkpoint.parse(text_)


def test_a_trail_shorter_than_its_recorded_head_fails():
    rows = _chain([_content(0), _content(1), _content(2)])
    recorded = verify_chain(rows).checkpoint
    report = verify_chain(rows[:2], recorded)
    assert report.intact  # the chain itself cannot tell
    assert "fewer than the 3 recorded" in report.checkpoint_problem


def test_a_trail_rebuilt_since_its_recorded_head_fails():
    rows = _chain([_content(0), _content(1), _content(2)])
    recorded = verify_chain(rows).checkpoint
    rebuilt = _chain([_content(0), _content(1), _content(5), _content(6)])
    assert "not the one recorded" in verify_chain(rebuilt, recorded).checkpoint_problem


@pytest.mark.parametrize("later", [0, 1, 4], ids=["unchanged", "one more", "four more"])
def test_a_trail_that_grew_from_its_recorded_head_passes(later):
    first = _chain([_content(0), _content(1)])
    recorded = verify_chain(first).checkpoint
    grown = _chain([_content(0), _content(1), *(_content(10 + n) for n in range(later))])
    report = verify_chain(grown, recorded)
    assert report.intact and report.checkpoint_problem == "" and report.checked == 2 + later


def test_the_empty_trail_has_the_genesis_checkpoint():
    assert verify_chain([]).checkpoint == Checkpoint(GENESIS, 0)
    assert verify_chain([], Checkpoint(GENESIS, 0)).checkpoint_problem == ""


def _remove_last_event(events):
    with db.engine.begin() as conn:
        _bypass_triggers(conn)
        conn.execute(text("DELETE FROM audit_events WHERE id = :last"), {"last": events[-1].id})
    db.session.rollback()


def test_verify_prints_the_head_to_expect_next_time(runner, events):
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0
    assert f"--expect-head {events[-1].hash}:3" in result.output


def test_events_removed_from_the_end_fail_against_the_expected_head(runner, events):
    expected = f"{events[-1].hash}:3"
    _remove_last_event(events)
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0  # the chain alone cannot tell
    result = runner.invoke(args=["audit", "verify", "--expect-head", expected])
    assert result.exit_code == 1
    assert "holds 2 events, fewer than the 3 recorded" in result.output


def test_a_head_recorded_to_a_file_is_checked_and_moved_on(runner, events, tmp_path):
    head_file = tmp_path / "audit-head"
    first = runner.invoke(args=["audit", "verify", "--record-head", str(head_file)])
    assert first.exit_code == 0 and head_file.read_text() == f"{events[-1].hash}:3\n"
    assert head_file.stat().st_mode & 0o077 == 0  # readable by its owner only

    record_event(Actor(events[0].actor), events[0].patient_id, "view_chart")
    db.session.commit()
    again = ["audit", "verify", "--expect-head-file", str(head_file), "--record-head", str(head_file)]
    second = runner.invoke(args=again)
    assert second.exit_code == 0 and "extends the head recorded earlier (3 events)" in second.output
    assert head_file.read_text().endswith(":4\n")

    newest = list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
    _remove_last_event(newest)
    third = runner.invoke(args=again)
    assert third.exit_code == 1 and "fewer than the 4 recorded" in third.output
    assert head_file.read_text().endswith(":4\n")  # a failed check never moves the recorded head


@pytest.mark.parametrize("option", [["--expect-head", "not-a-head"], ["--expect-head-file", "/nonexistent/head"]])
def test_an_unusable_expected_head_is_a_usage_error(runner, events, option):
    result = runner.invoke(args=["audit", "verify", *option])
    assert result.exit_code == 2 and "Traceback" not in result.output


@pytest.mark.parametrize("statement", ["TRUNCATE audit_events", "TRUNCATE patients CASCADE"])
def test_postgresql_refuses_to_truncate_the_trail(events, statement):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE; its DELETE runs the row triggers")
    with pytest.raises(IntegrityError, match="append-only"):
        db.session.execute(text(statement))
    db.session.rollback()
    assert len(list(db.session.scalars(select(AuditEvent.id)))) == 3
