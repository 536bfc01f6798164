"""Migration 0026 moves the chart's old red-flag checkboxes into screens and back again, with
data, on this database: ticked boxes become one confirmed screen tiered by its most serious
code; a chart with none ticked becomes no screen ("not screened", not "screened: none")."""

import json
from datetime import timedelta

from flask_migrate import downgrade, upgrade
from sqlalchemy import bindparam, text

from clinic_app.accounts.models import User
from clinic_app.audit.service import Actor
from clinic_app.clock import UTCDateTime
from clinic_app.extensions import db
from clinic_app.patients.models import Patient
from clinic_app.screening.service import record_practitioner_screen
from tests.factories import make_booking


def _visit(booking) -> dict:
    return {"patient": booking.patient_id, "clinic": booking.clinic_id, "at": booking.start_at + timedelta(hours=1),
            "by": booking.practitioner.user_id}


def _chart(visit: dict, flags: list[str]) -> None:
    insert = text(
        "INSERT INTO charts (patient_id, clinic_id, condition, onset_date, red_flags, updated_at, updated_by_id) "
        "VALUES (:patient, :clinic, 'Sciatica', NULL, :flags, :at, :by)").bindparams(bindparam("at", type_=UTCDateTime))
    db.session.execute(insert, {**visit, "flags": json.dumps(flags)})


def test_chart_checkboxes_become_screens_and_come_back_on_downgrade(app):
    db.drop_all()
    upgrade()
    flagged, unticked = _visit(make_booking()), _visit(make_booking())
    db.session.remove()
    downgrade(revision="0023")
    _chart(flagged, ["night_pain", "bladder_bowel"])
    _chart(unticked, [])
    db.session.commit()

    upgrade()
    rows = db.session.execute(text(
        "SELECT patient_id, clinic_id, source, findings, tier, confirmed_by_id, action_at FROM red_flag_screens")).all()
    assert len(rows) == 1
    patient_id, clinic_id, source, findings, tier, confirmed_by, action_at = rows[0]
    findings = json.loads(findings) if isinstance(findings, str) else findings
    assert (patient_id, clinic_id, source, findings, tier, confirmed_by, action_at) == (
        flagged["patient"], flagged["clinic"], "migrated", ["bladder_bowel", "night_pain"], "emergency",
        flagged["by"], None)

    author, patient = db.session.get(User, unticked["by"]), db.session.get(Patient, unticked["patient"])
    record_practitioner_screen(Actor(author), patient, ["cancer_history"], unticked["at"])
    db.session.commit()
    db.session.remove()
    downgrade(revision="0023")
    back = {patient: json.loads(flags) if isinstance(flags, str) else flags for patient, flags in
            db.session.execute(text("SELECT patient_id, red_flags FROM charts"))}
    assert back == {flagged["patient"]: ["bladder_bowel", "night_pain"], unticked["patient"]: ["cancer_history"]}
    db.session.remove()
    upgrade()
