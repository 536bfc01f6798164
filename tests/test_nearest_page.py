"""The nearest-clinic page and "tell me when a clinic opens near me"."""

import json
import re

import pytest
from sqlalchemy import func, select

from clinic_app.clinics.models import ClinicStatus
from clinic_app.demand.models import DemandPoint, OpeningAlertSignup
from clinic_app.extensions import db
from tests.factories import make_clinic


@pytest.fixture
def arizona(app):
    make_clinic(name="Phoenix Central", city="Phoenix", state="AZ", zip_code="85004")
    make_clinic(name="Tucson Downtown", city="Tucson", state="AZ", zip_code="85701")
    make_clinic(name="Flagstaff Soon", city="Flagstaff", state="AZ", zip_code="86001", status=ClinicStatus.COMING_SOON)


def test_home_page_offers_the_search_box(client):
    page = client.get("/").get_data(as_text=True)
    assert 'action="/clinics/nearest"' in page and 'name="q"' in page and "Use my location" in page


def test_searching_a_zip_lists_the_nearest_first_with_distance_and_links(client, arizona):
    page = client.get("/clinics/nearest?q=85701").get_data(as_text=True)
    assert "Clinics near 85701 (Tucson, AZ)" in page
    assert page.index("Tucson Downtown") < page.index("Phoenix Central")
    assert re.search(r"<strong>0\.\d miles</strong>", page)
    assert "/book/service?clinic=" in page  # "Book here" starts at the kind of visit
    assert "https://www.google.com/maps/dir/?api=1&amp;destination=" in page
    assert "https://maps.apple.com/?daddr=" in page
    data = json.loads(re.search(r'<script type="application/json" id="map-data">(.*?)</script>', page).group(1))
    assert [c["name"] for c in data["clinics"]] == ["Tucson Downtown", "Phoenix Central"]


def test_the_map_data_block_carries_a_clinic_name_as_escaped_json_text(client):
    name = "</script><script>alert(1)</script><!-- <img src=x onerror=alert(1)> & 'x'"
    make_clinic(name=name, city="Tucson", state="AZ", zip_code="85701")
    page = client.get("/clinics/nearest?q=85701").get_data(as_text=True)

    block = re.search(r'<script type="application/json" id="map-data">(.*?)</script>', page).group(1)
    assert not set("<>&'") & set(block)  # nothing in it can end the script element or open a comment
    assert [c["name"] for c in json.loads(block)["clinics"]] == [name]


def test_searching_a_city_works_too(client, arizona):
    page = client.get("/clinics/nearest?q=phoenix,+az").get_data(as_text=True)
    assert "Clinics near Phoenix, AZ" in page
    assert page.index("Phoenix Central") < page.index("Tucson Downtown")


def test_the_browsers_location_searches_from_that_point(client, arizona):
    page = client.get("/clinics/nearest?lat=32.2226&lng=-110.9747").get_data(as_text=True)
    assert "Clinics near your location" in page
    assert page.index("Tucson Downtown") < page.index("Phoenix Central")


def test_coming_soon_nearby_is_shown_as_opening_soon(client, arizona):
    page = client.get("/clinics/nearest?q=86001").get_data(as_text=True)
    assert "Opening soon near you" in page and "Flagstaff Soon" in page


def test_far_from_any_clinic_offers_to_tell_me_when_one_opens(client, arizona):
    page = client.get("/clinics/nearest?q=98101").get_data(as_text=True)  # Seattle
    assert "No open clinic within 50 miles yet" in page
    assert "Tell me when a clinic opens" in page
    assert 'name="zip_code" type="text" value="98101"' in page or 'value="98101"' in page


@pytest.mark.parametrize(
    "query, status, message",
    [
        ("q=", 422, "Enter a ZIP code or a city, such as 85004"),
        ("q=letters", 404, "We could not find “letters”"),
        ("q=00000", 404, "We could not find the ZIP code 00000"),
        ("q=1234", 422, "Enter a 5-digit ZIP code"),
        ("lat=999&lng=0", 422, "Latitude is between -90 and 90."),
        ("lat=33", 422, "A location needs both latitude and longitude."),
        ("q=85004&lat=33&lng=-112", 422, "not both"),
        ("q=" + "x" * 300, 422, "That is too long"),
        ("radius_miles=7&q=85004", 422, "Not a valid choice"),
    ],
)
def test_bad_searches_explain_themselves_on_the_page(client, arizona, query, status, message):
    response = client.get(f"/clinics/nearest?{query}")
    assert response.status_code == status
    page = response.get_data(as_text=True)
    assert message in page and 'aria-invalid="true"' in page
    assert db.session.scalar(select(func.count()).select_from(DemandPoint)) == 0


def test_signing_up_for_an_opening_alert_stores_consent_and_emails_an_unsubscribe_link(client, runner, smtp_server):
    response = client.submit(
        "/clinics/opening-alerts", {"email": "Hopeful@Example.com", "zip_code": "98101", "consent": "y"}
    )
    assert response.status_code == 302
    signup = db.session.scalar(select(OpeningAlertSignup))
    assert (signup.email, signup.zip_code, signup.unsubscribed_at) == ("hopeful@example.com", "98101", None)
    assert signup.consented_at is not None
    runner.invoke(args=["outbox", "send"])
    [message] = smtp_server.wait_for(1)
    link = re.search(
        r"http://localhost(/clinics/opening-alerts/unsubscribe/\S+)", message.get_payload(decode=True).decode()
    )
    assert link, "the e-mail carries an unsubscribe link"

    assert "Stop opening alerts" in client.get(link.group(1)).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(OpeningAlertSignup)).unsubscribed_at is None  # a GET changes nothing
    assert "You are unsubscribed" in client.submit(link.group(1), {}).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(OpeningAlertSignup)).unsubscribed_at is not None


def test_signing_up_twice_keeps_one_record(client):
    for _ in range(2):
        client.submit("/clinics/opening-alerts", {"email": "twice@example.com", "zip_code": "98101", "consent": "y"})
    assert db.session.scalar(select(func.count()).select_from(OpeningAlertSignup)) == 1


@pytest.mark.parametrize(
    "form, message",
    [
        ({"email": "x@example.com", "zip_code": "98101"}, "Tick the box"),
        ({"email": "nope", "zip_code": "98101", "consent": "y"}, "Enter a valid e-mail address."),
        ({"email": "x@example.com", "zip_code": "9810", "consent": "y"}, "Enter a 5-digit ZIP code."),
        ({"email": "x@example.com", "zip_code": "00000", "consent": "y"}, "We could not find the ZIP code 00000."),
    ],
)
def test_opening_alert_problems_are_shown_beside_the_field(client, form, message):
    page = client.submit("/clinics/opening-alerts", form).get_data(as_text=True)
    assert message in page
    assert db.session.scalar(select(func.count()).select_from(OpeningAlertSignup)) == 0


def test_an_unknown_unsubscribe_token_is_not_found(client):
    assert client.get("/clinics/opening-alerts/unsubscribe/not-a-token").status_code == 404


def test_clinic_page_carries_schema_org_medical_clinic_data(client, arizona):
    page = client.get("/clinics/phoenix-central-phoenix").get_data(as_text=True)
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1))
    assert data["@type"] == "MedicalClinic"
    assert data["address"]["postalCode"] == "85004" and data["geo"]["latitude"] == pytest.approx(33.4557)
    assert data["openingHoursSpecification"][0] == {
        "@type": "OpeningHoursSpecification",
        "dayOfWeek": "https://schema.org/Monday",
        "opens": "09:00",
        "closes": "17:00",
    }
