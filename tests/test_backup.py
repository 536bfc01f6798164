"""`flask backup` and `flask restore`: a restored backup brings back every row exactly as it was,
on SQLite (online backup API) and PostgreSQL (pg_dump / pg_restore), and a restore never starts
without a yes or from a file that is not a backup."""

from __future__ import annotations

import hashlib
import os
import stat

import pytest
from sqlalchemy import select

from clinic_app import create_app
from clinic_app.clinics.models import Clinic
from clinic_app.extensions import db
from clinic_app.notifications.models import OutboxMessage
from clinic_app.scheduling.models import Booking
from tests.factories import make_booking, make_clinic, make_practitioner, make_service, make_user


@pytest.fixture
def seeded(app):
    """A clinic with a practitioner, three booked visits (patients, outbox messages) and staff."""
    clinic = make_clinic(name="Boulder Back Clinic")
    service = make_service(clinics=[clinic])
    practitioner = make_practitioner(clinic, services=[service])
    for _ in range(3):
        make_booking(clinic, service, practitioner)
    make_user("clinic_manager", clinics=[clinic])
    db.session.commit()
    return clinic


def table_fingerprints() -> dict[str, tuple[int, str]]:
    """{table: (row count, SHA-256 of its rows in primary-key order)} for every table."""
    db.session.commit()
    fingerprints = {}
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(select(table).order_by(*table.primary_key.columns)).all()
        fingerprints[table.name] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return fingerprints


def change_everything_a_little(clinic):
    clinic.name = "Renamed by mistake"
    db.session.delete(db.session.scalars(select(OutboxMessage)).first())
    make_clinic(name="Added after the backup")
    db.session.commit()


def test_a_restored_backup_brings_back_every_row_as_it_was(app, runner, seeded, tmp_path):
    before, clinic_id = table_fingerprints(), seeded.id
    assert before["bookings"][0] == 3 and before["outbox_messages"][0] >= 3
    backup = tmp_path / "clinic.backup"

    result = runner.invoke(args=["backup", str(backup)])
    assert result.exit_code == 0, result.output
    assert "backup of" in result.output and backup.stat().st_size > 0

    change_everything_a_little(seeded)
    assert table_fingerprints() != before

    result = runner.invoke(args=["restore", str(backup), "--yes"])
    assert result.exit_code == 0, result.output
    assert table_fingerprints() == before
    assert db.session.get(Clinic, clinic_id).name == "Boulder Back Clinic"


def test_the_app_keeps_working_on_the_restored_database(app, runner, client, seeded, tmp_path):
    backup, clinic_id, slug = tmp_path / "clinic.backup", seeded.id, seeded.slug
    runner.invoke(args=["backup", str(backup)])
    change_everything_a_little(seeded)
    runner.invoke(args=["restore", str(backup), "--yes"])
    page = client.get(f"/clinics/{slug}")
    assert page.status_code == 200 and "Boulder Back Clinic" in page.get_data(as_text=True)
    booked = db.session.scalars(select(Booking)).first()
    make_booking(db.session.get(Clinic, clinic_id), booked.service, booked.practitioner)  # new ids follow on
    assert db.session.scalar(select(db.func.count()).select_from(Booking)) == 4


def test_the_backup_file_is_readable_by_its_owner_alone(app, runner, seeded, tmp_path):
    """It holds every patient's health data: mode 0600 even under the usual umask of 022."""
    backup = tmp_path / "clinic.backup"
    usual = os.umask(0o022)
    try:
        result = runner.invoke(args=["backup", str(backup)])
    finally:
        os.umask(usual)
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600


def test_a_leftover_partial_file_is_never_reused(app, runner, tmp_path):
    backup = tmp_path / "clinic.backup"
    leftover = tmp_path / "clinic.backup.partial"
    leftover.write_text("someone else's")
    result = runner.invoke(args=["backup", str(backup)])
    assert result.exit_code == 1 and "already exists" in result.output
    assert leftover.read_text() == "someone else's" and not backup.exists()


def test_restore_asks_first_and_a_no_changes_nothing(app, runner, seeded, tmp_path):
    backup = tmp_path / "clinic.backup"
    runner.invoke(args=["backup", str(backup)])
    change_everything_a_little(seeded)
    changed = table_fingerprints()

    result = runner.invoke(args=["restore", str(backup)], input="n\n")
    assert result.exit_code == 1 and "replaces every record" in result.output and "Aborted" in result.output
    assert table_fingerprints() == changed


def test_a_file_that_is_not_a_backup_is_refused_and_nothing_changes(app, runner, seeded, tmp_path):
    before = table_fingerprints()
    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("shopping list\n" * 200)

    result = runner.invoke(args=["restore", str(not_a_backup), "--yes"])
    assert result.exit_code == 1
    assert "Error:" in result.output
    assert table_fingerprints() == before


def test_restoring_a_file_that_does_not_exist_says_so(app, runner, tmp_path):
    result = runner.invoke(args=["restore", str(tmp_path / "missing.backup"), "--yes"])
    assert result.exit_code == 1 and "There is no backup file at" in result.output


def test_a_failed_backup_leaves_no_file_behind(app, runner, tmp_path):
    target = tmp_path / "no-such-dir" / "clinic.backup"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 1 and "Cannot create" in result.output
    assert not target.exists() and not target.with_name("clinic.backup.partial").exists()


def test_without_the_postgresql_tools_backup_and_restore_say_what_to_install(monkeypatch, tmp_path):
    """Checked before any connection is made, so no PostgreSQL server is needed here."""
    app = create_app("testing", {"DATABASE_URL": "postgresql://clinic:secret@127.0.0.1:1/clinic"})
    monkeypatch.setenv("PATH", str(tmp_path))  # no pg_dump, no pg_restore
    backup = tmp_path / "old.backup"
    backup.write_bytes(b"PGDMP")
    runner = app.test_cli_runner()
    for args in (["backup", str(tmp_path / "new.backup")], ["restore", str(backup), "--yes"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 1
        assert "was not found: install the PostgreSQL client tools" in result.output
        assert "secret" not in result.output
