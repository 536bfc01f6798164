"""Booking through the /book pages: the steps a patient clicks, what they see when something
is wrong (and that nothing is written then), and the visit's own page behind its secret link."""

import html
import re
from datetime import UTC, date, datetime
from email.message import Message
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from clinic_app.extensions import db
from clinic_app.notifications.models import OutboxMessage
from clinic_app.patients.models import Patient, TextConsent
from clinic_app.patients.service import PatientDetails
from clinic_app.scheduling.booking import BookingRequest, book_appointment
from clinic_app.scheduling.models import Booking, BookingStatus
from tests.conftest import FormClient
from tests.factories import (
    make_chelsea_clinic,
    make_clinic,
    make_follow_up_service,
    make_jordan_reyes,
    make_practitioner,
    make_service,
    make_user,
)

NOW = datetime(2026, 11, 23, 14, tzinfo=UTC)  # Monday 9 AM in New York (UTC-5 in November)
NEW_YORK = ZoneInfo("America/New_York")


def new_york(day: int, hour: int, minute: int = 0) -> str:
    """That wall-clock time in New York in November 2026, as the pages write it in links."""
    return datetime(2026, 11, day, hour, minute, tzinfo=NEW_YORK).isoformat()


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    monkeypatch.setattr("clinic_app.clock.utcnow", lambda: NOW)


@pytest.fixture
def clinic(app):
    return make_chelsea_clinic(phone="(555) 010-0000")


@pytest.fixture
def service(clinic):
    return make_follow_up_service(clinic)


@pytest.fixture
def practitioner(clinic, service):
    return make_jordan_reyes(clinic, service, credentials="DPT", specialities="sciatica, running",
                             bio="Treats runners and desk workers.")


def choices(start: str, practitioner="any") -> dict:
    return {"clinic": "chelsea", "service": "follow-up", "practitioner": str(practitioner), "start": start}


def details_url(start: str, **overrides) -> str:
    query = "&".join(f"{name}={value}" for name, value in {**choices(start), **overrides}.items())
    return "/book/details?" + query.replace("+", "%2B")


def patient(n: int = 1, **overrides) -> dict:
    fields = dict(first_name=f"Pat{n}", last_name="Lee", email=f"pat{n}@example.com", phone="(555) 010-0199",
                  date_of_birth=f"1980-01-0{n}", new_patient="new", pain_area="Lower back", consent="y")
    return {**fields, **overrides}


def send_details(client, at: str, **overrides):
    """Post the details form opened for the time ``at``, with some fields changed."""
    data = {**choices(at), **patient(), **overrides}
    return client.submit("/book/details", data, page=details_url(at))


def book_directly(clinic, start: str, n: int = 1) -> tuple[Booking, str]:
    details = PatientDetails(f"Pat{n}", "Lee", f"pat{n}@example.com", "555-0100", date(1980, 1, n))
    request = BookingRequest(clinic.id, "follow-up", datetime.fromisoformat(start), details)
    booking, token = book_appointment(request, NOW)
    db.session.commit()
    return booking, token


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def links(page: str, prefix: str) -> list[str]:
    return [html.unescape(href) for href in re.findall(rf'href="({re.escape(prefix)}[^"]*)"', page)]


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def message_part(message: Message, content_type: str) -> str:
    parts = [part for part in message.walk() if part.get_content_type() == content_type]
    assert parts, f"no {content_type} part in the message"
    return parts[0].get_payload(decode=True).decode()


# --- the journey ---------------------------------------------------------------------------


def test_the_journey_books_one_visit_and_e_mails_the_manage_link_and_a_calendar_file(
    client, runner, smtp_server, clinic, service, practitioner
):
    clinics_page = text(client.get("/book/?clinic=chelsea"))
    services_page = text(client.get(links(clinics_page, "/book/service?clinic=chelsea")[0]))
    assert "Follow-up treatment" in services_page and "30 minutes" in services_page
    practitioners_page = text(client.get(links(services_page, "/book/practitioner?")[0]))
    assert "Jordan Reyes" in practitioners_page and "sciatica" in practitioners_page
    assert "First available" in practitioners_page
    times_page = text(client.get(links(practitioners_page, "/book/time?")[0]))
    # Monday 9 AM with two hours' notice: the first time is 11:00, on the clinic's clock.
    assert "Times on Monday 23 November" in times_page and "(EST)" in times_page
    first_time = links(times_page, "/book/details?")[0]
    assert new_york(23, 11) in first_time

    details_page = text(client.get(first_time))
    assert "Monday 23 November 2026 at 11:00 AM EST" in details_page
    response = client.submit("/book/details", {**choices(new_york(23, 11)), **patient()}, page=first_time)

    assert response.status_code == 302
    token = response.headers["Location"].rsplit("/", 1)[-1]
    booking = db.session.scalar(select(Booking))
    assert count(Booking) == 1 and booking.practitioner_id == practitioner.id
    assert booking.start_at == datetime(2026, 11, 23, 16, tzinfo=UTC)
    confirmation = text(client.get(response.headers["Location"]))
    assert "Your visit is booked" in confirmation and booking.reference in confirmation
    assert "Monday 23 November 2026 at 11:00 AM EST" in confirmation
    assert f"/book/manage/{token}/calendar.ics" in confirmation

    assert runner.invoke(args=["outbox", "send"]).exit_code == 0
    (message,) = smtp_server.wait_for(1)
    assert message["To"] == "pat1@example.com"
    assert f"http://localhost/book/manage/{token}" in message_part(message, "text/plain")
    assert "DTSTART:20261123T160000Z" in message_part(message, "text/calendar")


def test_a_visit_with_a_chosen_practitioner_is_booked_with_them(client, clinic, service, practitioner):
    make_practitioner(clinic, services=[service], display_name="Casey Nguyen")
    times_page = text(client.get(f"/book/time?clinic=chelsea&service=follow-up&practitioner={practitioner.id}"))
    assert "Jordan Reyes" in times_page
    start = new_york(24, 10)
    assert send_details(client, start, practitioner=str(practitioner.id)).status_code == 302
    assert db.session.scalar(select(Booking.practitioner_id)) == practitioner.id


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"start": new_york(23, 8)}, "That time has already passed."),
        ({"start": new_york(24, 9, 7)}, "not a bookable time"),
        ({"email": "pat@"}, "Enter an e-mail address like name@example.com."),
        ({"consent": ""}, "We need your agreement to store your health information"),
        ({"date_of_birth": "2027-01-01"}, "Your date of birth can't be in the future."),
        ({"date_of_birth": "31/12/1980"}, "Enter your date of birth as a date"),
        ({"new_patient": ""}, "Say whether you have been to one of our clinics before."),
        ({"first_name": ""}, "Enter your first name."),
        ({"phone": "+1 (555) 010-0199 ext 2"}, "Enter a phone number like"),
        ({"phone": "+" + "1" * 20}, "Enter a phone number like"),
    ],
)
def test_bad_input_writes_nothing_and_says_what_to_fix(client, practitioner, overrides, message):
    response = send_details(client, new_york(24, 10), **overrides)
    assert response.status_code == 422
    assert message in text(response)
    assert 'class="error-summary"' in text(response)
    assert (count(Booking), count(Patient), count(OutboxMessage)) == (0, 0, 0)


def test_typed_details_are_kept_when_the_form_comes_back(client, practitioner):
    page = text(send_details(client, new_york(24, 10), consent="", first_name="Ada"))
    assert 'value="Ada"' in page and 'value="pat1@example.com"' in page and 'value="1980-01-01"' in page


def test_booking_with_someones_e_mail_and_birth_date_never_rewrites_their_record(client, clinic, practitioner):
    """Knowing an e-mail address and a date of birth is no sign-in: the visit joins the record,
    and the details typed differently wait on the booking for the desk."""
    book_directly(clinic, new_york(24, 9))
    response = send_details(client, new_york(24, 10), first_name="Mallory", last_name="Impostor",
                            phone="(555) 010-6666", new_patient="returning")
    assert response.status_code == 302
    stored = db.session.scalar(select(Patient))
    assert (stored.first_name, stored.last_name, stored.phone) == ("Pat1", "Lee", "555-0100")
    visit = db.session.scalar(select(Booking).order_by(Booking.id.desc()))
    assert visit.patient_id == stored.id
    assert visit.given_details == {"first_name": "Mallory", "last_name": "Impostor", "phone": "(555) 010-6666"}


def test_a_service_the_clinic_does_not_offer_sends_the_patient_back_to_choose(client, clinic, practitioner):
    elsewhere = make_clinic(name="Elsewhere")
    make_service(clinics=[elsewhere], slug="massage", name="Massage")
    response = send_details(client, new_york(24, 10), service="massage")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/book/service?clinic=chelsea")
    back = text(client.get(response.headers["Location"]))
    assert "Choose one of the services offered at Back Solution Chelsea" in back
    assert count(Booking) == 0


@pytest.mark.parametrize(
    ("url", "back_to"),
    [
        ("/book/service?clinic=nowhere", "/book/"),
        ("/book/service?clinic=%00", "/book/"),  # PostgreSQL refuses NUL: never sent a query
        ("/book/practitioner?clinic=chelsea&service=%00", "/book/service?clinic=chelsea"),
        ("/book/practitioner?clinic=chelsea&service=nothing", "/book/service?clinic=chelsea"),
        ("/book/time?clinic=chelsea&service=follow-up&practitioner=999", "/book/practitioner?"),
        ("/book/time?clinic=chelsea&service=follow-up&practitioner=" + "9" * 50, "/book/practitioner?"),
        ("/book/details?clinic=chelsea&service=follow-up&practitioner=any&start=tomorrow", "/book/time?"),
        ("/book/details?clinic=chelsea&service=follow-up&practitioner=any&start=9999-12-31T23:59:00-12:00",
         "/book/time?"),
        ("/book/details?clinic=chelsea&service=follow-up&practitioner=any&start=9999-12-30T10:00:00-05:00",
         "/book/time?"),
    ],
)
def test_a_missing_or_unknown_choice_goes_back_to_the_step_that_makes_it(client, practitioner, url, back_to):
    response = client.get(url)
    assert response.status_code == 302 and response.headers["Location"].startswith(back_to)


def test_a_new_patients_only_visit_is_refused_to_a_returning_patient(client, clinic, practitioner):
    assessment = make_service(clinics=[clinic], slug="initial-assessment", name="Initial assessment",
                              duration_minutes=60, new_patients_only=True)
    practitioner.services.append(assessment)
    db.session.commit()
    response = send_details(client, new_york(24, 10), service="initial-assessment", new_patient="returning")
    assert response.status_code == 422
    assert "Initial assessment is for new patients" in text(response)
    assert count(Booking) == 0


def test_a_patient_with_the_most_upcoming_visits_is_told_next_to_their_e_mail(client, clinic, practitioner):
    for hour in (10, 11, 12):
        book_directly(clinic, new_york(25, hour))
    response = send_details(client, new_york(26, 10))
    assert response.status_code == 422
    assert re.search(r'id="email-error">You already have 3 upcoming visits', response.get_data(as_text=True))
    assert count(Booking) == 3


# --- two patients, one time -------------------------------------------------------------------


def test_a_second_patient_choosing_the_same_time_sees_it_was_just_taken(app, client, practitioner):
    start = new_york(24, 10)
    other = FormClient(app.test_client())
    token_page = details_url(start)
    other_page = other.get(token_page)  # both have the form open
    assert other_page.status_code == 200
    assert send_details(client, start).status_code == 302

    response = other.submit("/book/details", {**choices(start), **patient(2)}, page=token_page)
    page = text(response)
    assert response.status_code == 409
    assert "Sorry, that time was just taken" in page
    assert "Tuesday 24 November 2026 at 10:30 AM EST" in page  # the next free time, offered
    assert 'value="Pat2"' in page
    assert count(Booking) == 1

    chosen = other.submit("/book/details", {**choices(start), **patient(2), "other_start": new_york(24, 10, 30)},
                          page=token_page)
    assert chosen.status_code == 302 and count(Booking) == 2


# --- the visit's own page -----------------------------------------------------------------------


def test_the_manage_page_shows_the_visit_and_keeps_its_address_private(client, clinic, practitioner):
    booking, token = book_directly(clinic, new_york(25, 10))
    response = client.get(f"/book/manage/{token}")
    page = text(response)
    assert booking.reference in page and "Wednesday 25 November 2026 at 10:00 AM EST" in page
    assert "Jordan Reyes" in page and clinic.address_line1 in page and 'href="tel:5550100000"' in page
    assert "google.com/maps/dir" in page
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"


def test_an_unknown_manage_link_is_not_found(client, practitioner):
    response = client.get("/book/manage/not-a-real-token")
    assert response.status_code == 404
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_the_calendar_file_is_offered_for_download(client, clinic, practitioner):
    booking, token = book_directly(clinic, new_york(25, 10))
    response = client.get(f"/book/manage/{token}/calendar.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert f"back-solution-{booking.reference}.ics" in response.headers["Content-Disposition"]
    assert "DTSTART:20261125T150000Z" in response.get_data(as_text=True)


def test_the_manage_link_cancels_the_visit_and_the_time_is_free_again(client, clinic, practitioner):
    booking, token = book_directly(clinic, new_york(25, 10))
    times_url = "/book/time?clinic=chelsea&service=follow-up&practitioner=any&week=2026-11-25&day=2026-11-25"
    assert new_york(25, 10) not in text(client.get(times_url))

    response = client.submit(f"/book/manage/{token}/cancel", {"reason": "I feel better"}, page=f"/book/manage/{token}")

    assert response.status_code == 302
    db.session.refresh(booking)
    assert booking.status == BookingStatus.CANCELLED and count(Booking) == 1
    assert (booking.cancelled_by, booking.cancelled_at) == ("patient", NOW)
    assert booking.cancellation_reason == "I feel better"
    page = text(client.get(f"/book/manage/{token}"))
    assert "Cancelled" in page and "You cancelled this visit on Monday 23 November 2026" in page
    assert "Cancel this visit" not in page
    assert new_york(25, 10) in text(client.get(times_url))


def test_cancelling_needs_a_reason(client, clinic, practitioner):
    booking, token = book_directly(clinic, new_york(25, 10))
    response = client.submit(f"/book/manage/{token}/cancel", {"reason": ""}, page=f"/book/manage/{token}")
    assert response.status_code == 422 and "Choose a reason" in text(response)
    db.session.refresh(booking)
    assert booking.status == BookingStatus.BOOKED


def test_the_manage_link_moves_the_visit_to_a_new_time(client, clinic, practitioner):
    booking, token = book_directly(clinic, new_york(25, 10))
    picker = text(client.get(f"/book/manage/{token}/reschedule?week=2026-11-26&day=2026-11-26"))
    new_time = [url for url in links(picker, f"/book/manage/{token}/reschedule?start=") if new_york(26, 14) in url]
    confirm = text(client.get(new_time[0]))
    assert "Thursday 26 November 2026 at 2:00 PM EST" in confirm

    response = client.submit(f"/book/manage/{token}/reschedule", {"start": new_york(26, 14)}, page=new_time[0])

    assert response.status_code == 302
    db.session.refresh(booking)
    assert booking.start_at == datetime(2026, 11, 26, 19, tzinfo=UTC) and booking.status == BookingStatus.BOOKED
    assert "Thursday 26 November 2026 at 2:00 PM EST" in text(client.get(f"/book/manage/{token}"))
    assert db.session.scalar(select(func.count()).where(OutboxMessage.subject.like("%has moved%"))) == 1


def test_moving_to_a_time_just_taken_offers_the_next_free_ones(client, clinic, practitioner):
    _, token = book_directly(clinic, new_york(25, 10))
    book_directly(clinic, new_york(26, 14), n=2)
    page_url = f"/book/manage/{token}/reschedule?start={new_york(26, 14)}"
    response = client.submit(f"/book/manage/{token}/reschedule", {"start": new_york(26, 14)}, page=page_url)
    assert response.status_code == 409
    assert "Sorry, that time was just taken" in text(response)
    assert "Thursday 26 November 2026 at 2:30 PM EST" in text(response)


@pytest.mark.parametrize(
    ("start", "message"),
    [
        ("soon", "Choose one of the times offered."),
        ("9999-12-30T10:00:00-05:00", "Choose one of the times offered."),
        ("2026-11-22T10:00:00-05:00", "That time has already passed."),
        ("2026-11-26T10:07:00-05:00", "not a bookable time"),
    ],
)
def test_moving_to_a_time_that_cannot_be_booked_writes_nothing(client, clinic, practitioner, start, message):
    booking, token = book_directly(clinic, new_york(25, 10))
    response = client.submit(f"/book/manage/{token}/reschedule", {"start": start}, page=f"/book/manage/{token}",
                             follow_redirects=True)
    assert message in text(response)
    db.session.refresh(booking)
    assert booking.start_at == datetime(2026, 11, 25, 15, tzinfo=UTC) and booking.status == BookingStatus.BOOKED


def test_inside_the_notice_window_changes_are_refused_with_the_clinics_phone(client, clinic, practitioner):
    booking, token = book_directly(clinic, new_york(23, 14))  # five hours away
    page = text(client.get(f"/book/manage/{token}"))
    assert "can't be changed online" in page and 'href="tel:5550100000"' in page
    assert "Cancel this visit" not in page and "Move to another time" not in page

    with_form = details_url(new_york(24, 10))  # the manage page itself has no form now
    refused = client.submit(f"/book/manage/{token}/cancel", {"reason": "I feel better"}, page=with_form)
    assert refused.status_code == 409 and "Please call (555) 010-0000" in text(refused)
    assert client.get(f"/book/manage/{token}/reschedule").status_code == 302
    db.session.refresh(booking)
    assert booking.status == BookingStatus.BOOKED


# --- signed in, and the waitlist --------------------------------------------------------------------


def test_a_signed_in_patients_name_and_e_mail_are_filled_in(client, practitioner):
    make_user("patient", full_name="Ada Lovelace", email="ada@example.com")
    client.login("ada@example.com")
    page = client.get(details_url(new_york(24, 10))).get_data(as_text=True)
    assert 'value="Ada"' in page and 'value="Lovelace"' in page and 'value="ada@example.com"' in page


def test_the_time_page_links_to_the_waitlist_for_this_clinic_and_service(app, client, practitioner):
    if "waitlist.join" not in app.view_functions:  # a stand-in until the waitlist page lands
        app.add_url_rule("/waitlist-stand-in", "waitlist.join", lambda: "")
    page = text(client.get("/book/time?clinic=chelsea&service=follow-up&practitioner=any"))
    (waitlist,) = re.findall(r'href="([^"]*)">Join the waitlist', page)
    assert "clinic=chelsea" in waitlist and "service=follow-up" in waitlist


def test_the_time_page_works_while_there_is_no_waitlist_page(app, client, practitioner):
    app.view_functions.pop("waitlist.join", None)
    response = client.get("/book/time?clinic=chelsea&service=follow-up&practitioner=any")
    assert response.status_code == 200 and "waitlist" not in text(response).lower()


def test_texts_are_asked_for_on_the_details_form_and_a_number_that_cannot_get_them_is_refused(client, practitioner):
    refused = send_details(client, new_york(24, 10), text_reminders="y")  # (555) 010-0199: no such number
    assert refused.status_code == 422
    assert re.search(r'id="phone-error">For text reminders, enter a mobile number', text(refused))
    assert (count(Booking), count(TextConsent)) == (0, 0)
    send_details(client, new_york(24, 10), text_reminders="y", phone="(212) 555-0142")
    [consent] = db.session.scalars(select(TextConsent)).all()
    assert (consent.phone, consent.source, consent.given_at) == ("+12125550142", "booking", NOW)
