"""Red-flag screens and STarT Back through the pages: "screened: none" is told from "not
screened"; an emergency puts a banner on the chart, the note, the schedule and the dashboard,
alerts the clinic's manager and the treating practitioner without health details, and holds the
signing of notes until the action taken is recorded; the patient answers before the first visit
by link, and the daily check-in asks the cauda equina question."""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from clinic_app.accounts.models import Role
from clinic_app.audit.service import Actor
from clinic_app.clock import utcnow
from clinic_app.extensions import db
from clinic_app.notifications.models import OutboxMessage
from clinic_app.screening.intake import intake_url
from clinic_app.screening.models import RedFlagScreen, StartBackScreen
from clinic_app.screening.rules import RiskGroup
from clinic_app.screening.service import record_practitioner_screen
from clinic_app.screening.startback import record_startback, risk_groups_of
from clinic_app.treatments.library import seed_exercise_library
from clinic_app.treatments.programmes import Dose, exercise_library, prescribe_programme
from tests.factories import make_booking, make_seen_visit, make_user

NOTE = {"subjective": "Ache after lifting", "assessment": "Mechanical low back pain", "pain_before": "6",
        "body_region": "lumbar"}
HIGH_RISK = {f"item_{n}": v for n, v in enumerate(["1", "0", "1", "0", "1", "1", "1", "1", "3"], start=1)}


@pytest.fixture
def visit(app):
    return make_seen_visit("completed", first_name="Robin", last_name="Quinn")  # notes follow a visit that took place


@pytest.fixture
def manager(visit):
    return make_user(Role.CLINIC_MANAGER, clinics=[visit.clinic], full_name="Morgan Manager")


@pytest.fixture
def practitioner(client, visit):
    assert client.login(visit.practitioner.user.email).status_code == 302
    return client


def chart(client, visit) -> str:
    return client.get(f"/practice/patients/{visit.patient_id}").text


def screen(client, visit, findings):
    return client.submit(f"/practice/patients/{visit.patient_id}/red-flags", {"findings": findings})


def outbox() -> list[OutboxMessage]:
    """The red-flag alerts queued (the booking's own confirmation aside)."""
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.subject == "Urgent: open the chart")
                                   .order_by(OutboxMessage.id)))


def test_a_patient_never_screened_is_told_from_one_screened_with_none_found(practitioner, visit):
    assert "Not screened yet." in chart(practitioner, visit)
    saved = screen(practitioner, visit, [])
    assert saved.status_code == 303
    page = chart(practitioner, visit)
    assert "Screened: none found" in page and "Not screened yet." not in page.split("STarT Back")[0]


def test_an_urgent_flag_shows_its_tier_without_an_emergency(practitioner, visit, manager):
    screen(practitioner, visit, ["cancer_history", "age_onset"])
    page = chart(practitioner, visit)
    assert "Urgent: refer for investigation" in page and "History of cancer" in page
    assert "Emergency red flag" not in page and outbox() == []


def test_an_emergency_alerts_the_manager_and_the_practitioner_with_no_health_details(practitioner, visit, manager):
    screen(practitioner, visit, ["bladder_bowel"])
    messages = outbox()
    assert sorted(m.recipient for m in messages) == sorted([manager.email, visit.practitioner.user.email])
    for message in messages:
        assert message.subject == "Urgent: open the chart"
        assert f"/practice/patients/{visit.patient_id}" in message.body_text
        assert "Robin" not in message.body_text + message.subject and "bladder" not in message.body_text.lower()


def test_an_emergency_puts_a_banner_on_the_chart_the_note_the_schedule_and_the_dashboard(
        practitioner, visit, manager, client):
    screen(practitioner, visit, ["saddle_anaesthesia"])
    page = chart(practitioner, visit)
    assert 'role="alert"' in page and "Emergency red flag: suspected cauda equina syndrome" in page
    assert "Emergency red flag" in practitioner.get(f"/practice/visits/{visit.id}/note").text
    day = visit.start_at.astimezone(ZoneInfo(visit.clinic.timezone)).date().isoformat()
    schedule = practitioner.get(f"/practice/clinics/{visit.clinic_id}/schedule?date={day}").text
    assert "Emergency red flag" in schedule and 'class="badge badge-emergency"' in schedule
    practitioner.logout()
    client.login(manager.email)
    dashboard = client.get("/practice/").text
    assert "Emergency red flag" in dashboard and "Robin Quinn" in dashboard


def test_the_note_cannot_be_signed_until_the_action_taken_is_recorded(practitioner, visit):
    screen(practitioner, visit, ["bilateral_leg_symptoms"])
    url = f"/practice/visits/{visit.id}/note"
    refused = practitioner.submit(url, {**NOTE, "sign": "Sign note"})
    assert refused.status_code == 422 and "record the action taken" in refused.text
    assert "Ache after lifting" in refused.text  # what was typed is kept
    emergency = db.session.scalar(select(RedFlagScreen))
    blank = practitioner.submit(f"/practice/red-flags/{emergency.id}/action",
                                {"action_code": "assessed_not_present"}, page=f"/practice/patients/{visit.patient_id}")
    assert blank.status_code == 422 and "Say what the assessment found." in blank.text
    recorded = practitioner.submit(f"/practice/red-flags/{emergency.id}/action",
                                   {"action_code": "emergency_department", "action_detail": "County ED, 14:10"},
                                   page=f"/practice/patients/{visit.patient_id}")
    assert recorded.status_code == 303
    page = chart(practitioner, visit)
    assert "Emergency red flag" not in page and "Referred to the emergency department the same day" in page
    assert practitioner.submit(url, {**NOTE, "sign": "Sign note"}).status_code == 303


def test_the_patient_answers_before_the_visit_by_link_and_the_practitioner_confirms(practitioner, visit, client):
    with client.application.test_request_context():
        link = intake_url(visit)
    path = re.sub(r"^https?://[^/]+", "", link)
    answers = {f"flag_{code}": "0" for code in ("saddle_anaesthesia", "bladder_bowel", "bilateral_leg_symptoms",
                                                "cancer_history", "weight_loss", "night_pain", "fever", "trauma",
                                                "inflammatory", "age_onset")}
    practitioner.logout()
    form = client.get(path)
    assert form.status_code == 200 and "Keele University" in form.text
    missing = client.submit(path, answers)
    assert missing.status_code == 422 and "Choose an answer." in missing.text
    done = client.submit(path, {**answers, "flag_weight_loss": "1", **HIGH_RISK})
    assert done.status_code == 200 and "Thank you" in done.text and "Call 911 now" not in done.text
    again = client.get(path).text
    assert "Thank you" in again and 'name="flag_weight_loss"' not in again  # answered once

    client.login(visit.practitioner.user.email)
    page = chart(client, visit)
    assert "Reported by the patient" in page and "Unexplained weight loss" in page
    assert "High risk" in page and "psychologically informed physiotherapy" in page
    assert "total 7/9, psychosocial 5/5" in page
    confirm = client.get(f"/practice/patients/{visit.patient_id}/red-flags").text
    assert re.search(r'value="weight_loss"[^>]*checked|checked[^>]*value="weight_loss"', confirm)
    screen(client, visit, ["weight_loss"])
    assert "Reported by the patient" not in chart(client, visit)


def test_a_patient_reporting_cauda_equina_signs_sees_the_911_advice_and_the_clinic_is_alerted(visit, client, manager):
    with client.application.test_request_context():
        path = re.sub(r"^https?://[^/]+", "", intake_url(visit))
    answers = {f"flag_{code}": "0" for code in ("saddle_anaesthesia", "bilateral_leg_symptoms", "cancer_history",
                                                "weight_loss", "night_pain", "fever", "trauma", "inflammatory",
                                                "age_onset")}
    done = client.submit(path, {**answers, "flag_bladder_bowel": "1", **HIGH_RISK})
    assert 'role="alert"' in done.text and "Call 911 now" in done.text
    assert manager.email in [m.recipient for m in outbox()]


def test_a_forged_intake_link_is_refused(client, visit):
    assert client.get("/my/intake/not-a-token").status_code == 404


def test_the_check_in_yes_shows_911_advice_and_alerts_the_clinic(client, visit, manager):
    seed_exercise_library()
    exercise = exercise_library()[0]
    programme, token = prescribe_programme(Actor(visit.practitioner.user), visit.patient, visit.practitioner,
                                           [Dose(exercise.id, 2, 10)], "", utcnow())
    db.session.commit()
    page = client.get(f"/my/programme/{token}").text
    assert "new numbness around your bottom or genitals" in page
    data = {"on": "today", "pain": "5", f"sets_{exercise.id}": "2", "cauda_equina": "yes"}
    answered = client.submit(f"/my/programme/{token}/check-in", data, page=f"/my/programme/{token}")
    assert answered.status_code == 200 and "Call 911 now" in answered.text and 'role="alert"' in answered.text
    flagged = db.session.scalar(select(RedFlagScreen))
    assert (flagged.source, flagged.tier, flagged.clinic_id) == ("check_in", "emergency", programme.clinic_id)
    assert {manager.email, visit.practitioner.user.email} <= {m.recipient for m in outbox()}


def test_the_check_in_no_is_an_ordinary_check_in(client, visit):
    seed_exercise_library()
    exercise = exercise_library()[0]
    _, token = prescribe_programme(Actor(visit.practitioner.user), visit.patient, visit.practitioner,
                                   [Dose(exercise.id, 2, 10)], "", utcnow())
    db.session.commit()
    data = {"on": "today", "pain": "5", f"sets_{exercise.id}": "2", "cauda_equina": "no"}
    assert client.submit(f"/my/programme/{token}/check-in", data, page=f"/my/programme/{token}").status_code == 302
    assert db.session.scalar(select(RedFlagScreen)) is None


def test_startback_by_the_practitioner_shows_the_group_and_its_pathway_on_the_chart(practitioner, visit):
    low = {f"item_{n}": "0" for n in range(1, 10)}
    saved = practitioner.submit(f"/practice/patients/{visit.patient_id}/startback", low)
    assert saved.status_code == 303
    page = chart(practitioner, visit)
    assert "Low risk" in page and "total 0/9, psychosocial 0/5" in page and "self-management" in page
    incomplete = practitioner.submit(f"/practice/patients/{visit.patient_id}/startback", {"item_1": "1"})
    assert incomplete.status_code == 422 and 'id="item_2-error"' in incomplete.text


def test_outcomes_can_be_split_by_the_latest_risk_group(visit):
    other = make_booking(clinic=visit.clinic, service=visit.service, practitioner=visit.practitioner)
    actor, now = Actor(visit.practitioner.user), visit.start_at + timedelta(hours=1)
    record_startback(actor, visit.patient, [0] * 9, now)
    record_startback(actor, visit.patient, [0, 0, 0, 0, 1, 1, 1, 1, 0], now + timedelta(days=1))
    db.session.commit()
    assert risk_groups_of([visit.patient_id, other.patient_id]) == {visit.patient_id: RiskGroup.HIGH}
    assert risk_groups_of([visit.patient_id], as_of=now) == {visit.patient_id: RiskGroup.LOW}
    assert db.session.query(StartBackScreen).count() == 2


def test_staff_of_another_clinic_cannot_open_the_screens(client, visit):
    stranger = make_booking()
    client.login(stranger.practitioner.user.email)
    assert client.get(f"/practice/patients/{visit.patient_id}/red-flags").status_code == 404
    assert client.get(f"/practice/patients/{visit.patient_id}/startback").status_code == 404


def test_staff_of_another_clinic_cannot_record_the_action_on_a_flag(client, visit):
    emergency = record_practitioner_screen(Actor(visit.practitioner.user), visit.patient, ["bladder_bowel"],
                                           visit.start_at + timedelta(hours=1))
    db.session.commit()
    stranger = make_booking()
    client.login(stranger.practitioner.user.email)
    refused = client.submit(f"/practice/red-flags/{emergency.id}/action", {"action_code": "called_911"}, page="/")
    assert refused.status_code == 404
    assert db.session.get(RedFlagScreen, emergency.id).action_at is None
