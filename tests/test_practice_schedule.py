"""The practice schedule: who sees which visits, the desk's buttons, and booking, moving and
cancelling at the desk through the same engine as online booking."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from clinic_app.accounts.models import Role
from clinic_app.audit.service import Actor, AuditQuery, search_events
from clinic_app.clinics.rules import Interval
from clinic_app.clock import utcnow
from clinic_app.errors import Conflict
from clinic_app.extensions import db
from clinic_app.notifications.models import OutboxMessage
from clinic_app.scheduling.models import Booking, BookingStatus
from clinic_app.scheduling.visits import mark_visit
from tests.factories import make_booking, make_clinic, make_practitioner, make_service, make_user

# A Monday long past: visits then are ready to be marked.
PAST_MONDAY = datetime(2026, 11, 16, 12, 0, tzinfo=UTC)  # 7:00 AM in New York
EVERY_DAY = tuple(Interval(day, time(0), time(23, 45)) for day in range(7))


@pytest.fixture
def clinic(app):
    return make_clinic(name="Desk Clinic", timezone="America/New_York")


@pytest.fixture
def service(clinic):
    return make_service(clinics=[clinic], name="Follow-up", slug="follow-up")


@pytest.fixture
def alice(clinic, service):
    return make_practitioner(clinic, services=[service], display_name="Alice Adams")


@pytest.fixture
def bella(clinic, service):
    return make_practitioner(clinic, services=[service], display_name="Bella Brown")


@pytest.fixture
def manager(clinic):
    return make_user(Role.CLINIC_MANAGER, clinics=[clinic])


def page_text(response) -> str:
    """What a reader sees: the page's text without tags, spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def schedule_url(clinic, day: date, **extra) -> str:
    query = "".join(f"&{name}={value}" for name, value in extra.items())
    return f"/practice/clinics/{clinic.id}/schedule?date={day.isoformat()}{query}"


def local_day(booking) -> date:
    return booking.start_at.astimezone(ZoneInfo(booking.clinic.timezone)).date()


def signed_in(client, user):
    assert client.login(user.email).status_code == 302
    return client


def post_status(client, booking, status):
    return client.submit(f"/practice/clinics/{booking.clinic_id}/visits/{booking.id}/status", {"status": status},
                         page="/practice/")


# Who sees what


def test_a_practitioner_sees_only_their_own_day_and_a_manager_sees_everyones(client, clinic, service, alice, bella,
                                                                              manager):
    mine = make_booking(clinic, service, alice, now=PAST_MONDAY, first_name="Maria", last_name="Mine")
    theirs = make_booking(clinic, service, bella, now=PAST_MONDAY, first_name="Theo", last_name="Theirs")
    assert local_day(mine) == local_day(theirs)

    own_view = page_text(signed_in(client, alice.user).get(schedule_url(clinic, local_day(mine))))
    assert "Maria Mine" in own_view and "Theo Theirs" not in own_view
    assert "Bella Brown" not in own_view

    client.logout()
    whole_view = page_text(signed_in(client, manager).get(schedule_url(clinic, local_day(mine))))
    assert "Maria Mine" in whole_view and "Theo Theirs" in whole_view
    assert "Alice Adams" in whole_view and "Bella Brown" in whole_view


def test_each_visit_shows_its_time_service_status_and_whether_the_patient_is_new(client, clinic, service, alice):
    first = make_booking(clinic, service, alice, now=PAST_MONDAY, first_name="Nora", last_name="New")
    mark_visit(Actor(alice.user), first, BookingStatus.COMPLETED, first.start_at + timedelta(minutes=30))
    db.session.commit()
    again = make_booking(clinic, service, alice, now=first.end_at + timedelta(days=1), email=first.patient.email,
                         first_name="Nora", last_name="New")
    text = page_text(signed_in(client, alice.user).get(schedule_url(clinic, local_day(first))))
    assert "9:00 AM to 9:30 AM EST" in text
    assert "Nora New New patient" in text and "Follow-up" in text and "Seen" in text

    later = page_text(client.get(schedule_url(clinic, local_day(again))))
    assert "Nora New Returning" in later and "Booked" in later


def test_the_schedule_steps_a_day_or_a_week_at_a_time(client, clinic, service, alice):
    make_booking(clinic, service, alice, now=PAST_MONDAY, first_name="Monday", last_name="Morning")
    response = signed_in(client, alice.user).get(schedule_url(clinic, date(2026, 11, 18)))
    html = response.get_data(as_text=True)
    assert "Wednesday 18 November 2026" in html
    assert "date=2026-11-17" in html and "date=2026-11-19" in html

    week = page_text(client.get(schedule_url(clinic, date(2026, 11, 18), view="week")))
    assert "Week of Monday 16 November 2026" in week
    assert "Monday 16 November 9:00 AM to 9:30 AM EST Monday Morning" in week
    assert "Sunday 22 November" in week
    assert "Monday Morning" not in page_text(client.get(schedule_url(clinic, date(2026, 11, 18))))


def test_the_schedule_opens_on_today_in_the_clinics_zone(client, clinic, alice):
    today = utcnow().astimezone(ZoneInfo(clinic.timezone)).date()
    text = page_text(signed_in(client, alice.user).get(f"/practice/clinics/{clinic.id}/schedule"))
    assert today.strftime("%A %-d %B %Y") in text


def test_a_spring_forward_day_shows_each_visit_on_the_clinics_clock(client, app):
    new_york = make_clinic(timezone="America/New_York", hours=(Interval(6, time(1), time(5)),))
    hour_long = make_service(clinics=[new_york], duration_minutes=60)
    practitioner = make_practitioner(new_york, services=[hour_long], hours=(Interval(6, time(1), time(5)),))
    saturday = datetime(2026, 3, 7, 12, 0, tzinfo=UTC)
    before = make_booking(new_york, hour_long, practitioner, now=saturday, first_name="Early", last_name="Bird")
    after = make_booking(new_york, hour_long, practitioner, now=saturday, first_name="Late", last_name="Riser")
    # The clocks skip 2:00 to 3:00: an hour-long visit from 1:00 AM EST ends at 3:00 AM EDT.
    assert after.start_at - before.start_at == timedelta(hours=1)

    text = page_text(signed_in(client, practitioner.user).get(schedule_url(new_york, date(2026, 3, 8))))
    assert "1:00 AM EST to 3:00 AM EDT" in text
    assert "3:00 AM to 4:00 AM EDT" in text
    assert text.index("Early Bird") < text.index("Late Riser")
    assert "Early Bird" not in page_text(client.get(schedule_url(new_york, date(2026, 3, 7))))


# Access


@pytest.fixture
def visit(clinic, service, alice):
    return make_booking(clinic, service, alice, now=PAST_MONDAY)


def visit_urls(booking) -> list[tuple[str, str]]:
    base = f"/practice/clinics/{booking.clinic_id}"
    return [
        ("get", f"{base}/schedule"),
        ("get", f"{base}/schedule?view=week"),
        ("get", f"{base}/visits/new"),
        ("get", f"{base}/visits/{booking.id}/change"),
        ("post", f"{base}/visits/new"),
        ("post", f"{base}/visits/{booking.id}/status"),
        ("post", f"{base}/visits/{booking.id}/move"),
        ("post", f"{base}/visits/{booking.id}/cancel"),
    ]


def open_url(client, method, url, page):
    if method == "get":
        return client.get(url)
    return client.submit(url, {"status": "arrived", "reason": "Testing", "start": "walk_in"}, page=page)


@pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.CLINIC_MANAGER])
def test_staff_of_another_clinic_are_refused_every_schedule_page_and_action(client, visit, role):
    elsewhere = make_user(role, clinics=[make_clinic(name="Elsewhere")])
    signed_in(client, elsewhere)
    for method, url in visit_urls(visit):
        assert open_url(client, method, url, "/practice/").status_code == 403, url
    assert db.session.get(Booking, visit.id).status == BookingStatus.BOOKED


def test_patients_never_reach_the_schedule_and_anonymous_visitors_are_sent_to_log_in(client, visit):
    signed_in(client, make_user(Role.PATIENT))
    for method, url in visit_urls(visit):
        assert open_url(client, method, url, "/my/").status_code == 403, url
    client.logout()
    for method, url in visit_urls(visit):
        if method == "get":
            assert client.get(url).headers["Location"].startswith("/login?next="), url


def test_a_practitioner_cannot_act_on_a_colleagues_visit(client, clinic, service, visit, bella):
    signed_in(client, bella.user)
    assert post_status(client, visit, "arrived").status_code == 404
    assert client.get(f"/practice/clinics/{clinic.id}/visits/{visit.id}/change").status_code == 404
    assert db.session.get(Booking, visit.id).status == BookingStatus.BOOKED


def test_a_visit_of_another_clinic_is_not_found_under_this_one(client, clinic, manager, app):
    other = make_booking()
    signed_in(client, manager)
    assert client.get(f"/practice/clinics/{clinic.id}/visits/{other.id}/change").status_code == 404
    assert client.submit(f"/practice/clinics/{clinic.id}/visits/{other.id}/status", {"status": "arrived"},
                         page="/practice/").status_code == 404


# The desk's buttons


def test_checking_a_patient_in_shows_on_the_schedule_and_is_audited(client, visit, manager):
    signed_in(client, manager)
    response = post_status(client, visit, "arrived")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"date={local_day(visit).isoformat()}")
    text = page_text(client.get(response.headers["Location"]))
    assert f"{visit.patient.full_name} is checked in." in text
    assert "Checked in" in text
    assert db.session.get(Booking, visit.id).status == BookingStatus.ARRIVED
    [event] = search_events(AuditQuery(patient_id=visit.patient_id, action="mark_arrived"))
    assert event.actor_id == manager.id


def test_a_no_show_shows_on_the_schedule_and_can_be_undone(client, visit, alice):
    signed_in(client, alice.user)
    text = page_text(client.get(post_status(client, visit, "no_show").headers["Location"]))
    assert "is marked as a no-show" in text and "No-show" in text
    post_status(client, visit, "booked")
    assert db.session.get(Booking, visit.id).status == BookingStatus.BOOKED


def test_a_no_show_before_the_visit_starts_is_refused(client, clinic, service, alice):
    upcoming = make_booking(clinic, service, alice, now=utcnow())
    signed_in(client, alice.user)
    text = page_text(client.get(post_status(client, upcoming, "no_show").headers["Location"]))
    assert "only once its start time has passed" in text
    assert db.session.get(Booking, upcoming.id).status == BookingStatus.BOOKED


def test_a_visit_cannot_be_marked_seen_before_it_starts(clinic, service, alice):
    upcoming = make_booking(clinic, service, alice, now=utcnow())
    with pytest.raises(Conflict, match="seen only once"):
        mark_visit(Actor(alice.user), upcoming, BookingStatus.COMPLETED, upcoming.start_at - timedelta(minutes=5))


def test_an_unknown_status_is_refused(client, visit, alice):
    signed_in(client, alice.user)
    assert post_status(client, visit, "cancelled").status_code == 400
    assert db.session.get(Booking, visit.id).status == BookingStatus.BOOKED


# Booking at the desk


def next_weekday(clinic) -> date:
    day = utcnow().astimezone(ZoneInfo(clinic.timezone)).date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def new_visit_url(clinic, **query) -> str:
    return f"/practice/clinics/{clinic.id}/visits/new?" + "&".join(f"{k}={v}" for k, v in query.items())


NEW_PATIENT = {"first_name": "Wanda", "last_name": "Walker", "email": "wanda@example.com",
               "phone": "555-0111", "date_of_birth": "1975-05-05", "new_patient": "new"}


def test_staff_find_a_patient_of_the_clinic_and_book_them(client, clinic, service, visit, alice, manager, app):
    make_booking(first_name="Stranger", last_name=visit.patient.last_name)  # a patient of another clinic
    signed_in(client, manager)
    found = page_text(client.get(new_visit_url(clinic, q=visit.patient.last_name.upper())))
    assert f"Book for {visit.patient.full_name}" in found and "Stranger" not in found
    # Who the search showed is in the audit trail; the stranger was never shown.
    [seen] = search_events(AuditQuery(action="search_patients"))
    assert (seen.actor_id, seen.patient_id) == (manager.id, visit.patient_id)

    day = next_weekday(clinic)
    page = new_visit_url(clinic, service=service.slug, practitioner=alice.id, day=day.isoformat(),
                         patient=visit.patient_id)
    assert "9:00 AM" in page_text(client.get(page))
    start = datetime.combine(day, time(9), tzinfo=ZoneInfo(clinic.timezone))
    response = client.submit(f"/practice/clinics/{clinic.id}/visits/new", {
        "service": service.slug, "practitioner": alice.id, "day": day.isoformat(), "patient": visit.patient_id,
        "start": start.isoformat(), "new_patient": "returning"}, page=page)
    assert response.status_code == 303
    booked = db.session.scalar(select(Booking).where(Booking.id != visit.id, Booking.patient_id == visit.patient_id))
    assert booked.start_at == start and booked.source == "staff" and booked.created_by_id == manager.id
    assert search_events(AuditQuery(patient_id=visit.patient_id, action="staff_book"))
    assert db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == visit.patient.email))
    assert "is booked" in page_text(client.get(response.headers["Location"]))


def test_a_patient_of_another_clinic_cannot_be_booked_by_their_record(client, clinic, service, alice):
    stranger = make_booking()
    signed_in(client, alice.user)
    assert stranger.patient.full_name not in page_text(client.get(new_visit_url(clinic, patient=stranger.patient_id)))
    day = next_weekday(clinic)
    start = datetime.combine(day, time(10), tzinfo=ZoneInfo(clinic.timezone))
    response = client.submit(f"/practice/clinics/{clinic.id}/visits/new", {
        "service": service.slug, "day": day.isoformat(), "start": start.isoformat(), "new_patient": "returning",
        "patient": stranger.patient_id}, page=new_visit_url(clinic))
    assert response.status_code == 422
    assert db.session.scalar(select(Booking).where(Booking.clinic_id == clinic.id)) is None


def test_a_new_patients_details_are_required_and_shown_next_to_the_fields(client, clinic, service, alice):
    signed_in(client, alice.user)
    day = next_weekday(clinic)
    start = datetime.combine(day, time(10), tzinfo=ZoneInfo(clinic.timezone))
    response = client.submit(f"/practice/clinics/{clinic.id}/visits/new", {
        "service": service.slug, "day": day.isoformat(), "start": start.isoformat(), "new_patient": "new",
        "first_name": "Wanda"}, page=new_visit_url(clinic))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="email-error"' in html and "Enter the patient&#39;s e-mail address" in html
    assert db.session.scalar(select(Booking)) is None


def test_a_time_just_taken_is_refused_with_the_next_free_times(client, clinic, service, alice, manager):
    day = next_weekday(clinic)
    start = datetime.combine(day, time(9), tzinfo=ZoneInfo(clinic.timezone))
    make_booking(clinic, service, alice, now=start - timedelta(hours=3))  # takes 9:00 with Alice
    signed_in(client, manager)
    response = client.submit(f"/practice/clinics/{clinic.id}/visits/new", {
        "service": service.slug, "practitioner": alice.id, "day": day.isoformat(),
        "start": start.isoformat(), **NEW_PATIENT}, page=new_visit_url(clinic))
    assert response.status_code == 409
    text = page_text(response)
    assert "that time was just taken" in text
    assert "9:30 AM" in text and f"{day.strftime('%A %-d %B %Y')} at 9:30 AM" in text
    assert db.session.scalar(select(Booking).where(Booking.patient.has(email="wanda@example.com"))) is None


@pytest.fixture
def awake_clinic(app):
    """A clinic open round the clock in a zone where it is now daytime, so a walk-in fits today."""
    now = utcnow()
    zone = next(name for name in ("America/New_York", "Europe/London", "Asia/Tokyo", "Australia/Sydney")
                if 3 <= now.astimezone(ZoneInfo(name)).hour <= 20)
    clinic = make_clinic(timezone=zone, hours=EVERY_DAY)
    service = make_service(clinics=[clinic])
    practitioner = make_practitioner(clinic, services=[service], hours=EVERY_DAY)
    return clinic, service, practitioner


def test_a_walk_in_is_booked_for_the_next_free_time_today(client, awake_clinic):
    clinic, service, practitioner = awake_clinic
    signed_in(client, practitioner.user)
    page = new_visit_url(clinic, service=service.slug)
    assert "Walk-in: the next free time" in page_text(client.get(page))
    response = client.submit(f"/practice/clinics/{clinic.id}/visits/new",
                             {"service": service.slug, "start": "walk_in", **NEW_PATIENT}, page=page)
    assert response.status_code == 303
    booking = db.session.scalar(select(Booking))
    now = utcnow()
    assert booking.source == "walk_in" and booking.practitioner_id == practitioner.id
    assert now < booking.start_at <= now + timedelta(minutes=16)  # inside the two-hour online notice


def test_a_practitioner_books_only_for_themselves(client, clinic, service, alice, bella):
    signed_in(client, alice.user)
    day = next_weekday(clinic)
    html = client.get(new_visit_url(clinic, service=service.slug, day=day.isoformat())).get_data(as_text=True)
    assert "Alice Adams" in html and "Bella Brown" not in html
    start = datetime.combine(day, time(11), tzinfo=ZoneInfo(clinic.timezone))
    client.submit(f"/practice/clinics/{clinic.id}/visits/new", {
        "service": service.slug, "practitioner": bella.id, "day": day.isoformat(), "start": start.isoformat(),
        **NEW_PATIENT}, page=new_visit_url(clinic))
    assert db.session.scalar(select(Booking)).practitioner_id == alice.id


# Moving and cancelling at the desk


@pytest.fixture
def soon(clinic, service, alice):
    """A visit a few hours away: too close for the patient to change online."""
    return make_booking(clinic, service, alice, now=utcnow())


def test_cancelling_needs_a_reason_then_cancels_inside_the_notice_window(client, soon, manager):
    signed_in(client, manager)
    change = f"/practice/clinics/{soon.clinic_id}/visits/{soon.id}/change"
    refused = client.submit(f"/practice/clinics/{soon.clinic_id}/visits/{soon.id}/cancel", {"reason": "  "},
                            page=change)
    assert refused.status_code == 422
    assert 'id="reason-error"' in refused.get_data(as_text=True)
    assert db.session.get(Booking, soon.id).status == BookingStatus.BOOKED

    response = client.submit(f"/practice/clinics/{soon.clinic_id}/visits/{soon.id}/cancel",
                             {"reason": "Patient phoned: unwell"}, page=change)
    assert response.status_code == 303
    cancelled = db.session.get(Booking, soon.id)
    assert cancelled.status == BookingStatus.CANCELLED
    assert (cancelled.cancelled_by, cancelled.cancellation_reason) == ("staff", "Patient phoned: unwell")
    assert search_events(AuditQuery(patient_id=soon.patient_id, action="staff_cancel"))
    schedule = page_text(client.get(response.headers["Location"]))
    assert "visit is cancelled" in schedule and "Alice Adams · 0 visits" in schedule


def test_staff_move_a_visit_to_another_free_time(client, clinic, soon, alice):
    signed_in(client, alice.user)
    day = next_weekday(clinic) + timedelta(days=7)
    change = f"/practice/clinics/{clinic.id}/visits/{soon.id}/change?day={day.isoformat()}"
    assert "2:00 PM" in page_text(client.get(change))
    new_start = datetime.combine(day, time(14), tzinfo=ZoneInfo(clinic.timezone))
    response = client.submit(f"/practice/clinics/{clinic.id}/visits/{soon.id}/move",
                             {"start": new_start.isoformat()}, page=change)
    assert response.status_code == 303
    assert db.session.get(Booking, soon.id).start_at == new_start
    assert search_events(AuditQuery(patient_id=soon.patient_id, action="staff_move"))
    assert "has moved to" in page_text(client.get(response.headers["Location"]))


def test_moving_to_a_taken_time_offers_the_next_free_ones(client, clinic, service, soon, alice):
    day = next_weekday(clinic) + timedelta(days=7)
    taken = datetime.combine(day, time(9), tzinfo=ZoneInfo(clinic.timezone))
    make_booking(clinic, service, alice, now=taken - timedelta(hours=3))
    signed_in(client, alice.user)
    response = client.submit(f"/practice/clinics/{clinic.id}/visits/{soon.id}/move", {"start": taken.isoformat()},
                             page=f"/practice/clinics/{clinic.id}/visits/{soon.id}/change")
    assert response.status_code == 409
    assert "that time was just taken" in page_text(response)
    assert "at 9:30 AM" in page_text(response)
    assert db.session.get(Booking, soon.id).start_at == soon.start_at


def test_the_patients_name_links_to_their_chart_when_that_page_exists(client, app, visit, alice):
    html = signed_in(client, alice.user).get(schedule_url(visit.clinic, local_day(visit))).get_data(as_text=True)
    chart = f'href="/practice/patients/{visit.patient_id}"'
    chart_page_exists = any(rule.rule == "/practice/patients/<int:patient_id>" for rule in app.url_map.iter_rules())
    assert (chart in html) == chart_page_exists
    assert visit.patient.full_name in html


def test_odd_dates_and_times_in_the_address_or_form_never_break_a_page(client, clinic, service, visit, manager):
    signed_in(client, manager)
    for query in ("date=9999-12-31", "date=0001-01-01", "date=9999-12-31&view=week", "date=yesterday", "date=%00"):
        assert client.get(f"/practice/clinics/{clinic.id}/schedule?{query}").status_code == 200, query
    odd_choices = new_visit_url(clinic, day="9999-12-31", practitioner="x", patient="99999999999")
    assert client.get(odd_choices).status_code == 200
    change = f"/practice/clinics/{clinic.id}/visits/{visit.id}/change"
    assert client.get(change + "?day=9999-12-31").status_code == 200
    for start in ("9999-12-31T10:00:00+00:00", "2026-13-01T10:00", "soon"):
        moved = client.submit(f"/practice/clinics/{clinic.id}/visits/{visit.id}/move", {"start": start}, page=change)
        assert moved.status_code == 422, start
    booked = client.submit(f"/practice/clinics/{clinic.id}/visits/new", {
        "service": service.slug, "start": "9999-12-31T10:00:00+00:00", **NEW_PATIENT}, page=new_visit_url(clinic))
    assert booked.status_code == 422
    assert "Choose one of the times offered." in page_text(booked)


def test_a_practitioner_cannot_move_their_visit_into_a_colleagues_diary(client, clinic, service, soon, alice, bella):
    day = next_weekday(clinic) + timedelta(days=7)
    busy = datetime.combine(day, time(9), tzinfo=ZoneInfo(clinic.timezone))
    make_booking(clinic, service, alice, now=busy - timedelta(hours=3))  # Alice is busy then, Bella is free
    signed_in(client, alice.user)
    change = f"/practice/clinics/{clinic.id}/visits/{soon.id}/change?day={day.isoformat()}"
    response = client.submit(f"/practice/clinics/{clinic.id}/visits/{soon.id}/move", {"start": busy.isoformat()},
                             page=change)
    assert response.status_code == 409
    moved = db.session.get(Booking, soon.id)
    assert (moved.practitioner_id, moved.start_at) == (alice.id, soon.start_at)


# Details given at booking that differ from the record


def details_url(booking) -> str:
    return f"/practice/clinics/{booking.clinic_id}/visits/{booking.id}/details"


def change_url(booking) -> str:
    return f"/practice/clinics/{booking.clinic_id}/visits/{booking.id}/change"


@pytest.fixture
def retyped(clinic, service, alice):
    """Ruth's first visit, and a second booked (by anyone) with her e-mail and date of birth
    but another first name and phone."""
    first = make_booking(clinic, service, alice, now=PAST_MONDAY, first_name="Ruth", last_name="Record",
                         email="ruth@example.com", phone="555-0100")
    second = make_booking(clinic, service, alice, now=first.start_at, first_name="Rita", last_name="Record",
                          email="ruth@example.com", phone="555-0199")
    assert second.patient_id == first.patient_id
    return first, second


def test_details_typed_at_booking_wait_on_the_visit_until_the_patient_has_attended(client, retyped, alice):
    first, second = retyped
    signed_in(client, alice.user)
    day = page_text(client.get(schedule_url(second.clinic, local_day(second))))
    assert "Details to confirm" in day
    response = client.get(change_url(second))
    page = page_text(response)
    assert "Details given at booking" in page and "First name Rita Ruth" in page and "Phone 555-0199 555-0100" in page
    assert 'name="accept"' not in response.text and "Once the patient has checked in" in page

    refused = client.submit(details_url(second), {"accept": "y"}, page=change_url(second))
    assert "once they have checked in" in page_text(client.get(refused.headers["Location"]))
    db.session.refresh(second.patient)
    assert (second.patient.first_name, second.patient.phone) == ("Ruth", "555-0100")


def test_the_desk_accepts_the_details_into_the_record_once_the_patient_has_attended(client, retyped, alice):
    first, second = retyped
    mark_visit(Actor(alice.user), first, BookingStatus.COMPLETED, first.start_at + timedelta(minutes=30))
    db.session.commit()
    signed_in(client, alice.user)
    assert 'name="accept"' in client.get(change_url(second)).text
    done = client.submit(details_url(second), {"accept": "y"}, page=change_url(second))
    assert "Rita Record&#39;s record is updated" in page_text(client.get(done.headers["Location"]))
    db.session.refresh(second)
    assert (second.patient.first_name, second.patient.last_name, second.patient.phone) == ("Rita", "Record",
                                                                                          "555-0199")
    assert second.given_details == {}
    assert "Details to confirm" not in page_text(client.get(schedule_url(second.clinic, local_day(second))))
    assert [e.action for e in search_events(AuditQuery(patient_id=second.patient_id))][0] == "accept_patient_details"


def test_the_desk_can_keep_the_record_as_it_is(client, retyped, alice):
    first, second = retyped
    mark_visit(Actor(alice.user), first, BookingStatus.ARRIVED, first.start_at)
    db.session.commit()
    signed_in(client, alice.user)
    client.submit(details_url(second), {"keep": "y"}, page=change_url(second))
    db.session.refresh(second)
    assert (second.patient.first_name, second.patient.phone) == ("Ruth", "555-0100")
    assert second.given_details == {}
    assert [e.action for e in search_events(AuditQuery(patient_id=second.patient_id))][0] == "keep_patient_details"


def test_another_practitioners_visit_details_cannot_be_settled(client, retyped, bella):
    _, second = retyped
    signed_in(client, bella.user)
    assert client.submit(details_url(second), {"accept": "y"}, page="/practice/").status_code == 404
    assert second.given_details != {}
