"""Street addresses go to an online geocoder only when one is configured; it is the one thing
these tests replace, because it lives outside this machine."""

import pytest
from geopy.exc import GeocoderTimedOut
from geopy.location import Location
from sqlalchemy import select

from clinic_app.clinics import address_lookup
from clinic_app.clinics.models import GeocodeCacheEntry
from clinic_app.extensions import db
from tests.factories import make_clinic

ADDRESS = "1600 W Camelback Rd, Phoenix"


class FakeGeocoder:
    """Stands in for a geopy geocoder class; counts the lookups that would cross the network."""

    calls: list[str] = []
    failure: Exception | None = None

    def __init__(self, **options):
        self.options = options

    def geocode(self, text, **kwargs):
        FakeGeocoder.calls.append(text)
        if FakeGeocoder.failure:
            raise FakeGeocoder.failure
        if "nowhere" in text:
            return None
        return Location(text, (33.509123, -112.097456), {})


@pytest.fixture
def geocoder(app, monkeypatch):
    app.config["GEOCODER"] = "nominatim"
    FakeGeocoder.calls, FakeGeocoder.failure = [], None
    monkeypatch.setattr(address_lookup, "get_geocoder_for_service", lambda name: FakeGeocoder)
    make_clinic(name="Phoenix Central", city="Phoenix", state="AZ", zip_code="85004")
    return FakeGeocoder


def test_an_address_is_geocoded_once_then_served_from_the_cache(client, geocoder):
    for _ in range(2):
        body = client.get("/api/v1/clinics/nearest", query_string={"q": ADDRESS}).get_json()
        assert body["results"][0]["clinic"]["name"] == "Phoenix Central"
    assert geocoder.calls == [ADDRESS]
    entry = db.session.scalar(select(GeocodeCacheEntry))
    assert (entry.latitude, entry.longitude) == (33.509, -112.097)  # about 100 m: not a front door
    assert "Camelback" not in entry.query_hash


def test_an_address_the_geocoder_does_not_know_is_a_404(client, geocoder):
    response = client.get("/api/v1/clinics/nearest", query_string={"q": "1 nowhere lane"})
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "location_not_found"
    assert "could not find that address" in response.get_json()["error"]["message"]


def test_an_unreachable_geocoder_is_a_plain_message_never_a_500(client, geocoder):
    geocoder.failure = GeocoderTimedOut("took too long")
    api = client.get("/api/v1/clinics/nearest", query_string={"q": ADDRESS})
    assert api.status_code == 503 and api.get_json()["error"]["code"] == "geocoder_unavailable"
    page = client.get("/clinics/nearest", query_string={"q": ADDRESS})
    assert page.status_code == 503
    assert "Address search is not available right now" in page.get_data(as_text=True)


def test_without_a_geocoder_addresses_are_not_sent_anywhere(app, client, geocoder):
    app.config["GEOCODER"] = ""
    response = client.get("/api/v1/clinics/nearest", query_string={"q": ADDRESS})
    assert response.status_code == 404
    assert "ZIP code, or a city and state" in response.get_json()["error"]["message"]
    assert geocoder.calls == []
