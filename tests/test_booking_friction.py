"""Booking with less friction (issue 18): "Book here" starts at the kind of visit, a signed-in
patient types nothing they gave before, the change rule is stated before confirming, clinics say
until when they are open, and a second "tell me when a clinic opens" is no second e-mail."""

import re
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from clinic_app.accounts.models import Role
from clinic_app.clinics.rules import Interval, opening_status
from clinic_app.demand.models import OpeningAlertSignup
from clinic_app.extensions import db
from clinic_app.notifications.models import OutboxMessage
from clinic_app.scheduling.models import BookingStatus
from tests.factories import (
    make_booking,
    make_chelsea_clinic,
    make_follow_up_service,
    make_jordan_reyes,
    make_user,
)

NEW_YORK = ZoneInfo("America/New_York")
WEEKDAYS_8_TO_6 = [Interval(day, time(8), time(18)) for day in range(5)]


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """December 2026 in New York: the 7th is a Monday."""
    return datetime(2026, 12, day, hour, minute, tzinfo=NEW_YORK).astimezone(UTC)


@pytest.mark.parametrize(
    ("now", "hours", "closed", "text"),
    [
        (at(7, 10), WEEKDAYS_8_TO_6, set(), "Open now · closes 6 PM"),
        (at(7, 17, 59), WEEKDAYS_8_TO_6, set(), "Open now · closes 6 PM"),
        (at(7, 18), WEEKDAYS_8_TO_6, set(), "Closed now · opens 8 AM tomorrow"),
        (at(7, 7), WEEKDAYS_8_TO_6, set(), "Closed now · opens 8 AM today"),
        (at(11, 19), WEEKDAYS_8_TO_6, set(), "Closed now · opens 8 AM Monday"),  # Friday evening
        (at(7, 19), WEEKDAYS_8_TO_6, {date(2026, 12, 8)}, "Closed now · opens 8 AM Wednesday"),  # a holiday
        (at(7, 10), [Interval(0, time(8), time(12)), Interval(0, time(12), time(17, 30))], set(),
         "Open now · closes 5:30 PM"),  # intervals that follow on are one opening
        (at(7, 12, 30), [Interval(0, time(8), time(12)), Interval(0, time(13), time(17))], set(),
         "Closed now · opens 1 PM today"),  # the lunch break
        (at(7, 10), [], set(), "Closed now"),
    ],
)
def test_a_clinic_says_until_when_it_is_open_or_when_it_opens_on_its_own_clock(now, hours, closed, text):
    assert opening_status(hours, closed, "America/New_York", now).text == text


def test_the_same_moment_reads_in_each_clinics_own_time():
    now = at(7, 19)  # 7 PM in New York is 5 PM in Phoenix
    assert opening_status(WEEKDAYS_8_TO_6, set(), "America/Phoenix", now).text == "Open now · closes 6 PM"


@pytest.fixture
def practitioner(app):
    clinic = make_chelsea_clinic(phone="(555) 010-0000")
    return make_jordan_reyes(clinic, make_follow_up_service(clinic))


def test_book_here_on_a_clinic_page_starts_at_the_kind_of_visit(client, practitioner):
    page = client.get("/clinics/chelsea").text
    link = re.search(r'<a class="button" href="([^"]+)">Book here', page).group(1)
    assert link == "/book/service?clinic=chelsea"
    assert "What kind of visit?" in client.get(link).text


def test_nearest_results_say_until_when_a_clinic_is_open(client, practitioner):
    page = client.get("/clinics/nearest?q=10011").text
    assert re.search(r"(Open now · closes|Closed now · opens) \d{1,2}(:\d\d)? [AP]M", page)
    assert 'href="/book/service?clinic=chelsea">Book here' in page


def details_page(client, practitioner) -> str:
    week = client.get("/book/time?clinic=chelsea&service=follow-up&practitioner=any").text
    first_time = re.search(r'href="(/book/details\?[^"]+)"', week).group(1).replace("&amp;", "&")
    return client.get(first_time).text


def test_the_change_rule_is_stated_before_the_patient_confirms(client, practitioner):
    page = details_page(client, practitioner)
    rule = "You can change or cancel this visit online until 24 hours before it starts; after that, please call"
    assert rule in page and page.index(rule) < page.index("Book this visit")
    assert 'aria-describedby="change-rule"' in page


def test_a_signed_in_patient_finds_their_details_filled_in(client, practitioner):
    seen = make_booking(email="pat@example.com", first_name="Pat", last_name="Lee", date_of_birth=date(1980, 1, 2))
    seen.status = BookingStatus.COMPLETED
    user = make_user(Role.PATIENT, email="pat@example.com")
    seen.patient.user_id = user.id
    db.session.commit()
    client.login(user.email)
    page = details_page(client, practitioner)
    inputs = re.findall(r"<input[^>]*>", page)
    assert any('name="date_of_birth"' in tag and 'value="1980-01-02"' in tag for tag in inputs)
    assert any('value="returning"' in tag and "checked" in tag for tag in inputs)
    assert any('name="consent"' in tag and "checked" in tag for tag in inputs)
    assert any('name="phone"' in tag and f'value="{seen.patient.phone}"' in tag for tag in inputs)


def test_a_new_account_without_a_record_types_its_details(client, practitioner):
    client.login(make_user(Role.PATIENT, email="fresh@example.com").email)
    inputs = re.findall(r"<input[^>]*>", details_page(client, practitioner))
    assert not any('name="consent"' in tag and "checked" in tag for tag in inputs)


def test_signing_up_twice_for_the_same_place_is_one_sign_up_and_one_email(client):
    form = {"email": "hopeful@example.com", "zip_code": "98101", "consent": "y"}
    for email in ("hopeful@example.com", "Hopeful@Example.com"):
        assert client.submit("/clinics/opening-alerts", {**form, "email": email}).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(OpeningAlertSignup)) == 1
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


def test_signing_up_again_after_unsubscribing_confirms_again(client):
    form = {"email": "hopeful@example.com", "zip_code": "98101", "consent": "y"}
    client.submit("/clinics/opening-alerts", form)
    signup = db.session.scalar(select(OpeningAlertSignup))
    client.submit(f"/clinics/opening-alerts/unsubscribe/{signup.unsubscribe_token}", {},
                  page=f"/clinics/opening-alerts/unsubscribe/{signup.unsubscribe_token}")
    client.submit("/clinics/opening-alerts", form)
    assert db.session.scalar(select(func.count()).select_from(OpeningAlertSignup)) == 1
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 2
