""""Next available" on clinic pages and nearest-clinic results, and the practitioners a clinic
page shows."""

import html
import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event

from clinic_app.clinics.models import ClinicClosure
from clinic_app.clinics.rules import Interval
from clinic_app.extensions import db
from clinic_app.scheduling.availability import free_slots
from clinic_app.scheduling.models import DatedHours, TimeOff
from clinic_app.scheduling.next_available import next_free_times
from clinic_app.scheduling.service import WeeklyInterval, set_breaks
from tests.factories import make_booking, make_clinic, make_practitioner, make_service

NOW = datetime(2026, 11, 23, 14, tzinfo=UTC)  # Monday 9 AM in New York, 7 AM in Phoenix


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    monkeypatch.setattr("clinic_app.clock.utcnow", lambda: NOW)
    monkeypatch.setattr("clinic_app.clinics.views.utcnow", lambda: NOW)


def text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


def next_available_link(response) -> str:
    match = re.search(r'Next available: <a href="([^"]+)"', response.get_data(as_text=True))
    assert match, "no next available time on the page"
    return html.unescape(match.group(1))


def bookable_clinic(**overrides):
    clinic = make_clinic(**overrides)
    service = make_service(clinics=[clinic], name="Follow-up treatment", duration_minutes=30)
    practitioner = make_practitioner(clinic, services=[service])
    return clinic, service, practitioner


def test_clinic_page_shows_the_next_free_time_in_its_zone_and_links_to_booking_it(client):
    clinic, service, _ = bookable_clinic(name="Chelsea")
    response = client.get(f"/clinics/{clinic.slug}")
    # 9 AM now, two hours' notice: 11 AM today, New York time.
    assert "Next available: Mon 23 Nov, 11:00 AM EST" in text(response)
    link = next_available_link(response)
    assert link.startswith("/book/details?")
    assert f"service={service.slug}" in link and "practitioner=any" in link
    details = text(client.get(link))
    assert "Monday 23 November 2026 at 11:00 AM EST" in details


def test_next_free_time_is_on_the_clinics_own_clock(client):
    clinic, _, _ = bookable_clinic(name="Phoenix Central", city="Phoenix", state="AZ", zip_code="85004")
    # 7 AM in Phoenix now; the earliest is 9 AM, when the practitioner starts.
    assert "Next available: Mon 23 Nov, 9:00 AM MST" in text(client.get(f"/clinics/{clinic.slug}"))


def test_next_free_time_skips_booked_times_time_off_and_holiday_closures(client):
    clinic, service, practitioner = bookable_clinic()
    make_booking(clinic, service, practitioner, now=NOW)  # takes 11:00
    assert "Next available: Mon 23 Nov, 11:30 AM EST" in text(client.get(f"/clinics/{clinic.slug}"))

    monday = datetime(2026, 11, 23, 5, tzinfo=UTC)
    db.session.add(TimeOff(practitioner_id=practitioner.id, start_at=monday, end_at=monday + timedelta(days=1)))
    db.session.commit()
    assert "Next available: Tue 24 Nov, 9:00 AM EST" in text(client.get(f"/clinics/{clinic.slug}"))

    clinic.closures.append(ClinicClosure(closed_on=date(2026, 11, 24), reason="Staff training"))
    db.session.commit()
    assert "Next available: Wed 25 Nov, 9:00 AM EST" in text(client.get(f"/clinics/{clinic.slug}"))


def test_the_first_bookable_service_is_the_new_patient_one_unless_the_clinic_is_not_taking_new_patients(client):
    clinic = make_clinic(name="Two Services")
    first_visit = make_service(clinics=[clinic], name="Initial assessment", duration_minutes=60, new_patients_only=True)
    follow_up = make_service(clinics=[clinic], name="Follow-up treatment", duration_minutes=30)
    make_practitioner(clinic, services=[first_visit, follow_up])
    response = client.get(f"/clinics/{clinic.slug}")
    assert "(Initial assessment)" in text(response) and f"service={first_visit.slug}" in next_available_link(response)

    clinic.accepting_new_patients = False
    db.session.commit()
    response = client.get(f"/clinics/{clinic.slug}")
    assert "(Follow-up treatment)" in text(response) and f"service={follow_up.slug}" in next_available_link(response)


def test_a_clinic_nobody_can_be_booked_at_shows_no_next_available_time(client):
    clinic = make_clinic(name="Empty Clinic")
    make_service(clinics=[clinic])
    assert "Next available" not in text(client.get(f"/clinics/{clinic.slug}"))


def test_a_clinic_fully_away_for_the_next_two_weeks_shows_no_next_available_time(client):
    clinic, _, practitioner = bookable_clinic()
    db.session.add(TimeOff(practitioner_id=practitioner.id, start_at=NOW, end_at=NOW + timedelta(days=20)))
    db.session.commit()
    assert "Next available" not in text(client.get(f"/clinics/{clinic.slug}"))


def test_each_nearest_result_shows_its_own_next_free_time(client):
    early, _, _ = bookable_clinic(name="Early Bird Clinic")
    late = make_clinic(name="Late Start Clinic")
    service = make_service(clinics=[late])
    make_practitioner(late, services=[service], hours=[Interval(day, time(14), time(17)) for day in range(5)])
    page = text(client.get("/clinics/nearest?q=10001"))
    early_card = page[page.index("Early Bird Clinic"):][:600]
    late_card = page[page.index("Late Start Clinic"):][:600]
    assert "Next available: Mon 23 Nov, 11:00 AM EST" in early_card
    assert "Next available: Mon 23 Nov, 2:00 PM EST" in late_card


def test_the_next_free_time_is_the_first_slot_the_booking_pages_offer(app):
    """The batched search agrees with the booking engine's own free_slots, whatever the
    schedule holds: breaks, bookings, time off, dated hours, another clinic's hours."""
    clinic, service, first = bookable_clinic()
    other = make_clinic(name="Other Clinic", city="Newark", state="NJ", zip_code="07102")
    second = make_practitioner(clinic, services=[service], hours=[Interval(d, time(12), time(17)) for d in range(5)])
    set_breaks(first, [WeeklyInterval(d, time(12), time(13)) for d in range(5)])
    db.session.add_all([
        TimeOff(practitioner_id=second.id, start_at=NOW, end_at=NOW + timedelta(days=2)),
        DatedHours(practitioner_id=first.id, clinic_id=clinic.id, on_date=date(2026, 11, 28),
                   starts=time(10), ends=time(12)),
        DatedHours(practitioner_id=second.id, clinic_id=other.id, on_date=date(2026, 11, 24),
                   starts=time(9), ends=time(10)),
    ])
    db.session.commit()
    for _ in range(6):
        make_booking(clinic, service, first, now=NOW)
    for hours_later in (0, 3, 7, 30, 80, 100):
        now = NOW + timedelta(hours=hours_later)
        today = now.astimezone(ZoneInfo(clinic.timezone)).date()
        expected = free_slots(clinic, service, today, 14, now)[0].start
        assert next_free_times([clinic, other], now)[clinic.id].start == expected


def test_listing_more_clinics_costs_no_more_queries(app):
    clinics = [bookable_clinic(name=f"Clinic {n}")[0] for n in range(6)]
    for clinic in clinics:  # loaded with the clinic, as the search and the clinic page do
        assert clinic.opening_hours and not clinic.closures

    def queries_for(some):
        statements = []
        listener = lambda *args, **kwargs: statements.append(1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            found = next_free_times(some, NOW)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        assert len(found) == len(some)
        return len(statements)

    assert queries_for(clinics) == queries_for(clinics[:2]) <= 7
    assert queries_for(clinics[:1]) <= 3  # one clinic's page: its calendar in one statement


def test_clinic_page_introduces_its_practitioners(client):
    clinic, service, _ = bookable_clinic(name="Chelsea")
    make_practitioner(clinic, services=[service], display_name="Jordan Reyes", credentials="DPT",
                      specialities="sciatica, running", bio="Treats runners and desk workers.",
                      photo_url="https://images.example/jordan.jpg")
    elsewhere = make_clinic(name="Elsewhere")
    make_practitioner(elsewhere, display_name="Sam Elsewhere")
    response = client.get(f"/clinics/{clinic.slug}")
    page = text(response)
    assert "Our practitioners" in page
    assert "Jordan Reyes" in page and "DPT" in page and "sciatica" in page and "Treats runners" in page
    assert '<img class="portrait" src="https://images.example/jordan.jpg" alt="Photo of Jordan Reyes"' in (
        response.get_data(as_text=True))
    assert "Sam Elsewhere" not in page
