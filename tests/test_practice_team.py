"""A clinic's team pages under /practice/clinics/<id>/team: who may see and change them, the
errors a manager sees by the field, and that every change shows in the booking pages at once."""

import html
import re
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from clinic_app.accounts.models import Role
from clinic_app.clinics.models import ClinicClosure
from clinic_app.clinics.rules import Interval
from clinic_app.extensions import db
from clinic_app.scheduling.models import DatedHours, Practitioner, TimeOff, WorkingHours
from clinic_app.scheduling.service import WeeklyInterval, set_weekly_hours
from tests.factories import make_booking, make_clinic, make_practitioner, make_service, make_user

NOW = datetime(2026, 11, 23, 14, tzinfo=UTC)  # Monday 23 November 2026, 9 AM in New York
TUESDAY_TO_FRIDAY = tuple(Interval(day, time(9), time(17)) for day in range(1, 5))


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    monkeypatch.setattr("clinic_app.clock.utcnow", lambda: NOW)
    monkeypatch.setattr("clinic_app.clinics.views.utcnow", lambda: NOW)
    monkeypatch.setattr("clinic_app.practice.team.utcnow", lambda: NOW)


@pytest.fixture
def clinic(app):
    return make_clinic(name="Back Solution Chelsea", slug="chelsea")


@pytest.fixture
def other_clinic(app):
    return make_clinic(name="Back Solution Newark", slug="newark", city="Newark", state="NJ", zip_code="07102")


@pytest.fixture
def service(clinic):
    return make_service(clinics=[clinic], slug="follow-up", name="Follow-up treatment", duration_minutes=30)


@pytest.fixture
def practitioner(clinic, service):
    return make_practitioner(clinic, services=[service], display_name="Jordan Reyes", credentials="DPT")


@pytest.fixture
def manager(clinic):
    return make_user(Role.CLINIC_MANAGER, clinics=[clinic])


def team_url(clinic, practitioner=None, rest=""):
    base = f"/practice/clinics/{clinic.id}/team"
    return f"{base}/{practitioner.id}{rest}" if practitioner else base


def text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


def field_error(response, field_id: str) -> str:
    """The error text tied to a field, checking the field points at it."""
    page = response.get_data(as_text=True)
    assert re.search(rf'id="{field_id}"[^>]*aria-describedby="[^"]*{field_id}-error', page) or re.search(
        rf'aria-describedby="[^"]*{field_id}-error[^"]*"[^>]*id="{field_id}"', page), f"{field_id} not described"
    match = re.search(rf'<p class="error" id="{field_id}-error">([^<]*)</p>', page)
    assert match, f"no error for {field_id}"
    return html.unescape(match.group(1))


def week(**days) -> dict:
    """The weekly form: day0="09:00-17:00" (Monday), break0="12:00-13:00", others blank."""
    data = {}
    for prefix in ("day", "break"):
        for n in range(7):
            starts, _, ends = days.get(f"{prefix}{n}", "-").partition("-")
            data[f"{prefix}{n}-starts"], data[f"{prefix}{n}-ends"] = starts, ends
    return data


def times_on(client, day: str) -> str:
    """The booking page's times for ``day`` (in the week of Monday 23 November)."""
    return text(client.get(f"/book/time?clinic=chelsea&service=follow-up&practitioner=any&week=2026-11-23&day={day}"))


def day_count(page: str, label: str) -> str:
    """ "3 times" or "No times" for a day of the week strip ("Tue 24 Nov")."""
    return re.search(rf"{label} (No times|\d+ times?)", page).group(1)


# Who may do what


def test_the_clinic_manager_edits_a_profile_and_patients_see_it_on_the_clinic_page(client, practitioner, manager):
    client.login(manager.email)
    assert "Jordan Reyes" in text(client.get(team_url(practitioner.user.clinics[0])))
    url = team_url(practitioner.user.clinics[0], practitioner)
    response = client.submit(url, {"display_name": "Jordan Reyes", "credentials": "DPT, OCS",
                                   "specialities": "sciatica, running", "bio": "Treats runners.",
                                   "photo_url": "https://images.example/jordan.jpg"})
    assert response.status_code == 302
    page = client.get("/clinics/chelsea")
    assert "DPT, OCS" in text(page) and "Treats runners." in text(page) and "running" in text(page)
    assert 'alt="Photo of Jordan Reyes"' in page.get_data(as_text=True)


def test_the_profile_page_says_which_clinics_the_practitioner_works_at(client, clinic, other_clinic, practitioner,
                                                                       manager):
    practitioner.user.clinics.append(other_clinic)
    db.session.commit()
    client.login(manager.email)
    assert "Works at: Back Solution Chelsea, Back Solution Newark." in text(client.get(team_url(clinic, practitioner)))


def test_profile_errors_show_by_their_field_and_nothing_is_saved(client, clinic, practitioner, manager):
    client.login(manager.email)
    response = client.submit(team_url(clinic, practitioner),
                             {"display_name": "", "photo_url": "http://insecure.example/p.jpg"})
    assert response.status_code == 422
    assert field_error(response, "display_name") == "Enter a name."
    assert "https://" in field_error(response, "photo_url")
    db.session.refresh(practitioner)
    assert practitioner.display_name == "Jordan Reyes" and practitioner.photo_url == ""


def test_a_practitioner_sees_the_team_but_cannot_change_it(client, clinic, practitioner):
    client.login(practitioner.user.email)
    team_page = client.get(team_url(clinic))
    assert team_page.status_code == 200 and "Jordan Reyes" in text(team_page)
    assert "Add closure" not in text(team_page)
    profile = client.get(team_url(clinic, practitioner))
    assert profile.status_code == 200 and "Ask your clinic manager" in text(profile)
    assert "Save profile" not in text(profile)
    hours = client.get(team_url(clinic, practitioner, "/hours"))
    assert hours.status_code == 200 and "Save weekly hours" not in text(hours) and "9:00" in text(hours)
    changes = [
        (team_url(clinic, practitioner), {"display_name": "Changed"}),
        (team_url(clinic, practitioner, "/hours"), week(day0="09:00-10:00")),
        (team_url(clinic, practitioner, "/time-off"), {"off-first_day": "2026-11-24", "off-last_day": "2026-11-24"}),
        (team_url(clinic, practitioner, "/dated"), {"dated-on_date": "2026-11-24", "dated-starts": "09:00",
                                                    "dated-ends": "10:00"}),
        (f"/practice/clinics/{clinic.id}/closures", {"closed_on": "2026-11-26"}),
    ]
    for url, data in changes:
        assert client.submit(url, data, page="/").status_code == 403, url
    assert db.session.scalar(select(func.count()).select_from(TimeOff)) == 0
    assert db.session.scalar(select(func.count()).select_from(ClinicClosure)) == 0
    assert db.session.get(Practitioner, practitioner.id).display_name == "Jordan Reyes"


def test_staff_of_another_clinic_are_refused(client, clinic, other_clinic, practitioner):
    for role in (Role.CLINIC_MANAGER, Role.PRACTITIONER):
        outsider = make_user(role, clinics=[other_clinic])
        client.login(outsider.email)
        for url in (team_url(clinic), team_url(clinic, practitioner), team_url(clinic, practitioner, "/hours")):
            assert client.get(url).status_code == 403, (role, url)
        response = client.submit(team_url(clinic, practitioner, "/time-off"),
                                 {"off-first_day": "2026-11-24", "off-last_day": "2026-11-24"}, page="/")
        assert response.status_code == 403
        client.logout()
    assert db.session.scalar(select(func.count()).select_from(TimeOff)) == 0


def test_a_practitioner_from_another_clinic_cannot_be_reached_through_this_one(client, clinic, other_clinic, manager):
    stranger = make_practitioner(other_clinic, display_name="Sam Stranger")
    client.login(manager.email)
    assert client.get(team_url(clinic, stranger)).status_code == 404
    assert client.get(team_url(clinic, stranger, "/hours")).status_code == 404
    assert "Sam Stranger" not in text(client.get(team_url(clinic)))


def test_head_office_changes_any_clinics_team(client, clinic, practitioner):
    head_office = make_user(Role.HEAD_OFFICE)
    client.login(head_office.email)
    response = client.submit(f"/practice/clinics/{clinic.id}/closures", {"closed_on": "2026-11-26",
                                                                         "reason": "Thanksgiving"},
                             page=team_url(clinic))
    assert response.status_code == 302
    assert "Thursday 26 November 2026: Thanksgiving" in text(client.get("/clinics/chelsea"))


@pytest.mark.parametrize("role", ["anonymous", Role.PATIENT])
def test_patients_and_visitors_never_reach_the_team_pages(client, clinic, practitioner, role):
    if role != "anonymous":
        client.login(make_user(role).email)
    for url in (team_url(clinic), team_url(clinic, practitioner), team_url(clinic, practitioner, "/hours")):
        response = client.get(url)
        assert response.status_code == (302 if role == "anonymous" else 403)
        if role == "anonymous":
            assert response.headers["Location"].startswith("/login?next=")
    response = client.submit(f"/practice/clinics/{clinic.id}/closures", {"closed_on": "2026-11-26"},
                             page="/login" if role == "anonymous" else "/")
    assert response.status_code == (302 if role == "anonymous" else 403)
    assert db.session.scalar(select(func.count()).select_from(ClinicClosure)) == 0


# Hours, breaks, dated hours, time off, closures: saved, refused by the field, effective at once


def test_weekly_hours_and_breaks_change_the_free_times_at_once(client, clinic, practitioner, manager):
    client.login(manager.email)
    assert "11:00 AM" in times_on(client, "2026-11-23")
    response = client.submit(team_url(clinic, practitioner, "/hours"),
                             week(day0="13:00-17:00", day1="09:00-17:00", break0="14:00-15:00"))
    assert response.status_code == 302
    monday = times_on(client, "2026-11-23")
    assert "11:00 AM" not in monday and "1:00 PM" in monday and "2:00 PM" not in monday and "3:00 PM" in monday
    assert day_count(times_on(client, "2026-11-23"), "Wed 25 Nov") == "No times"
    assert "Next available: Mon 23 Nov, 1:00 PM EST" in text(client.get("/clinics/chelsea"))


def test_hours_overlapping_another_clinic_are_refused_beside_the_weekday(client, clinic, other_clinic, service,
                                                                         manager):
    practitioner = make_practitioner(clinic, services=[service], hours=TUESDAY_TO_FRIDAY)
    set_weekly_hours(practitioner, other_clinic, [WeeklyInterval(0, time(9), time(12))])
    db.session.commit()
    client.login(manager.email)
    hours_page = text(client.get(team_url(clinic, practitioner, "/hours")))
    assert "Also works at: Back Solution Newark 9:00 AM–12:00 PM on Mondays" in hours_page
    response = client.submit(team_url(clinic, practitioner, "/hours"), week(day0="10:00-14:00", day1="09:00-12:00"))
    assert response.status_code == 422
    assert field_error(response, "day0-starts") == "Overlaps weekly hours at Back Solution Newark, 9:00 AM to 12:00 PM."
    here = db.session.scalars(select(WorkingHours).where(WorkingHours.clinic_id == clinic.id,
                                                         WorkingHours.practitioner_id == practitioner.id)).all()
    assert sorted((row.weekday, row.ends) for row in here) == [(day, time(17)) for day in range(1, 5)]


def test_a_finish_before_the_start_is_shown_by_the_field(client, clinic, practitioner, manager):
    client.login(manager.email)
    response = client.submit(team_url(clinic, practitioner, "/hours"), week(day2="15:00-09:00", break3="13:00-"))
    assert response.status_code == 422
    assert field_error(response, "day2-ends") == "The finish time must be after the start time."
    assert field_error(response, "break3-ends") == "Give both times, or leave both blank."
    assert db.session.scalar(select(func.count()).select_from(WorkingHours)) == 5


def test_a_time_off_day_has_no_free_times_on_the_booking_page(client, clinic, practitioner, manager):
    client.login(manager.email)
    assert day_count(times_on(client, "2026-11-24"), "Tue 24 Nov") != "No times"
    response = client.submit(team_url(clinic, practitioner, "/time-off"),
                             {"off-first_day": "2026-11-24", "off-last_day": "2026-11-25", "off-reason": "Course"},
                             page=team_url(clinic, practitioner, "/hours"))
    assert response.status_code == 302
    page = times_on(client, "2026-11-24")
    assert day_count(page, "Tue 24 Nov") == "No times" and day_count(page, "Wed 25 Nov") == "No times"
    assert day_count(page, "Thu 26 Nov") != "No times"
    hours_page = client.get(team_url(clinic, practitioner, "/hours"))
    assert "Tue 24 Nov 2026 to Wed 25 Nov 2026: Course" in text(hours_page)

    row = db.session.scalar(select(TimeOff))
    client.submit(team_url(clinic, practitioner, f"/time-off/{row.id}/delete"), {},
                  page=team_url(clinic, practitioner, "/hours"))
    assert day_count(times_on(client, "2026-11-24"), "Tue 24 Nov") != "No times"


def test_time_off_ending_before_it_starts_is_refused_by_the_field(client, clinic, practitioner, manager):
    client.login(manager.email)
    response = client.submit(team_url(clinic, practitioner, "/time-off"),
                             {"off-first_day": "2026-11-25", "off-last_day": "2026-11-24"},
                             page=team_url(clinic, practitioner, "/hours"))
    assert response.status_code == 422
    assert field_error(response, "off-last_day") == "The last day must be on or after the first day."
    assert db.session.scalar(select(func.count()).select_from(TimeOff)) == 0


def test_hours_for_one_date_replace_the_weekly_hours_that_day(client, clinic, practitioner, manager):
    client.login(manager.email)
    response = client.submit(team_url(clinic, practitioner, "/dated"),
                             {"dated-on_date": "2026-11-25", "dated-starts": "14:00", "dated-ends": "16:00"},
                             page=team_url(clinic, practitioner, "/hours"))
    assert response.status_code == 302
    wednesday = times_on(client, "2026-11-25")
    assert day_count(wednesday, "Wed 25 Nov") == "7 times" and "2:00 PM" in wednesday and "9:00 AM" not in wednesday


def test_hours_for_one_date_overlapping_another_clinic_are_refused(client, clinic, other_clinic, practitioner,
                                                                   manager):
    db.session.add(DatedHours(practitioner_id=practitioner.id, clinic_id=other_clinic.id,
                              on_date=datetime(2026, 11, 28).date(), starts=time(9), ends=time(12)))
    db.session.commit()
    client.login(manager.email)
    response = client.submit(team_url(clinic, practitioner, "/dated"),
                             {"dated-on_date": "2026-11-28", "dated-starts": "11:00", "dated-ends": "13:00"},
                             page=team_url(clinic, practitioner, "/hours"))
    assert response.status_code == 422
    assert "Back Solution Newark" in field_error(response, "dated-starts")
    assert db.session.scalar(select(func.count()).select_from(DatedHours)) == 1


def test_a_holiday_closure_takes_the_day_off_the_booking_page_until_reopened(client, clinic, practitioner, manager):
    client.login(manager.email)
    response = client.submit(f"/practice/clinics/{clinic.id}/closures", {"closed_on": "2026-11-26",
                                                                         "reason": "Thanksgiving"},
                             page=team_url(clinic))
    assert response.status_code == 302
    assert day_count(times_on(client, "2026-11-23"), "Thu 26 Nov") == "No times"
    again = client.submit(f"/practice/clinics/{clinic.id}/closures", {"closed_on": "2026-11-26"},
                          page=team_url(clinic))
    assert again.status_code == 422
    assert field_error(again, "closed_on") == "The clinic is already closed that day."

    closure = db.session.scalar(select(ClinicClosure))
    client.submit(f"/practice/clinics/{clinic.id}/closures/{closure.id}/delete", {}, page=team_url(clinic))
    assert day_count(times_on(client, "2026-11-23"), "Thu 26 Nov") != "No times"
    assert "No closures ahead." in text(client.get(team_url(clinic)))


def test_a_new_practitioner_account_gets_a_booking_profile_and_becomes_bookable(client, clinic, service, manager):
    newcomer = make_user(Role.PRACTITIONER, clinics=[clinic], full_name="Casey Newcomer")
    client.login(manager.email)
    assert "Casey Newcomer" in text(client.get(team_url(clinic)))
    response = client.submit(f"/practice/clinics/{clinic.id}/team/accounts/{newcomer.id}/profile", {},
                             page=team_url(clinic))
    assert response.status_code == 302
    profile = db.session.scalar(select(Practitioner).where(Practitioner.user_id == newcomer.id))
    assert response.headers["Location"].endswith(team_url(clinic, profile))
    client.submit(team_url(clinic, profile, "/hours"), week(day1="09:00-12:00"))
    steps = text(client.get("/book/practitioner?clinic=chelsea&service=follow-up"))
    assert "Casey Newcomer" in steps
    again = client.submit(f"/practice/clinics/{clinic.id}/team/accounts/{newcomer.id}/profile", {},
                          page=team_url(clinic))
    assert again.status_code == 404


def test_time_off_over_booked_visits_names_them_with_links_to_move_them(client, clinic, service, practitioner,
                                                                          manager):
    visit = make_booking(clinic, service, practitioner, now=NOW)  # Monday 23 November, 11 AM
    client.login(manager.email)
    response = client.submit(team_url(clinic, practitioner, "/time-off"),
                             {"off-first_day": "2026-11-23", "off-last_day": "2026-11-23"},
                             page=team_url(clinic, practitioner, "/hours"), follow_redirects=True)
    when = visit.start_at.astimezone(ZoneInfo(clinic.timezone)).strftime("%a %-d %b, %-I:%M %p %Z")
    link = f'<a href="/practice/clinics/{clinic.id}/visits/{visit.id}/change">{when} {visit.patient.full_name}</a>'
    assert f"1 booked visit falls in this time off ({link}): move or cancel them on the schedule." in response.text


def test_a_weekday_with_two_periods_is_pointed_out_before_saving_keeps_one(client, clinic, service, manager):
    practitioner = make_practitioner(clinic, services=[service], hours=(
        Interval(0, time(9), time(12)), Interval(0, time(13), time(17)), Interval(1, time(9), time(17))))
    client.login(manager.email)
    page = text(client.get(team_url(clinic, practitioner, "/hours")))
    # Monday alone ("has", not "Monday, Tuesday have"): Tuesday's single period is fine.
    assert "Monday has more than one period saved" in page


def test_closing_a_day_with_booked_visits_says_they_need_moving(client, clinic, service, practitioner, manager):
    make_booking(clinic, service, practitioner, now=NOW)  # Monday 23 November, 11 AM
    client.login(manager.email)
    response = client.submit(f"/practice/clinics/{clinic.id}/closures", {"closed_on": "2026-11-23"},
                             page=team_url(clinic), follow_redirects=True)
    assert "1 booked visit falls on that day: move or cancel them on the schedule." in text(response)
    quiet = client.submit(f"/practice/clinics/{clinic.id}/closures", {"closed_on": "2026-11-24"},
                          page=team_url(clinic), follow_redirects=True)
    assert "booked visit" not in text(quiet)


@pytest.mark.parametrize("field, value", [("off-last_day", "9999-12-31"), ("off-first_day", "not a date")])
def test_impossible_time_off_dates_are_refused_by_the_field(client, clinic, practitioner, manager, field, value):
    client.login(manager.email)
    data = {"off-first_day": "2026-11-24", "off-last_day": "2026-11-25", field: value}
    response = client.submit(team_url(clinic, practitioner, "/time-off"), data,
                             page=team_url(clinic, practitioner, "/hours"))
    assert response.status_code == 422
    assert field_error(response, field)
    assert db.session.scalar(select(func.count()).select_from(TimeOff)) == 0
