"""Head office adds and edits clinics, with real validation beside each field."""

from datetime import date, time

import pytest
from sqlalchemy import func, select

from clinic_app.clinics.models import Clinic
from clinic_app.extensions import db
from tests.factories import make_clinic, make_user

NEW_CLINIC = {
    "name": "Back Solution Tempe",
    "status": "open",
    "address_line1": "60 E 5th Street",
    "city": "Tempe",
    "state": "AZ",
    "zip_code": "85281",
    "phone": "(555) 010-4455",
    "accepting_new_patients": "y",
    "day0-opens": "08:00",
    "day0-closes": "17:00",
    "day5-opens": "09:00",
    "day5-closes": "12:30",
    "closures": "2026-12-25 Christmas Day\n2027-01-01",
}


@pytest.fixture
def head_office(client):
    user = make_user("head_office")
    client.login(user.email)
    return user


def test_a_new_clinic_gets_coordinates_and_time_zone_from_its_zip(client, head_office):
    response = client.submit("/admin/clinics/new", NEW_CLINIC)
    assert response.headers["Location"] == "/admin/clinics"
    clinic = db.session.scalar(select(Clinic).where(Clinic.name == "Back Solution Tempe"))
    assert clinic.slug == "back-solution-tempe-tempe"
    assert clinic.timezone == "America/Phoenix"
    assert clinic.latitude == pytest.approx(33.42, abs=0.05)
    assert clinic.longitude == pytest.approx(-111.93, abs=0.05)
    assert [(h.weekday, h.opens, h.closes) for h in clinic.opening_hours] == [
        (0, time(8), time(17)),
        (5, time(9), time(12, 30)),
    ]
    assert [(c.closed_on, c.reason) for c in clinic.closures] == [
        (date(2026, 12, 25), "Christmas Day"),
        (date(2027, 1, 1), ""),
    ]
    page = client.get(f"/clinics/{clinic.slug}").get_data(as_text=True)
    assert "9:00 AM – 12:30 PM" in page and "MST" in page


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"zip_code": "1234"}, "zip_code", "Enter a 5-digit ZIP code."),
        ({"zip_code": "00000"}, "zip_code", "00000 is not a US ZIP code."),
        ({"zip_code": "10001"}, "zip_code", "ZIP 10001 is in New York, not Arizona."),
        ({"state": "XX"}, "state", "Choose a US state."),
        ({"state": ""}, "state", "Choose a US state."),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone", "Enter an IANA time zone"),
        ({"latitude": "95"}, "latitude", "Latitude is between -90 and 90."),
        ({"latitude": "33.4"}, "latitude", "Give both latitude and longitude"),
        ({"day0-closes": "07:00"}, "day0-closes", "Closing time must be after opening time."),
        ({"day0-closes": ""}, "day0-closes", "Give both times"),
        ({"closures": "25/12/2026"}, "closures", "Line 1: &#39;25/12/2026&#39; is not a date"),
        ({"name": ""}, "name", "Enter a name."),
        ({"phone": "call us!"}, "phone", "Use digits, spaces"),
    ],
)
def test_bad_clinic_details_are_shown_beside_the_field_and_nothing_is_saved(
    client, head_office, change, field, message
):
    response = client.submit("/admin/clinics/new", {**NEW_CLINIC, **change})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'id="{field}-error"' in page
    assert message in page[page.index(f'id="{field}-error"') :]
    assert db.session.scalar(select(func.count()).select_from(Clinic)) == 0


def test_two_clinics_cannot_share_a_web_address(client, head_office):
    make_clinic(slug="tempe")
    response = client.submit("/admin/clinics/new", {**NEW_CLINIC, "slug": "tempe"})
    assert "Another clinic already uses this web address." in response.get_data(as_text=True)


def test_editing_a_clinic_shows_its_hours_and_saves_changes(client, head_office):
    clinic = make_clinic(name="Editable", state="AZ", zip_code="85004", city="Phoenix")
    form_page = client.get(f"/admin/clinics/{clinic.id}/edit").get_data(as_text=True)
    assert 'value="09:00"' in form_page and 'value="Editable"' in form_page
    response = client.submit(
        f"/admin/clinics/{clinic.id}/edit",
        {
            **NEW_CLINIC,
            "name": "Edited",
            "slug": clinic.slug,
            "zip_code": "85004",
            "city": "Phoenix",
            "status": "temporarily_closed",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    edited = db.session.get(Clinic, clinic.id)
    assert (edited.name, edited.status, len(edited.opening_hours)) == ("Edited", "temporarily_closed", 2)


def test_editing_a_missing_clinic_is_not_found(client, head_office):
    assert client.get("/admin/clinics/9999/edit").status_code == 404


@pytest.mark.parametrize("status", ["planned", "coming_soon"])
def test_a_clinic_that_never_opened_cannot_be_opened_from_the_editor(client, head_office, status):
    """Opening goes through the rollout, which checks the checklist and tells who asked."""
    clinic = make_clinic(name="Not Yet", state="AZ", zip_code="85004", city="Phoenix", status=status)
    response = client.submit(
        f"/admin/clinics/{clinic.id}/edit",
        {**NEW_CLINIC, "slug": clinic.slug, "zip_code": "85004", "city": "Phoenix", "status": "open"},
    )
    assert response.status_code == 200 and "rollout pipeline" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Clinic, clinic.id).status == status


def test_a_temporarily_closed_clinic_reopens_from_the_editor(client, head_office):
    clinic = make_clinic(name="Paused", state="AZ", zip_code="85004", city="Phoenix", status="temporarily_closed")
    response = client.submit(
        f"/admin/clinics/{clinic.id}/edit",
        {**NEW_CLINIC, "slug": clinic.slug, "zip_code": "85004", "city": "Phoenix", "status": "open"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Clinic, clinic.id).status == "open"
