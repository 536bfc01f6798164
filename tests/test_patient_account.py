"""A patient's own account: confirming the e-mail (and the visits that then join), profile and
contact preferences, downloading their data, and closing the account."""

import json
import re
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from clinic_app.accounts.models import DeletionRequest, Role, User
from clinic_app.accounts.verification import send_verification_email
from clinic_app.adherence.service import CheckInDetails, patient_today, record_check_in
from clinic_app.audit.models import AuditEvent
from clinic_app.audit.service import Actor
from clinic_app.clinics.rules import Interval
from clinic_app.clock import utcnow
from clinic_app.extensions import db
from clinic_app.notifications.models import OutboxMessage
from clinic_app.patients.models import Patient, TextConsent
from clinic_app.scheduling.reminders import queue_due_reminders
from clinic_app.treatments.library import seed_exercise_library
from clinic_app.treatments.notes import NoteDetails, note_for_visit, save_draft, sign_note
from clinic_app.treatments.programmes import Dose, exercise_library, prescribe_programme
from tests.conftest import FormClient
from tests.factories import DEFAULT_PASSWORD, make_booking, make_clinic, make_practitioner, make_service, make_user

BIRTHDAY = date(1984, 3, 9)
PASSWORD = "a quiet river at dawn"
BOOKING_NOW = datetime(2026, 11, 23, 14, tzinfo=UTC)  # a Monday morning in New York
VERIFY_SUBJECT = "Confirm your e-mail address for Back Solution"


def register(client, email="sam@example.com"):
    return client.submit("/register", {"full_name": "Sam Rivers", "email": email, "date_of_birth": "1984-03-09",
                                       "password": PASSWORD, "confirm": PASSWORD})


def delivered_link(mailbox, runner, count=1) -> str:
    """The link in the ``count``-th confirmation e-mail the SMTP server received."""
    runner.invoke(args=["outbox", "send"])  # what the notification worker does
    mailbox.wait_for(len(mailbox.messages) + 1)
    confirmations = [m for m in mailbox.messages if m["Subject"] == VERIFY_SUBJECT]
    body = confirmations[count - 1].get_payload(decode=True).decode()
    return re.search(r"http://localhost(/verify-email/\S+)", body).group(1)


def signed_in_unconfirmed(client) -> User:
    """A patient signed in with an address not confirmed: a session from before sign-in needed a
    confirmed address (it still works until it ends)."""
    user = make_user(Role.PATIENT, email="sam@example.com")
    client.login(user.email)
    user.email_verified_at = None
    db.session.commit()
    return user


def verified_patient(email="sam@example.com", date_of_birth=BIRTHDAY, **overrides) -> User:
    user = make_user(Role.PATIENT, email=email, **overrides)
    user.date_of_birth, user.email_verified_at = date_of_birth, utcnow()
    db.session.commit()
    return user


def test_registration_emails_a_link_that_confirms_the_address_before_the_account_signs_in(
    client, smtp_server, runner
):
    assert register(client).headers["Location"] == "/login"
    assert "Check your inbox: we have sent a message to sam@example.com." in client.get("/login").text
    assert client.login("sam@example.com", PASSWORD).status_code == 200  # not before the address is confirmed
    link = delivered_link(smtp_server, runner)
    [message] = smtp_server.messages
    assert (message["To"], message["Subject"]) == ("sam@example.com", VERIFY_SUBJECT)

    response = client.get(link)
    assert response.headers["Location"] == "/login"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Your e-mail address is confirmed." in client.get("/login").text
    assert client.login("sam@example.com", PASSWORD).headers["Location"] == "/my/"
    assert "Confirm your e-mail address" not in client.get("/my/").text
    user = db.session.scalar(select(User).where(User.email == "sam@example.com"))
    assert user.email_verified and user.date_of_birth == BIRTHDAY


def test_earlier_guest_visits_join_only_after_confirmation_and_only_with_the_same_birth_date(
    client, smtp_server, runner
):
    mine = make_booking(email="Sam@Example.com", date_of_birth=BIRTHDAY, now=utcnow())
    my_childs = make_booking(email="sam@example.com", date_of_birth=date(2012, 6, 1), now=utcnow())
    register(client)
    assert db.session.scalars(select(Patient.user_id)).all() == [None, None]

    confirmed = client.get(delivered_link(smtp_server, runner), follow_redirects=True).text
    assert "visits you booked earlier with it are now in your account" in confirmed
    client.login("sam@example.com", PASSWORD)
    page = client.get("/my/").text
    assert mine.reference in page
    assert my_childs.reference not in page


def test_the_link_confirms_on_another_device_without_signing_in(app, client, smtp_server, runner):
    mine = make_booking(email="sam@example.com", date_of_birth=BIRTHDAY, now=utcnow())
    register(client)
    link = delivered_link(smtp_server, runner)
    phone = app.test_client()
    assert phone.get(link).headers["Location"] == "/login"
    client.login("sam@example.com", PASSWORD)
    assert mine.reference in client.get("/my/").text


def test_a_guest_visit_booked_after_confirmation_joins_at_the_next_login(client):
    verified_patient()
    later = make_booking(email="sam@example.com", date_of_birth=BIRTHDAY, now=utcnow())
    other_birthday = make_booking(email="sam@example.com", date_of_birth=date(2012, 6, 1), now=utcnow())
    client.login("sam@example.com")
    page = client.get("/my/").text
    assert later.reference in page and other_birthday.reference not in page


@pytest.mark.parametrize(
    "signed_in, confirmed, birthday, joins",
    [
        (False, True, BIRTHDAY, True),  # a guest booking by the confirmed account holder
        (True, True, BIRTHDAY, True),
        (True, False, BIRTHDAY, False),  # not until the e-mail is confirmed
        (True, True, date(2012, 6, 1), False),  # the same e-mail, someone else's birthday
    ],
)
def test_a_visit_booked_on_the_site_joins_only_a_confirmed_account_with_that_birth_date(
    client, monkeypatch, signed_in, confirmed, birthday, joins
):
    monkeypatch.setattr("clinic_app.clock.utcnow", lambda: BOOKING_NOW)
    clinic = make_clinic(slug="chelsea")
    make_practitioner(clinic, services=[make_service(clinics=[clinic], slug="follow-up")])
    user = verified_patient()
    if signed_in:
        client.login(user.email)
    user.email_verified_at = BOOKING_NOW if confirmed else None  # signed in before: the session lasts
    db.session.commit()
    start = datetime(2026, 11, 25, 10, tzinfo=ZoneInfo("America/New_York")).isoformat()
    choices = {"clinic": "chelsea", "service": "follow-up", "practitioner": "any", "start": start}
    details = dict(first_name="Sam", last_name="Rivers", email="sam@example.com", phone="(555) 010-0199",
                   date_of_birth=birthday.isoformat(), new_patient="new", pain_area="Lower back", consent="y")
    page = "/book/details?" + urlencode(choices)
    assert client.submit("/book/details", {**choices, **details}, page=page).status_code == 302
    assert db.session.scalar(select(Patient.user_id)) == (user.id if joins else None)


@pytest.mark.parametrize("mangle", [lambda link: link[:-3], lambda link: "/verify-email/not-a-token"])
def test_a_damaged_link_gets_a_clear_message(client, smtp_server, runner, mangle):
    register(client)
    response = client.get(mangle(delivered_link(smtp_server, runner)))
    assert response.status_code == 400
    assert "This confirmation link does not work" in response.text
    assert client.login("sam@example.com", PASSWORD).status_code == 200  # still not confirmed


def test_an_expired_link_gets_a_clear_message_and_confirms_nothing(app, client, smtp_server, runner):
    mine = make_booking(email="sam@example.com", date_of_birth=BIRTHDAY, now=utcnow())
    register(client)
    link = delivered_link(smtp_server, runner)
    app.config["EMAIL_VERIFICATION_MAX_AGE_HOURS"] = -1  # every link is now past its age
    response = client.get(link)
    assert response.status_code == 400
    assert "This confirmation link has expired" in response.text
    assert db.session.scalar(select(Patient.user_id).where(Patient.id == mine.patient_id)) is None
    assert not db.session.scalar(select(User).where(User.email == "sam@example.com")).email_verified


def test_the_link_can_be_sent_again_and_the_new_one_works(client, smtp_server, runner):
    signed_in_unconfirmed(client)
    assert "Confirm your e-mail address" in client.get("/my/").text
    response = client.submit("/my/verify-email", {}, page="/my/", follow_redirects=True)
    assert "We have sent a new confirmation link to sam@example.com." in response.text
    client.get(delivered_link(smtp_server, runner))
    assert "Confirm your e-mail address" not in client.get("/my/").text


def test_sending_the_link_again_is_rate_limited(app, client):
    app.config["EMAIL_VERIFICATION_LIMIT"] = "2 per hour"
    signed_in_unconfirmed(client)
    statuses = [client.submit("/my/verify-email", {}, page="/my/").status_code for _ in range(3)]
    assert statuses == [302, 302, 429]
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 2


def test_a_link_for_an_address_the_account_no_longer_uses_is_refused(client):
    user = make_user(Role.PATIENT, email="old@example.com", email_verified=False)
    send_verification_email(user)
    db.session.commit()
    link = re.search(r"http://localhost(/verify-email/\S+)", db.session.scalar(select(OutboxMessage.body_text)))[1]
    user.email = "new@example.com"
    db.session.commit()
    assert "This confirmation link does not work" in client.get(link).text
    assert db.session.get(User, user.id).email_verified_at is None


def test_profile_changes_name_phone_and_reminder_preference(client):
    user = verified_patient()
    client.login(user.email)
    page = client.get("/my/profile").text
    assert "contact your clinic" in page
    assert re.search(r'<input checked[^>]*name="visit_reminder_emails"', page)
    response = client.submit("/my/profile", {"full_name": "Sam Brook", "phone": "(555) 010-0142"})
    assert response.headers["Location"] == "/my/profile"
    db.session.refresh(user)
    assert (user.full_name, user.phone, user.visit_reminder_emails) == ("Sam Brook", "(555) 010-0142", False)


@pytest.mark.parametrize(
    "change, message",
    [({"full_name": ""}, "Enter your name."), ({"phone": "call me"}, "Enter a phone number like (555) 010-0199.")],
)
def test_profile_problems_are_shown_beside_the_field_and_nothing_is_saved(client, change, message):
    user = verified_patient(full_name="Sam Rivers")
    client.login(user.email)
    response = client.submit("/my/profile", {"full_name": "Sam Brook", "phone": "", **change})
    assert response.status_code == 422
    assert re.search(r'<p class="error" id="[a-z_]+-error">' + re.escape(message), response.text)
    db.session.refresh(user)
    assert (user.full_name, user.visit_reminder_emails) == ("Sam Rivers", True)


def test_an_account_without_a_birth_date_sets_it_on_the_profile_and_its_visits_join(client):
    user = verified_patient(date_of_birth=None)
    mine = make_booking(email="sam@example.com", date_of_birth=BIRTHDAY, now=utcnow())
    my_childs = make_booking(email="sam@example.com", date_of_birth=date(2012, 6, 1), now=utcnow())
    client.login(user.email)
    assert mine.reference not in client.get("/my/").text
    assert 'name="date_of_birth"' in client.get("/my/profile").text

    response = client.submit("/my/profile", {"full_name": "Sam Rivers", "date_of_birth": "1984-03-09"},
                             follow_redirects=True)
    assert "Visits booked with your e-mail and date of birth are now in your account." in response.text
    assert 'name="date_of_birth"' not in response.text
    assert "9 March 1984" in response.text and "To correct it, contact your clinic." in response.text
    page = client.get("/my/").text
    assert mine.reference in page and my_childs.reference not in page


def test_a_birth_date_once_set_is_not_changed_from_the_profile(client):
    user = verified_patient(date_of_birth=None)
    my_childs = make_booking(email="sam@example.com", date_of_birth=date(2012, 6, 1), now=utcnow())
    client.login(user.email)
    assert client.submit("/my/profile", {"full_name": "Sam Rivers", "phone": ""}).status_code == 302
    assert db.session.get(User, user.id).date_of_birth is None  # left blank: still to be set
    client.submit("/my/profile", {"full_name": "Sam Rivers", "date_of_birth": "1984-03-09"})

    response = client.submit("/my/profile", {"full_name": "Sam Rivers", "date_of_birth": "2012-06-01"})
    assert response.status_code == 302
    assert db.session.get(User, user.id).date_of_birth == BIRTHDAY
    assert my_childs.reference not in client.get("/my/").text


@pytest.mark.parametrize(
    "given, message",
    [("2099-01-01", "Your date of birth can't be in the future."),
     ("9 March", "Enter your date of birth as a date, like 1980-04-25.")],
)
def test_a_wrong_birth_date_on_the_profile_is_shown_beside_the_field_and_not_saved(client, given, message):
    user = verified_patient(date_of_birth=None)
    client.login(user.email)
    response = client.submit("/my/profile", {"full_name": "Sam Rivers", "date_of_birth": given})
    assert response.status_code == 422
    assert f'<p class="error" id="date_of_birth-error">{escape(message)}' in response.text
    assert db.session.get(User, user.id).date_of_birth is None


def test_an_account_that_turned_reminders_off_gets_none_for_its_visits(app):
    booked_at = datetime(2030, 1, 1, 12, tzinfo=UTC)
    opted_out = verified_patient(email="quiet@example.com")
    opted_out.visit_reminder_emails = False
    theirs = make_booking(email="quiet@example.com", date_of_birth=BIRTHDAY, now=booked_at)
    guests = make_booking(email="guest@example.com", now=booked_at)
    theirs.patient.user_id = opted_out.id
    db.session.commit()
    assert theirs.start_at == guests.start_at  # both the first time of the day
    queued = queue_due_reminders(theirs.start_at - timedelta(hours=20), hours_before=24)
    reminded = db.session.scalars(select(OutboxMessage.recipient).where(OutboxMessage.subject.startswith("Reminder")))
    assert queued == 1
    assert list(reminded) == ["guest@example.com"]


@pytest.fixture
def treated(app):
    """A confirmed patient seen a week ago: a signed note, a programme and one check-in."""
    user = verified_patient()
    visit = make_booking(email="sam@example.com", date_of_birth=BIRTHDAY)
    visit.patient.user_id = user.id
    visit.status = "completed"
    author = Actor(visit.practitioner.user, "203.0.113.7")
    note = note_for_visit(author, visit, utcnow())
    save_draft(author, note, NoteDetails(subjective="Stiff after driving", pain_before=6, pain_after=3), utcnow())
    sign_note(author, note, utcnow())
    seed_exercise_library()
    exercise = exercise_library()[0]
    programme, _ = prescribe_programme(author, visit.patient, visit.practitioner, [Dose(exercise.id, 3, 10)], "",
                                       utcnow())
    today = patient_today(visit.patient_id, utcnow())
    record_check_in(programme, CheckInDetails(today, 2, None, {exercise.id: 3}), utcnow())
    db.session.commit()
    return user, visit, exercise


def test_my_data_holds_my_visit_note_and_check_in_and_nothing_of_anyone_else(client, treated):
    user, visit, exercise = treated
    stranger = make_booking(visit.clinic, visit.service, visit.practitioner, email="stranger@example.com",
                            first_name="Stranger", now=utcnow())
    audit_events_before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    client.login(user.email)
    response = client.get("/my/data.json")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.data)
    assert data["account"]["email"] == "sam@example.com"
    [record] = data["patient_records"]
    assert [v["reference"] for v in record["visits"]] == [visit.reference]
    assert [n["subjective"] for n in record["treatment_notes"]] == ["Stiff after driving"]
    assert [(c["pain"], c["exercises"]) for c in record["check_ins"]] == [(2, [{"exercise": exercise.name,
                                                                             "sets_done": 3}])]
    assert sorted(s["score"] for s in record["pain_scores"]) == [2, 3, 6]
    assert [p["exercises"][0]["sets"] for p in record["programmes"]] == [3]
    assert stranger.reference not in response.text and "stranger@example.com" not in response.text
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == audit_events_before


def test_my_data_leaves_out_notes_not_yet_signed(client, treated):
    user, visit, _ = treated
    second = make_booking(visit.clinic, visit.service, visit.practitioner, email="sam@example.com",
                          date_of_birth=BIRTHDAY, now=utcnow() - timedelta(days=2))
    second.status = "arrived"
    author = Actor(visit.practitioner.user, "203.0.113.7")
    save_draft(author, note_for_visit(author, second, utcnow()), NoteDetails(subjective="Draft thoughts"), utcnow())
    db.session.commit()
    client.login(user.email)
    [record] = client.get("/my/data.json").json["patient_records"]
    assert [n["subjective"] for n in record["treatment_notes"]] == ["Stiff after driving"]
    assert len(record["visits"]) == 2


def test_closing_the_account_needs_the_password_then_login_fails(client, smtp_server, runner):
    user = verified_patient()
    client.login(user.email)
    page = client.get("/my/delete").text
    assert "clinical records are kept" in page.lower()
    wrong = client.submit("/my/delete", {"password": "not my password at all"})
    assert wrong.status_code == 422
    assert "That is not your password." in wrong.text
    assert db.session.scalar(select(func.count()).select_from(DeletionRequest)) == 0

    done = client.submit("/my/delete", {"password": DEFAULT_PASSWORD})
    assert "Your account is closed" in done.text
    assert client.get("/my/").status_code == 302
    assert client.login(user.email).status_code == 200  # the login page again, with its error
    [request] = db.session.scalars(select(DeletionRequest))
    assert request.user_id == user.id
    assert db.session.get(User, user.id).active is False
    runner.invoke(args=["outbox", "send"])
    [message] = smtp_server.wait_for(1)
    assert (message["To"], message["Subject"]) == ("sam@example.com", "Your Back Solution account is closed")


def test_closing_the_account_signs_out_other_devices(app, client):
    user = verified_patient()
    client.login(user.email)
    tablet = FormClient(app.test_client())
    tablet.login(user.email)
    client.submit("/my/delete", {"password": DEFAULT_PASSWORD})
    assert tablet.get("/my/").status_code == 302


def test_my_data_dates_a_visit_pain_score_by_the_day_at_the_clinic(client):
    """7 pm on Monday 23 November in Los Angeles is already Tuesday 03:00 in UTC."""
    evenings = [Interval(day, time(19), time(20)) for day in range(5)]
    clinic = make_clinic(city="Los Angeles", state="CA", zip_code="90071", timezone="America/Los_Angeles",
                         hours=evenings)
    practitioner = make_practitioner(clinic, services=[make_service(clinics=[clinic])], hours=evenings)
    user = verified_patient()
    visit = make_booking(clinic, practitioner.services[0], practitioner, email="sam@example.com",
                         date_of_birth=BIRTHDAY, now=datetime(2026, 11, 23, 12, tzinfo=UTC))
    assert visit.start_at == datetime(2026, 11, 24, 3, tzinfo=UTC)
    visit.patient.user_id = user.id
    visit.status = "completed"
    author = Actor(practitioner.user, "203.0.113.7")
    note = note_for_visit(author, visit, utcnow())
    save_draft(author, note, NoteDetails(subjective="Sore after the drive", pain_before=5, pain_after=4), utcnow())
    sign_note(author, note, utcnow())
    db.session.commit()
    client.login(user.email)
    [record] = client.get("/my/data.json").json["patient_records"]
    assert [(s["on"], s["score"]) for s in record["pain_scores"]] == [("2026-11-23", 5), ("2026-11-23", 4)]


@pytest.mark.parametrize("url", ["/my/profile", "/my/data.json", "/my/delete"])
def test_account_pages_are_for_signed_in_patients_only(client, url):
    assert client.get(url).status_code == 302
    staff = make_user(Role.HEAD_OFFICE)
    client.login(staff.email)
    assert client.get(url).status_code == 403


def test_texts_are_turned_on_and_off_from_the_profile_with_the_words_agreed_to(client):
    user = verified_patient()
    visit = make_booking(email="sam@example.com", date_of_birth=BIRTHDAY)
    visit.patient.user_id = user.id
    db.session.commit()
    client.login(user.email)
    assert "Reply STOP to stop" in client.get("/my/profile").text  # the words, beside the box
    refused = client.submit("/my/profile", {"full_name": "Sam", "phone": "(555) 010-0142", "text_reminders": "y"})
    assert refused.status_code == 422 and re.search(r'id="phone-error">For text reminders', refused.text)
    assert db.session.scalars(select(TextConsent)).all() == []
    client.submit("/my/profile", {"full_name": "Sam", "phone": "(212) 555-0142", "text_reminders": "y"})
    client.submit("/my/profile", {"full_name": "Sam", "phone": "(212) 555-0142", "text_reminders": "y"})  # again
    [consent] = db.session.scalars(select(TextConsent)).all()
    assert (consent.phone, consent.source, consent.withdrawn_at) == ("+12125550142", "my", None)
    assert re.search(r'<input [^>]*checked[^>]*name="text_reminders"', client.get("/my/profile").text)
    client.submit("/my/profile", {"full_name": "Sam", "phone": "(212) 555-0142"})
    db.session.refresh(consent)
    assert consent.withdrawn_at is not None
