"""What a visitor sees on the clinic list and a clinic page."""

from datetime import date

from clinic_app.clinics.models import ClinicStatus
from tests.factories import make_clinic


def test_clinic_list_shows_open_and_coming_soon_clinics_but_not_planned_or_closed(client):
    make_clinic(name="Open Downtown")
    make_clinic(name="Soon Uptown", status=ClinicStatus.COMING_SOON)
    make_clinic(name="Secret Planned", status=ClinicStatus.PLANNED)
    make_clinic(name="Gone Away", status=ClinicStatus.CLOSED)
    page = client.get("/clinics").get_data(as_text=True)
    assert "Open Downtown" in page and "Soon Uptown" in page
    assert page.index("Open Downtown") < page.index("Opening soon") < page.index("Soon Uptown")
    assert "Secret Planned" not in page and "Gone Away" not in page


def test_clinic_page_shows_address_hours_in_local_time_phone_and_directions(client):
    clinic = make_clinic(
        name="Phoenix Central",
        city="Phoenix",
        state="AZ",
        zip_code="85004",
        address_line1="2 N Central Avenue",
        phone="(555) 010-2801",
    )
    page = client.get(f"/clinics/{clinic.slug}").get_data(as_text=True)
    assert "2 N Central Avenue" in page and "Phoenix, AZ 85004" in page
    assert "Local time (MST)" in page
    assert "9:00 AM – 5:00 PM" in page and '<th scope="row">Sunday</th>' in page
    assert 'href="tel:5550102801"' in page
    assert "https://www.google.com/maps/dir/?api=1&amp;destination=33.455700%2C-112.068600" in page


def test_clinic_page_lists_upcoming_holiday_closures(client):
    clinic = make_clinic(closures=((date(2099, 12, 25), "Christmas Day"), (date(2001, 1, 1), "Long ago")))
    page = client.get(f"/clinics/{clinic.slug}").get_data(as_text=True)
    assert "Friday 25 December 2099: Christmas Day" in page
    assert "Long ago" not in page


def test_planned_clinics_have_no_public_page(client):
    clinic = make_clinic(status=ClinicStatus.PLANNED)
    assert client.get(f"/clinics/{clinic.slug}").status_code == 404


def test_unknown_clinic_is_a_friendly_404_page(client):
    response = client.get("/clinics/nowhere")
    assert response.status_code == 404
    assert "We could not find that page." in response.get_data(as_text=True)


def test_home_page_counts_open_and_coming_soon_clinics(client):
    make_clinic()
    make_clinic(state="AZ", zip_code="85004", city="Phoenix")
    make_clinic(status=ClinicStatus.COMING_SOON)
    page = client.get("/").get_data(as_text=True)
    assert "2 clinics open, 1 opening soon" in page
    assert "Arizona, New York." in page
