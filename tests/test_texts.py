"""Text-message reminders, as a patient and the provider see them: the provider is a local
stand-in speaking Twilio's REST API (tests/twilio_standin.py), driven through Twilio's own
library; the webhooks are signed as Twilio signs them."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from clinic_app.accounts.models import Role
from clinic_app.clinics.models import Clinic
from clinic_app.extensions import db
from clinic_app.notifications.cli import send_due
from clinic_app.notifications.models import Channel, OutboxMessage, TextReply
from clinic_app.notifications.service import deliver_pending
from clinic_app.patients.models import TextConsent
from clinic_app.patients.rules import TEXT_CONSENT_WORDING
from clinic_app.patients.service import PatientDetails
from clinic_app.scheduling.booking import BookingRequest, book_appointment
from clinic_app.scheduling.models import Booking, BookingStatus
from tests.factories import make_clinic, make_practitioner, make_service, make_user
from tests.twilio_standin import TwilioStandIn

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "stand-in-auth-token"
SENDER = "+12125550000"
MOBILE = "(212) 555-0142"
MOBILE_E164 = "+12125550142"
# New York keeps EST (UTC-5) in January. Fixed dates far ahead: nothing sleeps.
BOOKED_AT = datetime(2030, 1, 1, 15, tzinfo=UTC)
VISIT = datetime(2030, 1, 8, 15, 30, tzinfo=UTC)  # Tuesday 8 January, 10:30 AM in New York
REMINDED_AT = VISIT - timedelta(hours=24)  # Monday 10:30 AM: the change window's last moment


@pytest.fixture
def provider(app):
    with TwilioStandIn(ACCOUNT_SID, AUTH_TOKEN) as standin:
        app.config.update(TWILIO_ACCOUNT_SID=ACCOUNT_SID, TWILIO_AUTH_TOKEN=AUTH_TOKEN,
                          TWILIO_API_BASE_URL=standin.url, SMS_FROM=SENDER, MAIL_ENABLED=False, MAIL_FILE_DIR="")
        yield standin


@pytest.fixture
def clock(monkeypatch):
    now = {"at": REMINDED_AT}
    monkeypatch.setattr("clinic_app.clock.utcnow", lambda: now["at"])
    return now


@pytest.fixture(autouse=True)
def chelsea(app):
    """Back Solution Chelsea, New York, where every visit here is booked."""
    clinic = make_clinic(name="Back Solution Chelsea", timezone="America/New_York", phone="(212) 555-0100")
    service = make_service(clinics=[clinic], slug="follow-up", name="Follow-up", duration_minutes=30)
    make_practitioner(clinic, services=[service])
    db.session.commit()
    return clinic


def book(texts: bool = True, email: str = "pat@example.com", start: datetime = VISIT, phone: str = MOBILE,
         at: datetime = BOOKED_AT) -> Booking:
    clinic_id = db.session.scalar(select(Clinic.id))
    patient = PatientDetails("Pat", "Lee", email, phone, date(1980, 1, 1))
    booking, _ = book_appointment(BookingRequest(clinic_id, "follow-up", start, patient,
                                                 text_consent_source="booking" if texts else ""), at)
    db.session.commit()
    return booking


def texts() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.channel == Channel.SMS)
                                   .order_by(OutboxMessage.id)))


def signed_post(client, endpoint_path: str, form: dict, token: str = AUTH_TOKEN):
    url = f"http://localhost{endpoint_path}"
    signature = RequestValidator(token).compute_signature(url, form)
    return client.post(endpoint_path, data=form, headers={"X-Twilio-Signature": signature})


REPLY_IDS = itertools.count(1)


def reply(client, body: str, sender: str = MOBILE_E164, sid: str | None = None):
    """A text from the patient, as Twilio posts it: each with a message id of its own."""
    sid = sid or f"SM{next(REPLY_IDS):032x}"
    return signed_post(client, "/sms/incoming", {"From": sender, "To": SENDER, "Body": body,
                                                 "MessageSid": sid, "AccountSid": ACCOUNT_SID})


# -- sending ---------------------------------------------------------------------------------


def test_the_reminder_text_reaches_the_provider_with_the_clinic_and_time_only(app, provider):
    book()
    send_due(REMINDED_AT)
    [sent] = provider.received
    assert sent["To"] == MOBILE_E164 and sent["From"] == SENDER
    assert sent["Body"].startswith("Back Solution Chelsea: reminder of your visit Tue 8 Jan at 10:30 AM.")
    assert "Follow-up" not in sent["Body"] and "Pat" not in sent["Body"]  # no service, no name
    assert sent["StatusCallback"] == "http://localhost/sms/status"
    [row] = texts()
    assert row.sent_at == REMINDED_AT and row.provider_message_id.startswith("SM")


def test_no_text_without_the_patients_agreement(app, provider):
    book(texts=False)
    send_due(REMINDED_AT)
    assert provider.received == [] and texts() == []


def test_too_many_requests_and_provider_errors_are_tried_again_after_growing_waits(app, provider):
    book()
    provider.refuse_next(429, 503)
    send_due(REMINDED_AT)
    [row] = texts()
    assert row.sent_at is None and row.last_error == "SMS provider 429"
    assert row.next_attempt_at == REMINDED_AT + timedelta(seconds=60)
    deliver_pending(REMINDED_AT + timedelta(seconds=60))
    db.session.refresh(row)
    assert row.last_error == "SMS provider 503" and row.next_attempt_at == REMINDED_AT + timedelta(seconds=180)
    assert deliver_pending(REMINDED_AT + timedelta(seconds=179)) == 0  # not before its time
    assert deliver_pending(REMINDED_AT + timedelta(seconds=180)) == 1
    assert len(provider.received) == 1


def test_a_permanent_refusal_fails_that_text_and_the_next_one_still_goes(app, provider):
    book()
    book(email="sam@example.com", phone="(212) 555-0143", start=VISIT + timedelta(hours=1))
    provider.refuse_next(400)  # Twilio 21211: not a number it can text
    send_due(REMINDED_AT + timedelta(hours=1))
    first, second = texts()
    assert first.gave_up_at is not None and first.last_error == "SMS provider 400"
    assert second.sent_at is not None
    assert [m["To"] for m in provider.received] == ["+12125550143"]


def test_an_unreachable_provider_holds_back_texts_but_not_e_mail(app, provider, smtp_server):
    book()
    provider.__exit__()  # the provider goes away
    app.config["TWILIO_API_BASE_URL"] = provider.url
    send_due(REMINDED_AT)
    [row] = texts()
    assert row.sent_at is None and row.last_error == "SMS provider unreachable"
    subjects = [m["Subject"] for m in smtp_server.wait_for(2)]
    assert any(subject.startswith("Reminder") for subject in subjects)


def test_a_text_due_at_night_waits_for_the_morning_on_the_clinics_clock(app, provider):
    late = datetime(2030, 1, 9, 3, 30, tzinfo=UTC)  # Tuesday 8 January, 10:30 PM in New York
    book(start=datetime(2030, 1, 9, 14, tzinfo=UTC), at=BOOKED_AT)  # Wednesday 9 AM there
    app.config["REMINDER_HOURS_BEFORE"] = 12
    send_due(late)
    [row] = texts()
    assert row.next_attempt_at == datetime(2030, 1, 9, 13, tzinfo=UTC)  # 8 AM in New York
    assert provider.received == []
    deliver_pending(datetime(2030, 1, 9, 12, 59, tzinfo=UTC))
    assert provider.received == []
    deliver_pending(datetime(2030, 1, 9, 13, tzinfo=UTC))
    assert len(provider.received) == 1


def test_without_a_provider_texts_are_written_to_files_in_development(app, tmp_path):
    app.config.update(MAIL_ENABLED=False, MAIL_FILE_DIR=str(tmp_path / "mail"))
    book()
    send_due(REMINDED_AT)
    [written] = (tmp_path / "mail").glob("*-text.txt")
    assert f"To: {MOBILE_E164}" in written.read_text() and "Back Solution Chelsea" in written.read_text()


# -- replies ---------------------------------------------------------------------------------


def test_stop_is_honoured_at_once_even_for_a_text_already_queued(app, provider, client, clock):
    book()
    app.config["SMS_SEND_FROM_HOUR"] = 11  # queued now, due later
    send_due(REMINDED_AT)
    answer = reply(client, "stop")
    assert answer.status_code == 200 and "no more texts" in answer.text
    app.config["SMS_SEND_FROM_HOUR"] = 8
    deliver_pending(REMINDED_AT + timedelta(hours=1))
    [row] = texts()
    assert provider.received == [] and row.gave_up_at is not None and row.last_error == "number opted out (STOP)"
    assert "on again" in reply(client, "START").text


def test_the_webhooks_refuse_a_wrong_or_missing_signature(app, provider, client):
    form = {"From": MOBILE_E164, "Body": "STOP"}
    assert signed_post(client, "/sms/incoming", form, token="not-our-token").status_code == 403
    assert client.post("/sms/incoming", data=form).status_code == 403
    assert client.post("/sms/status", data={"MessageSid": "SMx", "MessageStatus": "delivered"}).status_code == 403
    assert db.session.scalar(select(db.func.count()).select_from(OutboxMessage)) == 0


def test_c_confirms_the_reminded_visit_and_the_day_schedule_shows_it(app, provider, client, clock):
    booking = book()
    send_due(REMINDED_AT)
    answer = reply(client, " C ")
    assert "is confirmed" in answer.text and "Back Solution Chelsea" in answer.text
    db.session.refresh(booking)
    assert booking.confirmed_by_text_at == REMINDED_AT
    client.login(booking.practitioner.user.email)
    schedule = client.get(f"/practice/clinics/{booking.clinic_id}/schedule?date=2030-01-08").text
    assert "Confirmed by text" in schedule


def test_x_cancels_while_the_change_window_is_open(app, provider, client, clock):
    booking = book()
    app.config["REMINDER_HOURS_BEFORE"] = 48
    clock["at"] = VISIT - timedelta(hours=47)
    send_due(clock["at"])
    assert "Reply C to confirm or X to cancel." in provider.received[0]["Body"]
    assert "is cancelled" in reply(client, "x").text
    db.session.refresh(booking)
    assert booking.status == BookingStatus.CANCELLED and booking.cancelled_by == "patient"


def test_x_after_the_window_closes_answers_with_the_clinics_phone(app, provider, client, clock):
    booking = book()
    send_due(REMINDED_AT)
    clock["at"] = REMINDED_AT + timedelta(minutes=5)
    answer = reply(client, "X")
    assert "can't be cancelled by text" in answer.text and "(212) 555-0100" in answer.text
    db.session.refresh(booking)
    assert booking.status == BookingStatus.BOOKED


def test_every_reply_is_kept_and_a_reply_delivered_twice_acts_once(app, provider, client, clock):
    booking = book()
    app.config["REMINDER_HOURS_BEFORE"] = 48
    clock["at"] = VISIT - timedelta(hours=47)
    send_due(clock["at"])
    first = reply(client, "X", sid="SM" + "7" * 32).text
    again = reply(client, "X", sid="SM" + "7" * 32).text  # the same message: Twilio retried the webhook
    assert first == again and "is cancelled" in first
    [kept] = db.session.scalars(select(TextReply)).all()
    assert (kept.phone, kept.body, kept.keyword, kept.booking_id) == (MOBILE_E164, "X", "cancel", booking.id)
    assert kept.answer in first


def test_help_and_anything_else_get_instructions(app, provider, client):
    assert "Reply STOP to stop" in reply(client, "HELP").text
    assert "Reply C to confirm" in reply(client, "what time is it?").text


def test_delivery_reports_update_the_outbox_row(app, provider, client):
    book()
    send_due(REMINDED_AT)
    [row] = texts()
    answer = signed_post(client, "/sms/status", {"MessageSid": row.provider_message_id, "MessageStatus": "delivered"})
    assert answer.status_code == 204
    db.session.refresh(row)
    assert row.delivery_status == "delivered"


# -- agreeing --------------------------------------------------------------------------------


def test_the_agreement_is_stored_with_its_words_time_and_source(app, provider):
    booking = book()
    [consent] = db.session.scalars(select(TextConsent)).all()
    assert (consent.phone, consent.source, consent.given_at) == (MOBILE_E164, "booking", BOOKED_AT)
    assert consent.wording == TEXT_CONSENT_WORDING and consent.booking_id is None  # the booking made the record
    assert consent.patient_id == booking.patient_id


def test_a_booking_for_a_record_that_exists_agrees_to_texts_about_that_visit_only(app, provider):
    book(texts=False)
    other = book(phone="(212) 555-0199", start=VISIT + timedelta(days=1))
    [consent] = db.session.scalars(select(TextConsent)).all()
    assert consent.booking_id == other.id  # someone knew the e-mail and date of birth: this visit only
    send_due(REMINDED_AT)
    assert provider.received == []  # the first visit's reminder is not texted to that number


# -- head office -----------------------------------------------------------------------------


def test_head_office_sees_delivery_confirmation_and_no_shows_by_reminder_with_intervals(app, provider, client,
                                                                                      smtp_server):
    texted = [book(email=f"t{i}@example.com", phone=f"(212) 555-01{i:02d}", start=VISIT + timedelta(minutes=30 * i))
              for i in range(12)]
    emailed = [book(texts=False, email=f"e{i}@example.com", start=VISIT + timedelta(days=1, minutes=30 * i))
               for i in range(10)]
    app.config.update(REMINDER_HOURS_BEFORE=72, MAIL_SEND_PER_PASS=100)  # 22 confirmations, 34 reminders
    send_due(REMINDED_AT)
    for n, booking in enumerate(texted):
        booking.status = BookingStatus.NO_SHOW if n < 3 else BookingStatus.COMPLETED
        booking.confirmed_by_text_at = REMINDED_AT if n % 2 else None
    for n, booking in enumerate(emailed):
        booking.status = BookingStatus.NO_SHOW if n < 5 else BookingStatus.COMPLETED
    db.session.commit()
    for n, row in enumerate(texts()[:11]):
        signed_post(client, "/sms/status", {"MessageSid": row.provider_message_id,
                                            "MessageStatus": "failed" if n == 0 else "delivered"})
    make_user(Role.HEAD_OFFICE, email="chief@example.com")
    client.login("chief@example.com")
    page = client.get("/headoffice/texts?since=2030-01-08&until=2030-01-09&clinic=").text
    rows = {name: cells for name, cells in re.findall(r'<th scope="row">([^<]+)</th>(.*?)</tr>', page, re.S)}
    cells = {name: re.findall(r">([^<>]+)</td>", row) for name, row in rows.items()}
    assert cells["Texts delivered"] == ["91%", "62–98%", "11"]  # 10 of 11 reported
    assert cells["Visits confirmed by text"] == ["50%", "25–75%", "12"]
    assert cells["No-shows, reminded by text"] == ["25%", "9–53%", "12"]
    assert cells["No-shows, reminded by e-mail only"] == ["50%", "24–76%", "10"]


def test_a_share_from_fewer_than_ten_cases_is_not_shown(app, provider, client):
    book()
    send_due(REMINDED_AT)
    make_user(Role.HEAD_OFFICE, email="chief@example.com")
    client.login("chief@example.com")
    page = client.get("/headoffice/texts?since=2030-01-08&until=2030-01-09&clinic=").text
    assert page.count("Not shown: fewer than 10") == 4
