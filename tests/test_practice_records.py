"""The treatment-record pages of the practice area: the chart with its warnings and trends, a
note per visit that closes when signed, the Oswestry questionnaire, the programme builder, and
head office's audit search."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from clinic_app.accounts.models import Role
from clinic_app.audit.models import AuditEvent
from clinic_app.audit.service import Actor, record_event
from clinic_app.clock import utcnow
from clinic_app.extensions import db
from clinic_app.notifications.models import OutboxMessage
from clinic_app.treatments.library import seed_exercise_library
from clinic_app.treatments.models import OdiResponse, Programme, TreatmentNote
from clinic_app.treatments.notes import note_for_visit, sign_note
from clinic_app.treatments.programmes import exercise_library
from tests.factories import make_booking, make_seen_visit, make_user

NOTE = {"subjective": "Ache after lifting boxes", "assessment": "Mechanical low back pain", "pain_before": "6",
        "pain_after": "3", "body_region": "lumbar", "techniques": ["manual therapy", "education"]}


@pytest.fixture
def visit(app):
    return make_seen_visit(first_name="Robin", last_name="Quinn", phone="555-0142")


@pytest.fixture
def practitioner(client, visit):
    assert client.login(visit.practitioner.user.email).status_code == 302
    return client


def note_url(visit) -> str:
    return f"/practice/visits/{visit.id}/note"


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def later_visit(visit, days: int):
    return make_seen_visit(clinic=visit.clinic, service=visit.service, practitioner=visit.practitioner,
                        email=visit.patient.email, date_of_birth=visit.patient.date_of_birth,
                        now=visit.start_at + timedelta(days=days))


# ---- the chart -------------------------------------------------------------------------


def test_the_chart_shows_the_patient_contact_details_and_visits(practitioner, visit):
    page = practitioner.get(f"/practice/patients/{visit.patient_id}")
    assert page.status_code == 200
    assert "Robin Quinn" in page.text and visit.patient.email in page.text and 'href="tel:5550142"' in page.text
    assert "Jan 1, 1980" in page.text and visit.clinic.name in page.text
    assert f'href="/practice/visits/{visit.id}/note"' in page.text


def test_opening_the_chart_is_recorded_in_the_audit_trail(practitioner, visit):
    practitioner.get(f"/practice/patients/{visit.patient_id}")
    event = db.session.scalar(select(AuditEvent))
    assert (event.action, event.actor_id, event.patient_id) == ("view_chart", visit.practitioner.user_id,
                                                                visit.patient_id)


def test_the_chart_shows_the_condition_and_its_chronicity(practitioner, visit):
    onset = (utcnow() - timedelta(weeks=8)).date().isoformat()
    response = practitioner.submit(f"/practice/patients/{visit.patient_id}/edit",
                                   {"condition": "Sciatica", "onset_date": onset})
    assert response.status_code == 303
    page = practitioner.get(response.headers["Location"])
    assert "Sciatica" in page.text and "Subacute" in page.text
    assert "Emergency red flag" not in page.text and "Not screened yet." in page.text


def test_an_onset_in_the_future_is_refused_beside_the_field(practitioner, visit):
    tomorrow = (utcnow() + timedelta(days=2)).date().isoformat()
    page = practitioner.submit(f"/practice/patients/{visit.patient_id}/edit", {"onset_date": tomorrow})
    assert page.status_code == 422
    assert 'id="onset_date-error"' in page.text and "cannot be in the future" in page.text


def test_the_pain_trend_is_drawn_tabled_and_flagged_when_it_improves_by_the_mcid(practitioner, visit):
    second = later_visit(visit, 2)
    practitioner.submit(note_url(visit), {**NOTE, "pain_before": "7", "sign": "y"})
    practitioner.submit(note_url(second), {**NOTE, "pain_before": "4", "sign": "y"})
    page = practitioner.get(f"/practice/patients/{visit.patient_id}").text
    assert '<svg class="trend-chart"' in page and 'role="img"' in page and page.count('class="dot"') == 2
    assert "Improved" in page and "intake 7 to latest 4" in page
    assert "7 on " in page  # the chart's text description gives each score


def test_a_new_patient_is_due_an_oswestry_questionnaire(practitioner, visit):
    assert "ODI due" in practitioner.get(f"/practice/patients/{visit.patient_id}").text


# ---- notes -----------------------------------------------------------------------------


def test_opening_an_empty_note_page_writes_nothing(practitioner, visit):
    page = practitioner.get(note_url(visit))
    assert page.status_code == 200 and 'name="subjective"' in page.text
    assert db.session.scalar(select(func.count()).select_from(TreatmentNote)) == 0


def test_a_draft_is_saved_then_signed_and_becomes_read_only(practitioner, visit):
    saved = practitioner.submit(note_url(visit), {**NOTE, "save": "Save draft"})
    assert saved.status_code == 303
    draft = practitioner.get(note_url(visit)).text
    assert "Ache after lifting boxes" in draft and 'name="sign"' in draft
    signed = practitioner.submit(note_url(visit), {**NOTE, "sign": "Sign note"})
    page = practitioner.get(signed.headers["Location"]).text
    assert "This note is signed and can no longer be changed" in page
    assert 'name="subjective"' not in page and "Add addendum" in page
    assert actions()[-3:] == ["edit_note", "sign_note", "view_note"]


def test_posting_changes_to_a_signed_note_is_refused_and_nothing_changes(practitioner, visit):
    practitioner.submit(note_url(visit), {**NOTE, "sign": "y"})
    response = practitioner.submit(note_url(visit), {**NOTE, "subjective": "Rewritten later", "save": "y"})
    assert response.status_code == 409
    assert "signed and can no longer be changed" in response.text and 'role="alert"' in response.text
    assert db.session.scalar(select(TreatmentNote.subjective)) == "Ache after lifting boxes"
    nonsense = practitioner.submit(note_url(visit), {"pain_before": "eleven", "sign": "y"})
    assert nonsense.status_code == 409 and "signed and can no longer be changed" in nonsense.text


def test_a_pain_score_out_of_range_is_shown_beside_its_field(practitioner, visit):
    page = practitioner.submit(note_url(visit), {**NOTE, "pain_before": "11", "save": "y"})
    assert page.status_code == 422
    assert 'id="pain_before-error"' in page.text and "0 (none) to 10" in page.text
    assert 'aria-describedby="pain_before-error"' in page.text
    assert db.session.scalar(select(func.count()).select_from(TreatmentNote)) == 0


def test_signing_without_the_pain_score_says_what_is_missing_by_the_field(practitioner, visit):
    page = practitioner.submit(note_url(visit), {**NOTE, "pain_before": "", "sign": "y"})
    assert page.status_code == 422
    assert 'id="pain_before-error"' in page.text and "before signing" in page.text
    assert db.session.scalar(select(func.count()).select_from(TreatmentNote)) == 0


def test_an_addendum_needs_a_reason_and_then_shows_under_the_note(practitioner, visit):
    practitioner.submit(note_url(visit), {**NOTE, "sign": "y"})
    refused = practitioner.submit(f"{note_url(visit)}/addenda", {"reason": "", "body": "Left side, not right."},
                                  page=note_url(visit))
    assert refused.status_code == 422 and 'id="reason-error"' in refused.text
    added = practitioner.submit(f"{note_url(visit)}/addenda", {"reason": "Wrong side", "body": "Left side, not right."},
                                page=note_url(visit))
    page = practitioner.get(added.headers["Location"]).text
    assert "Reason: Wrong side" in page and "Left side, not right." in page


def test_a_colleague_cannot_edit_someone_elses_draft(client, visit):
    author = Actor(visit.practitioner.user)
    note_for_visit(author, visit, utcnow())
    db.session.commit()
    colleague = make_user(Role.PRACTITIONER, clinics=(visit.clinic,))
    client.login(colleague.email)
    page = client.get(note_url(visit))
    assert "only they can edit or sign it" in page.text and 'name="subjective"' not in page.text
    csrf = client.get("/practice/").text.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post(note_url(visit), data={**NOTE, "save": "y", "csrf_token": csrf})
    assert response.status_code == 403 and "Only the practitioner who wrote this note" in response.text


def test_a_colleague_cannot_start_the_note_of_someone_elses_visit(client, visit):
    colleague = make_user(Role.PRACTITIONER, clinics=(visit.clinic,))
    client.login(colleague.email)
    page = client.get(note_url(visit))
    assert page.status_code == 200 and 'name="subjective"' not in page.text
    assert f"Only {visit.practitioner.display_name}, whose visit this is, can write its note" in page.text
    response = client.submit(note_url(visit), {**NOTE, "save": "y"}, page="/practice/")
    assert response.status_code == 403 and "whose visit this is" in response.text
    assert db.session.scalar(select(func.count()).select_from(TreatmentNote)) == 0
    client.logout()
    client.login(visit.practitioner.user.email)  # the treating practitioner is not locked out
    assert client.submit(note_url(visit), {**NOTE, "save": "y"}).status_code == 303
    assert db.session.scalar(select(TreatmentNote.author_id)) == visit.practitioner.user_id


def test_a_manager_cannot_write_the_note_but_co_signs_it_once_signed(client, visit):
    manager = make_user(Role.CLINIC_MANAGER, clinics=(visit.clinic,), full_name="Morgan Lee")
    client.login(manager.email)
    assert client.submit(note_url(visit), {**NOTE, "sign": "y"}, page="/practice/").status_code == 403
    assert db.session.scalar(select(func.count()).select_from(TreatmentNote)) == 0
    client.logout()
    client.login(visit.practitioner.user.email)
    client.submit(note_url(visit), {**NOTE, "save": "y"})
    assert "Co-sign this note" not in client.get(note_url(visit)).text  # the author never co-signs
    client.logout()

    client.login(manager.email)
    draft = client.submit(f"{note_url(visit)}/cosign", {}, page="/practice/")
    assert draft.status_code == 409 and "Only a signed note can be co-signed" in draft.text
    client.logout()
    client.login(visit.practitioner.user.email)
    client.submit(note_url(visit), {**NOTE, "sign": "y"})
    client.logout()
    client.login(manager.email)
    assert "Co-sign this note" in client.get(note_url(visit)).text
    done = client.submit(f"{note_url(visit)}/cosign", {}, page=note_url(visit))
    page = client.get(done.headers["Location"]).text
    assert f"Signed by {visit.practitioner.user.full_name}" in page
    assert "Co-signed by Morgan Lee (clinic manager)" in page and "Co-sign this note" not in page
    assert db.session.scalar(select(TreatmentNote.author_id)) == visit.practitioner.user_id
    assert actions()[-2:] == ["cosign_note", "view_note"]
    again = client.submit(f"{note_url(visit)}/cosign", {}, page="/practice/")
    assert again.status_code == 409 and "already co-signed" in again.text


def test_a_practitioner_cannot_co_sign(client, visit):
    note = note_for_visit(Actor(visit.practitioner.user), visit, utcnow())
    note.pain_before, note.subjective = 5, "x"
    db.session.commit()
    sign_note(Actor(visit.practitioner.user), note, utcnow())
    db.session.commit()
    colleague = make_user(Role.PRACTITIONER, clinics=(visit.clinic,))
    client.login(colleague.email)
    assert "Co-sign this note" not in client.get(note_url(visit)).text
    refused = client.submit(f"{note_url(visit)}/cosign", {}, page="/practice/")
    assert refused.status_code == 403 and "Only a manager of this clinic" in refused.text


# ---- Oswestry questionnaire ------------------------------------------------------------


def odi_answers(values) -> dict:
    return {f"section_{n}": str(v) for n, v in enumerate(values, start=1) if v is not None}


def test_the_questionnaire_has_ten_sections_of_six_statements(practitioner, visit):
    page = practitioner.get(f"/practice/patients/{visit.patient_id}/odi").text
    assert page.count('type="radio"') == 60 and page.count("<legend>") == 10
    assert actions() == ["open_odi_form"]  # the page names the patient: who opened it is recorded
    assert "I can lift heavy weights without extra pain" in page


def test_a_saved_questionnaire_shows_its_score_and_band(practitioner, visit):
    url = f"/practice/patients/{visit.patient_id}/odi"
    response = practitioner.submit(url, {"timepoint": "intake", **odi_answers([2] * 9 + [None])})
    assert response.status_code == 303
    page = practitioner.get(response.headers["Location"]).text
    assert "ODI 40% (moderate disability)" in page
    assert db.session.scalar(select(OdiResponse.score)) == 40.0


def test_too_many_unanswered_sections_are_refused(practitioner, visit):
    page = practitioner.submit(f"/practice/patients/{visit.patient_id}/odi",
                               {"timepoint": "intake", **odi_answers([1] * 7 + [None] * 3)})
    assert page.status_code == 422 and "Answer at least 8 of the 10 sections" in page.text
    assert db.session.scalar(select(func.count()).select_from(OdiResponse)) == 0


# ---- programmes ------------------------------------------------------------------------


def prescription(exercises, **overrides) -> dict:
    data = {"notes": "Little and often"}
    for i, exercise in enumerate(exercises):
        data.update({f"exercises-{i}-exercise_id": str(exercise.id), f"exercises-{i}-chosen": "y",
                     f"exercises-{i}-sets": "2", f"exercises-{i}-reps": "10", f"exercises-{i}-hold_seconds": "5",
                     f"exercises-{i}-times_per_day": "1", f"exercises-{i}-notes": ""})
    data.update(overrides)
    return data


def test_saving_a_programme_makes_a_new_version_and_emails_the_patient(practitioner, visit):
    seed_exercise_library()
    db.session.commit()
    first, second, third, fourth = exercise_library()[:4]
    url = f"/practice/patients/{visit.patient_id}/programme"
    assert practitioner.submit(url, prescription([first, second, third])).status_code == 303
    response = practitioner.submit(url, prescription([fourth]))
    page = practitioner.get(response.headers["Location"]).text
    assert "Version 2 of the programme was saved" in page
    assert "Version 2 (current)" in page and "Version 1" in page and first.name in page
    mail = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == visit.patient.email)
                              .where(OutboxMessage.subject.like("%exercise programme%"))).all()
    assert len(mail) == 2


def test_a_programme_dosage_out_of_range_is_shown_by_its_field(practitioner, visit):
    seed_exercise_library()
    db.session.commit()
    first = exercise_library()[0]
    page = practitioner.submit(f"/practice/patients/{visit.patient_id}/programme",
                               prescription([first], **{"exercises-0-sets": "50"}))
    assert page.status_code == 422 and 'id="exercises-0-sets-error"' in page.text
    assert db.session.scalar(select(func.count()).select_from(Programme)) == 0


def test_a_programme_needs_at_least_one_exercise(practitioner, visit):
    seed_exercise_library()
    db.session.commit()
    page = practitioner.submit(f"/practice/patients/{visit.patient_id}/programme", {"notes": ""})
    assert page.status_code == 422 and "Choose at least one exercise" in page.text


# ---- head office audit search ----------------------------------------------------------


@pytest.fixture
def head_office(client):
    user = make_user(Role.HEAD_OFFICE)
    client.login(user.email)
    return client


def test_head_office_finds_events_by_patient_and_action(head_office, visit):
    author = Actor(visit.practitioner.user, "198.51.100.4")
    other = make_booking()
    record_event(author, visit.patient_id, "sign_note", None, utcnow())
    record_event(author, visit.patient_id, "view_chart", None, utcnow())
    record_event(author, other.patient_id, "sign_note", None, utcnow())
    db.session.commit()
    page = head_office.get(f"/headoffice/audit?patient_id={visit.patient_id}&action=sign_note").text
    assert page.count("Signed a note") == 2  # the option and the one matching row
    assert f"#{visit.patient_id}" in page and "198.51.100.4" in page and visit.practitioner.user.email in page
    assert "Robin" not in page  # head office sees numbers, not names


def test_the_audit_search_filters_by_staff_email_and_dates(head_office, visit):
    author = Actor(visit.practitioner.user)
    record_event(author, visit.patient_id, "view_chart", None, utcnow() - timedelta(days=10))
    colleague = Actor(make_user(Role.PRACTITIONER, clinics=(visit.clinic,)))
    record_event(colleague, visit.patient_id, "view_chart", None, utcnow())
    db.session.commit()
    since = (utcnow() - timedelta(days=1)).date().isoformat()
    page = head_office.get(f"/headoffice/audit?since={since}&actor_email={author.user.email.upper()}").text
    assert "No events match" in page
    page = head_office.get(f"/headoffice/audit?actor_email={author.user.email}").text
    assert page.count("Opened the chart") == 2


def test_the_audit_search_is_paged(head_office, visit):
    author = Actor(visit.practitioner.user)
    for minutes in range(55):
        record_event(author, visit.patient_id, "view_chart", None, utcnow() - timedelta(minutes=minutes))
    db.session.commit()
    first = head_office.get(f"/headoffice/audit?patient_id={visit.patient_id}").text
    assert first.count("<td>#") == 50 and "Older events" in first
    second = head_office.get(f"/headoffice/audit?patient_id={visit.patient_id}&page=2").text
    assert second.count("<td>#") == 5 and "Newer events" in second and "Older events" not in second


def test_a_backwards_date_range_is_explained_beside_the_field(head_office):
    page = head_office.get("/headoffice/audit?since=2026-03-10&until=2026-03-01")
    assert page.status_code == 422 and 'id="until-error"' in page.text


def test_a_programme_holds_at_most_twelve_exercises(practitioner, visit):
    seed_exercise_library()
    db.session.commit()
    page = practitioner.submit(f"/practice/patients/{visit.patient_id}/programme",
                               prescription(exercise_library()[:13]))
    assert page.status_code == 422 and "at most 12 exercises" in page.text
    assert db.session.scalar(select(func.count()).select_from(Programme)) == 0


@pytest.mark.parametrize("query", ["until=9999-12-31", "since=0001-01-01", "patient_id=99999999999999999999"])
def test_an_audit_search_out_of_range_is_explained_not_an_error(head_office, query):
    assert head_office.get(f"/headoffice/audit?{query}").status_code == 422


def test_desk_actions_can_be_searched_by_name(head_office, visit):
    record_event(Actor(visit.practitioner.user), visit.patient_id, "staff_move", visit, utcnow())
    db.session.commit()
    page = head_office.get("/headoffice/audit?action=staff_move")
    assert page.status_code == 200 and page.text.count("Moved a visit at the desk") == 2
