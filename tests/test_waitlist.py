"""The waitlist: a patient for whom no time suits asks to hear of an earlier one and confirms by
the link e-mailed to them; a cancellation (or a move) e-mails everyone waiting a link to that
time, and the first to book gets it. Booking the service at the clinic ends the wait."""

import html
import re
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from clinic_app.extensions import db
from clinic_app.notifications.models import OutboxMessage
from clinic_app.notifications.service import deliver_pending
from clinic_app.patients.service import PatientDetails
from clinic_app.scheduling.booking import (
    BookingRequest,
    ChangeRefused,
    book_appointment,
    cancel_booking,
    reschedule_booking,
)
from clinic_app.scheduling.models import Booking
from clinic_app.waitlist.models import WaitlistEntry
from clinic_app.waitlist.service import WaitlistRequest, confirm_entry, join_waitlist
from tests.factories import make_chelsea_clinic, make_follow_up_service, make_jordan_reyes, make_service, make_user

NOW = datetime(2026, 11, 23, 14, tzinfo=UTC)  # Monday 9 AM in New York
NEW_YORK = ZoneInfo("America/New_York")
JOIN_URL = "/book/waitlist?clinic=chelsea&service=follow-up"
OFFER_SUBJECT = "A time has come free"


def new_york(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=NEW_YORK)


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    monkeypatch.setattr("clinic_app.clock.utcnow", lambda: NOW)


@pytest.fixture
def clinic(app):
    return make_chelsea_clinic()


@pytest.fixture
def service(clinic):
    return make_follow_up_service(clinic)


@pytest.fixture
def practitioner(clinic, service):
    return make_jordan_reyes(clinic, service)


def book(clinic, start: datetime, email: str = "owner@example.com", now: datetime = NOW) -> tuple[Booking, str]:
    details = PatientDetails("Olive", "Owner", email, "555-0100", date(1975, 5, 5))
    booking, token = book_appointment(BookingRequest(clinic.id, "follow-up", start, details), now)
    db.session.commit()
    return booking, token


def wait(clinic, service, email: str, before: date | None = None, now: datetime = NOW,
         confirmed: bool = True) -> WaitlistEntry:
    """Join, and (unless ``confirmed=False``) confirm as the address's owner would."""
    entry = join_waitlist(WaitlistRequest(clinic, service, email, before=before), now)
    if confirmed:
        confirm_entry(entry, now)
    db.session.commit()
    return entry


def cancel_a_visit(clinic, start: datetime | None = None) -> None:
    """Someone else books a time and cancels it: the time comes free."""
    booking, _ = book(clinic, start or new_york(24, 10))
    cancel_booking(booking, by="patient", reason="", now=NOW)
    db.session.commit()


def e_mails_to(address: str) -> list[OutboxMessage]:
    return list(db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.recipient == address).order_by(OutboxMessage.id)))


def join_form(**overrides) -> dict:
    return {"email": "wait1@example.com", "name": "Wendy", "before": "", "consent": "y", **overrides}


def offers(to: str | None = None) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(OutboxMessage.subject.startswith(OFFER_SUBJECT))
    if to:
        query = query.where(OutboxMessage.recipient == to)
    return list(db.session.scalars(query.order_by(OutboxMessage.id)))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def link(body: str, path: str) -> str:
    """The path and query of the first link in an e-mail to ``path``."""
    url = re.search(rf"http://localhost{re.escape(path)}\S*", body).group(0)
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def plain(message) -> str:
    part = next(part for part in message.walk() if part.get_content_type() == "text/plain")
    return part.get_payload(decode=True).decode()


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def details_form(url: str, n: int) -> dict:
    query = dict(part.split("=", 1) for part in urlsplit(url).query.split("&"))
    return {**query, "first_name": f"Wai{n}", "last_name": "Ter", "email": f"wait{n}@example.com",
            "phone": "(555) 010-0199", "date_of_birth": "1980-01-01", "new_patient": "new",
            "pain_area": "Lower back", "consent": "y"}


# --- joining ---------------------------------------------------------------------------------


def test_nothing_suits_the_patient_joins_the_waitlist_and_gets_a_confirmation(
    client, smtp_server, practitioner
):
    times_page = text(client.get(f"/book/time?clinic=chelsea&service=follow-up&practitioner={practitioner.id}"))
    assert f'href="{JOIN_URL}"' in times_page.replace("&amp;", "&")

    response = client.submit(JOIN_URL, join_form())
    assert response.status_code == 302
    joined = text(client.get(response.headers["Location"]))
    assert "Check your e-mail to confirm" in joined and "Follow-up treatment at Back Solution Chelsea" in joined

    entry = db.session.scalar(select(WaitlistEntry))
    assert (entry.email, entry.name, entry.consented_at) == ("wait1@example.com", "Wendy", NOW)
    assert entry.expires_at == NOW + timedelta(days=30)
    assert entry.confirmed_at is None  # not waiting for offers until the address's owner says so
    assert deliver_pending() >= 1  # what the notification worker does
    (message,) = smtp_server.wait_for(1)
    assert message["To"] == "wait1@example.com" and "Confirm the waitlist" in message["Subject"]
    body = plain(message)
    assert "Follow-up treatment at Back Solution Chelsea" in body
    assert "until Wednesday 23 December 2026" in body
    assert "/book/waitlist/leave/" in body

    confirmed = client.get(link(body, "/book/waitlist/confirm/"))
    assert confirmed.status_code == 200 and confirmed.headers["Referrer-Policy"] == "no-referrer"
    assert "Your place on the waitlist is confirmed" in text(confirmed)
    assert db.session.scalar(select(WaitlistEntry.confirmed_at)) == NOW


def test_joining_again_keeps_one_entry_with_the_new_date(client, practitioner):
    assert client.submit(JOIN_URL, join_form()).status_code == 302
    assert client.submit(JOIN_URL, join_form(email=" WAIT1@example.com", before="2026-12-01")).status_code == 302
    entry = db.session.scalar(select(WaitlistEntry))
    assert count(WaitlistEntry) == 1 and entry.before_date == date(2026, 12, 1)
    # The entry stops waiting when 1 December begins in New York.
    assert entry.expires_at == new_york(30, 0) + timedelta(days=1)


def test_joining_again_while_unconfirmed_sends_the_confirmation_again_at_most_once_a_day(
    clinic, service, practitioner
):
    wait(clinic, service, "wait1@example.com", confirmed=False)
    wait(clinic, service, "wait1@example.com", confirmed=False, now=NOW + timedelta(hours=1))
    assert len(e_mails_to("wait1@example.com")) == 1
    wait(clinic, service, "wait1@example.com", confirmed=False, now=NOW + timedelta(days=1))
    again = e_mails_to("wait1@example.com")
    assert len(again) == 2 and "/book/waitlist/confirm/" in again[-1].body_text
    assert db.session.scalar(select(WaitlistEntry.confirmed_at)) is None


def test_joining_again_after_leaving_must_be_confirmed_again(clinic, service, practitioner):
    entry = wait(clinic, service, "wait1@example.com")
    entry.left_at = NOW
    db.session.commit()
    wait(clinic, service, "wait1@example.com", confirmed=False, now=NOW + timedelta(days=1))
    assert db.session.scalar(select(WaitlistEntry.confirmed_at)) is None
    cancel_a_visit(clinic)
    assert offers() == []


@pytest.mark.parametrize(
    ("email", "verified", "confirmed_at_once"),
    [
        ("signed.in@example.com", True, True),  # the account's own, verified address
        ("signed.in@example.com", False, False),  # its address, never verified
        ("someone.else@example.com", True, False),  # another address
    ],
)
def test_a_signed_in_patient_with_their_own_verified_address_is_confirmed_at_once(
    client, practitioner, email, verified, confirmed_at_once
):
    patient = make_user("patient", email="signed.in@example.com")
    client.login(patient.email)  # a session from before the address needed confirming lasts
    patient.email_verified_at = NOW - timedelta(days=3) if verified else None
    db.session.commit()
    response = client.submit(JOIN_URL, join_form(email=email))
    joined = text(client.get(response.headers["Location"]))
    entry = db.session.scalar(select(WaitlistEntry))
    assert (entry.confirmed_at == NOW) is confirmed_at_once
    assert ("Check your e-mail to confirm" in joined) is not confirmed_at_once
    (message,) = e_mails_to(email)
    assert ("/book/waitlist/confirm/" in message.body_text) is not confirmed_at_once


def test_a_signed_in_patient_finds_their_e_mail_filled_in(client, practitioner):
    patient = make_user("patient", email="signed.in@example.com")
    client.login(patient.email)
    assert 'value="signed.in@example.com"' in text(client.get(JOIN_URL))


@pytest.mark.parametrize(
    ("field", "overrides", "message"),
    [
        ("email", {"email": "wait@"}, "Enter an e-mail address like name@example.com."),
        ("email", {"email": ""}, "Enter your e-mail address."),
        ("consent", {"consent": ""}, "Tick the box to agree to these e-mails."),
        ("before", {"before": "next week"}, "Enter a date like 2026-12-24"),
        ("before", {"before": "2026-11-23"}, "Choose a date after today"),
        ("name", {"name": "x" * 121}, "Field cannot be longer than 120 characters."),
    ],
)
def test_bad_input_is_shown_by_its_field_and_nothing_is_written(client, practitioner, field, overrides, message):
    response = client.submit(JOIN_URL, join_form(**overrides))
    assert response.status_code == 422
    page = text(response)
    assert f'id="{field}-error">{message}' in page
    assert f'aria-describedby="{field}-error"' in page or f'aria-describedby="{field}-hint {field}-error"' in page
    assert (count(WaitlistEntry), count(OutboxMessage)) == (0, 0)


def test_a_waitlist_for_a_service_the_clinic_does_not_offer_sends_the_patient_back(client, practitioner):
    response = client.get("/book/waitlist?clinic=chelsea&service=massage")
    assert response.status_code == 302 and response.headers["Location"].startswith("/book/service?clinic=chelsea")


# --- a time comes free ------------------------------------------------------------------------


def test_a_cancellation_e_mails_the_waiting_patient_a_link_that_opens_that_time(
    client, smtp_server, clinic, service, practitioner
):
    wait(clinic, service, "wait1@example.com")
    _, token = book(clinic, new_york(24, 10))
    smtp_server.messages.clear()
    cancelled = client.submit(f"/book/manage/{token}/cancel", {"reason": "I feel better"},
                              page=f"/book/manage/{token}")
    assert cancelled.status_code == 302

    assert deliver_pending() >= 1  # what the notification worker does
    messages = smtp_server.wait_for(3)
    (offer,) = [m for m in messages if m["To"] == "wait1@example.com" and OFFER_SUBJECT in m["Subject"]]
    assert "Tuesday 24 November 2026 at 10:00 AM EST" in offer["Subject"].replace("\r\n", "")
    body = plain(offer)
    assert "with Jordan Reyes" in body and "/book/waitlist/leave/" in body
    details = text(client.get(link(body, "/book/details")))
    assert "Tuesday 24 November 2026 at 10:00 AM EST" in details and "Jordan Reyes" in details
    assert db.session.scalar(select(WaitlistEntry.notified_at)) == NOW


def test_the_first_to_book_gets_the_time_and_the_next_sees_it_was_just_taken(
    client, clinic, service, practitioner
):
    wait(clinic, service, "wait1@example.com")
    wait(clinic, service, "wait2@example.com")
    booking, _ = book(clinic, new_york(24, 10))
    cancel_booking(booking, by="patient", reason="", now=NOW)
    db.session.commit()
    first, second = (offers(f"wait{n}@example.com")[0] for n in (1, 2))
    first_url, second_url = link(first.body_text, "/book/details"), link(second.body_text, "/book/details")
    assert first_url == second_url

    assert client.submit("/book/details", details_form(first_url, 1), page=first_url).status_code == 302
    late = client.submit("/book/details", details_form(second_url, 2), page=second_url)
    assert late.status_code == 409
    assert "Sorry, that time was just taken. Here are the next free times." in text(late)
    assert "10:30 AM" in text(late)  # the next free time, to choose instead
    assert db.session.scalar(select(func.count()).select_from(Booking).where(Booking.status == "booked")) == 1


def test_a_moved_visit_offers_its_old_time(clinic, service, practitioner):
    wait(clinic, service, "wait1@example.com")
    booking, _ = book(clinic, new_york(25, 10))
    reschedule_booking(booking, new_york(26, 10), NOW)
    db.session.commit()
    (offer,) = offers("wait1@example.com")
    assert "Wednesday 25 November 2026 at 10:00 AM EST" in offer.subject


def test_a_freed_time_is_offered_once_however_often_it_comes_free(clinic, service, practitioner):
    wait(clinic, service, "wait1@example.com")
    for n in range(2):
        booking, _ = book(clinic, new_york(24, 10), email=f"owner{n}@example.com")
        cancel_booking(booking, by="patient", reason="", now=NOW)
        db.session.commit()
    assert len(offers("wait1@example.com")) == 1
    with pytest.raises(ChangeRefused):
        cancel_booking(booking, by="patient", reason="", now=NOW)
    assert len(offers()) == 1


def test_only_times_before_the_chosen_date_are_offered(clinic, service, practitioner):
    wait(clinic, service, "soon@example.com", before=date(2026, 11, 24))
    wait(clinic, service, "later@example.com", before=date(2026, 11, 25))
    booking, _ = book(clinic, new_york(24, 10))
    cancel_booking(booking, by="patient", reason="", now=NOW)
    db.session.commit()
    assert [message.recipient for message in offers()] == ["later@example.com"]


@pytest.mark.parametrize(
    ("start", "booked_at", "why"),
    [
        (new_york(16, 14), NOW - timedelta(days=7), "the visit's time has passed"),
        (new_york(23, 10), NOW - timedelta(days=1), "too soon to book online (two hours' notice)"),
    ],
)
def test_no_offer_for_a_time_nobody_could_book_online(clinic, service, practitioner, start, booked_at, why):
    wait(clinic, service, "wait1@example.com")
    booking, _ = book(clinic, start, now=booked_at)
    cancel_booking(booking, by="clinic", reason="", now=NOW, online=False)
    db.session.commit()
    assert offers() == [], why


def test_an_entry_stops_waiting_after_the_waitlist_days(clinic, service, practitioner):
    wait(clinic, service, "old@example.com", now=NOW - timedelta(days=31))
    wait(clinic, service, "new@example.com", now=NOW - timedelta(days=29))
    booking, _ = book(clinic, new_york(24, 10))
    cancel_booking(booking, by="patient", reason="", now=NOW)
    db.session.commit()
    assert [message.recipient for message in offers()] == ["new@example.com"]


def test_other_clinics_and_services_waiting_lists_hear_nothing(clinic, service, practitioner):
    other_service = make_service(clinics=[clinic], slug="massage", name="Massage")
    wait(clinic, other_service, "massage@example.com")
    booking, _ = book(clinic, new_york(24, 10))
    cancel_booking(booking, by="patient", reason="", now=NOW)
    db.session.commit()
    assert offers() == []


# --- confirming -------------------------------------------------------------------------------


def test_an_unconfirmed_entry_gets_no_offer_until_its_owner_confirms(client, clinic, service, practitioner):
    wait(clinic, service, "wait1@example.com", confirmed=False)
    cancel_a_visit(clinic, new_york(24, 10))
    assert offers() == []

    (confirmation,) = e_mails_to("wait1@example.com")
    assert client.get(link(confirmation.body_text, "/book/waitlist/confirm/")).status_code == 200
    cancel_a_visit(clinic, new_york(24, 11))
    (offer,) = offers("wait1@example.com")
    assert "11:00 AM" in offer.subject


def test_the_confirmation_link_works_again_and_says_the_same(client, monkeypatch, clinic, service, practitioner):
    wait(clinic, service, "wait1@example.com", confirmed=False)
    (confirmation,) = e_mails_to("wait1@example.com")
    confirm_url = link(confirmation.body_text, "/book/waitlist/confirm/")
    first = client.get(confirm_url)
    monkeypatch.setattr("clinic_app.clock.utcnow", lambda: NOW + timedelta(hours=2))
    second = client.get(confirm_url)
    assert (first.status_code, second.status_code) == (200, 200)
    assert "Your place on the waitlist is confirmed" in text(second)
    assert db.session.scalar(select(WaitlistEntry.confirmed_at)) == NOW  # the first click counts


def test_the_confirmation_link_does_not_put_back_someone_who_left(client, clinic, service, practitioner):
    wait(clinic, service, "wait1@example.com", confirmed=False)
    (confirmation,) = e_mails_to("wait1@example.com")
    assert client.submit(link(confirmation.body_text, "/book/waitlist/leave/"), {}).status_code == 200
    page = client.get(link(confirmation.body_text, "/book/waitlist/confirm/"))
    assert page.status_code == 200 and "You are not on the waitlist" in text(page)
    assert db.session.scalar(select(WaitlistEntry.confirmed_at)) is None


@pytest.mark.parametrize(
    ("token", "why"),
    [
        ("not-a-real-token", "garbled"),
        ("LEAVE", "a leave link's token is not a confirmation"),
        ("CUT", "the link copied only in part"),
    ],
)
def test_a_bad_confirmation_link_gets_a_plain_not_found_page(client, clinic, service, practitioner, token, why):
    wait(clinic, service, "wait1@example.com", confirmed=False)
    (confirmation,) = e_mails_to("wait1@example.com")
    real = link(confirmation.body_text, "/book/waitlist/confirm/").rsplit("/", 1)[-1]
    token = {"LEAVE": link(confirmation.body_text, "/book/waitlist/leave/").rsplit("/", 1)[-1],
             "CUT": real[:-4]}.get(token, token)
    page = client.get(f"/book/waitlist/confirm/{token}")
    assert page.status_code == 404, why
    assert "This confirmation link does not work" in text(page)
    assert db.session.scalar(select(WaitlistEntry.confirmed_at)) is None


def test_an_expired_confirmation_link_says_so_and_confirms_nothing(app, client, clinic, service, practitioner):
    wait(clinic, service, "wait1@example.com", confirmed=False)
    (confirmation,) = e_mails_to("wait1@example.com")
    app.config["EMAIL_VERIFICATION_MAX_AGE_HOURS"] = -1  # every link is older than that
    page = client.get(link(confirmation.body_text, "/book/waitlist/confirm/"))
    assert page.status_code == 410 and "This confirmation link has expired" in text(page)
    assert db.session.scalar(select(WaitlistEntry.confirmed_at)) is None


# --- booking ends the wait ---------------------------------------------------------------------


@pytest.mark.parametrize("source", ["online", "staff"])
def test_booking_the_service_at_the_clinic_ends_the_wait_and_no_offer_follows(
    clinic, service, practitioner, source
):
    entry = wait(clinic, service, "wait1@example.com")
    details = PatientDetails("Wai", "Ter", "Wait1@Example.com", "555-0199", date(1980, 1, 1))
    book_appointment(BookingRequest(clinic.id, "follow-up", new_york(25, 10), details,
                                    online=source == "online", source=source), NOW)
    db.session.commit()
    assert db.session.get(WaitlistEntry, entry.id).left_at == NOW
    cancel_a_visit(clinic, new_york(24, 10))
    assert offers() == []


def test_booking_another_service_keeps_the_wait(clinic, service, practitioner):
    massage = make_service(clinics=[clinic], slug="massage", name="Massage")
    entry = wait(clinic, massage, "wait1@example.com")
    book(clinic, new_york(25, 10), email="wait1@example.com")
    assert db.session.get(WaitlistEntry, entry.id).left_at is None


# --- leaving ---------------------------------------------------------------------------------


def test_the_leave_link_removes_the_patient_and_no_more_offers_come(client, clinic, service, practitioner):
    wait(clinic, service, "wait1@example.com")
    (confirmation,) = db.session.scalars(select(OutboxMessage))
    leave_url = link(confirmation.body_text, "/book/waitlist/leave/")
    page = client.get(leave_url)
    assert page.status_code == 200 and page.headers["Referrer-Policy"] == "no-referrer"
    assert "Follow-up treatment at Back Solution Chelsea" in text(page)
    assert db.session.scalar(select(WaitlistEntry.left_at)) is None  # opening the link is not enough

    left = client.submit(leave_url, {})
    assert left.status_code == 200 and "You have left the waitlist" in text(left)
    assert db.session.scalar(select(WaitlistEntry.left_at)) == NOW
    assert "You are not on the waitlist" in text(client.get(leave_url))

    booking, _ = book(clinic, new_york(24, 10))
    cancel_booking(booking, by="patient", reason="", now=NOW)
    db.session.commit()
    assert offers() == []


def test_every_offer_carries_the_same_working_leave_link(client, clinic, service, practitioner):
    wait(clinic, service, "wait1@example.com")
    booking, _ = book(clinic, new_york(24, 10))
    cancel_booking(booking, by="patient", reason="", now=NOW)
    db.session.commit()
    confirmation = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == "wait1@example.com"))
    (offer,) = offers()
    leave_url = link(offer.body_text, "/book/waitlist/leave/")
    assert leave_url == link(confirmation.body_text, "/book/waitlist/leave/")
    assert leave_url.rsplit("/", 1)[-1] not in {entry.leave_token_hash for entry in db.session.scalars(
        select(WaitlistEntry))}  # only its hash is stored
    assert client.get(leave_url).status_code == 200


def test_an_unknown_leave_link_is_not_found(client, practitioner):
    assert client.get("/book/waitlist/leave/not-a-real-token").status_code == 404


def test_joining_is_rate_limited_per_address(client, practitioner):
    for n in range(20):
        assert client.submit(JOIN_URL, join_form(email=f"wait{n}@example.com")).status_code == 302
    refused = client.submit(JOIN_URL, join_form(email="one.more@example.com"))
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    assert count(WaitlistEntry) == 20
