"""A patient takes their own record to another provider: /my/record.fhir.json is one FHIR
Bundle of their visits, scores, questionnaires and programmes, valid FHIR, and nobody else's."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import func, select

from clinic_app.adherence.service import CheckInDetails, patient_today, record_check_in
from clinic_app.audit.models import AuditEvent
from clinic_app.clock import utcnow
from clinic_app.extensions import db
from clinic_app.screening.startback import record_startback_by_patient
from clinic_app.treatments.models import Programme
from tests.factories import make_booking, make_user
from tests.fhir_support import make_treated_patient, validated

BIRTHDAY = date(1984, 3, 9)


def test_my_fhir_record_holds_my_care_and_nothing_of_anyone_else(client):
    user = make_user(email="sam@example.com", date_of_birth=BIRTHDAY)
    visit, _ = make_treated_patient(email="sam@example.com", date_of_birth=BIRTHDAY, first_name="Sam")
    visit.patient.user_id = user.id
    programme = db.session.scalar(select(Programme).where(Programme.replaced_at.is_(None)))
    record_check_in(programme, CheckInDetails(patient_today(visit.patient_id, utcnow()), 2, None, {}), utcnow())
    record_startback_by_patient(visit, [0, 0, 1, 0, 0, 0, 0, 0, 1], utcnow())
    stranger = make_booking(visit.clinic, visit.service, visit.practitioner, email="stranger@example.com",
                            first_name="Stranger", now=utcnow())
    db.session.commit()
    events_before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    client.login(user.email)

    response = client.get("/my/record.fhir.json")
    assert response.status_code == 200 and response.mimetype == "application/fhir+json"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Cache-Control"] == "no-store"
    bundle = validated(json.loads(response.data))
    kinds = [entry["resource"]["resourceType"] for entry in bundle["entry"]]
    assert {kind: kinds.count(kind) for kind in set(kinds)} == {
        "Patient": 1, "Appointment": 1, "Encounter": 1, "Observation": 4, "QuestionnaireResponse": 2,
        "CarePlan": 2, "Provenance": 1, "Organization": 1, "Location": 1, "Practitioner": 1}
    pains = sorted(e["resource"]["valueQuantity"]["value"] for e in bundle["entry"]
                   if e["resource"]["resourceType"] == "Observation")
    assert pains == [2, 4, 6, 35.6]
    answers = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "QuestionnaireResponse"]
    startback = next(r for r in answers if r["questionnaire"].endswith("/startback-screening-tool"))
    assert startback["item"][-1] == {"linkId": "startback-risk-group", "text": "Risk group (low, medium or high)",
                                     "answer": [{"valueString": "low"}]}
    assert "Stranger" not in response.text and stranger.reference not in response.text
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == events_before
