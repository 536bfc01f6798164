"""GET /api/v1/clinics/nearest and the clinic resources, as an API client sees them."""

import pytest
from sqlalchemy import select

from clinic_app.clinics.models import ClinicStatus
from clinic_app.demand.models import DemandPoint
from clinic_app.extensions import db
from tests.factories import make_clinic

PHOENIX = {"city": "Phoenix", "state": "AZ", "zip_code": "85004"}


@pytest.fixture
def arizona(app):
    """Phoenix and Tucson open, Flagstaff opening soon, a planned one in Mesa."""
    return {
        "phoenix": make_clinic(name="Phoenix", **PHOENIX),
        "tucson": make_clinic(name="Tucson", city="Tucson", state="AZ", zip_code="85701"),
        "flagstaff": make_clinic(
            name="Flagstaff", city="Flagstaff", state="AZ", zip_code="86001", status=ClinicStatus.COMING_SOON
        ),
        "mesa": make_clinic(name="Mesa", city="Mesa", state="AZ", zip_code="85201", status=ClinicStatus.PLANNED),
    }


def test_nearest_by_zip_lists_open_clinics_nearest_first_with_distances(client, arizona):
    body = client.get("/api/v1/clinics/nearest?zip=85701").get_json()
    assert body["origin"]["label"] == "85701 (Tucson, AZ)"
    assert [r["clinic"]["name"] for r in body["results"]] == ["Tucson", "Phoenix"]
    assert body["results"][0]["distance_miles"] < 1
    assert body["results"][1]["distance_miles"] == pytest.approx(108, abs=3)  # Tucson to Phoenix


def test_a_clinic_in_the_api_has_every_documented_field(client, arizona):
    clinic = client.get("/api/v1/clinics/nearest?zip=85004&limit=1").get_json()["results"][0]["clinic"]
    assert clinic["address"]["line1"].endswith("Test Street")
    assert {k: v for k, v in clinic["address"].items() if k != "line1"} == {
        "line2": "",
        "city": "Phoenix",
        "state": "AZ",
        "zip": "85004",
    }
    assert set(clinic) >= {
        "id",
        "slug",
        "name",
        "status",
        "address",
        "latitude",
        "longitude",
        "timezone",
        "phone",
        "opening_hours",
        "accepting_new_patients",
        "url",
    }
    assert clinic["timezone"] == "America/Phoenix"
    assert clinic["opening_hours"][0] == {"weekday": 0, "opens": "09:00", "closes": "17:00"}
    assert clinic["url"] == f"http://localhost/clinics/{clinic['slug']}"


def test_nearest_by_place_name_and_by_coordinates(client, arizona):
    by_city = client.get("/api/v1/clinics/nearest?q=Tucson,%20Arizona&limit=1").get_json()
    assert by_city["results"][0]["clinic"]["name"] == "Tucson"
    by_point = client.get("/api/v1/clinics/nearest?lat=33.45&lng=-112.07&limit=1").get_json()
    assert by_point["results"][0]["clinic"]["name"] == "Phoenix"


def test_radius_and_limit_narrow_the_results(client, arizona):
    body = client.get("/api/v1/clinics/nearest?zip=85004&radius_miles=50").get_json()
    assert [r["clinic"]["name"] for r in body["results"]] == ["Phoenix"]
    assert len(client.get("/api/v1/clinics/nearest?zip=85004&limit=1").get_json()["results"]) == 1


def test_coming_soon_clinics_within_the_service_radius_are_listed_apart(client, arizona):
    body = client.get("/api/v1/clinics/nearest?zip=86001").get_json()
    assert [r["clinic"]["name"] for r in body["coming_soon"]] == ["Flagstaff"]
    assert "Flagstaff" not in [r["clinic"]["name"] for r in body["results"]]
    assert "Mesa" not in str(body)  # planned clinics are never shown


@pytest.mark.parametrize(
    "query, status, code, says",
    [
        ("", 422, "validation_failed", "Give exactly one of zip, q, or lat with lng."),
        ("zip=", 422, "invalid_location", "5-digit ZIP"),
        ("zip=abcde", 422, "invalid_location", "5-digit ZIP"),
        ("zip=00000", 404, "location_not_found", "could not find the ZIP code 00000"),
        ("q=Atlantis", 404, "location_not_found", "could not find"),
        ("q=", 422, "validation_failed", "q:"),
        ("lat=999&lng=0", 422, "validation_failed", "lat:"),
        ("lat=33", 422, "validation_failed", "Give both lat and lng."),
        ("lat=abc&lng=1", 422, "validation_failed", "lat: Not a valid number."),
        ("lat=nan&lng=1", 422, "validation_failed", "lat:"),
        ("zip=85004&lat=33&lng=-112", 422, "validation_failed", "exactly one"),
        ("zip=85004&q=Phoenix,AZ", 422, "validation_failed", "exactly one"),
        ("zip=85004&limit=0", 422, "validation_failed", "limit:"),
        ("zip=85004&limit=99999999999999999999999", 422, "validation_failed", "limit:"),
        ("zip=85004&radius_miles=-5", 422, "validation_failed", "radius_miles:"),
        ("zip=%D9%A8%D9%A5%D9%A0%D9%A0%D9%A4", 422, "invalid_location", "5-digit ZIP"),  # Arabic-Indic digits
    ],
)
def test_bad_parameters_get_a_4xx_that_says_what_to_fix(client, arizona, query, status, code, says):
    response = client.get(f"/api/v1/clinics/nearest?{query}")
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["code"] == code and says in error["message"]


def test_each_search_leaves_one_coarse_anonymous_demand_point(client, arizona):
    client.get("/api/v1/clinics/nearest?zip=85701")
    client.get("/api/v1/clinics/nearest?lat=47.6062&lng=-122.3321")  # Seattle: nothing near
    points = db.session.scalars(select(DemandPoint).order_by(DemandPoint.id)).all()
    assert [(p.area, p.served) for p in points] == [("ZIP 857", True), ("47.6,-122.3", False)]
    assert (points[1].latitude, points[1].longitude) == (47.6, -122.3)
    assert points[1].nearest_open_miles == pytest.approx(1120, rel=0.05)


def test_clinic_list_and_single_clinic(client, arizona):
    names = [c["name"] for c in client.get("/api/v1/clinics").get_json()["clinics"]]
    assert sorted(names) == ["Flagstaff", "Phoenix", "Tucson"]
    phoenix = client.get(f"/api/v1/clinics/{arizona['phoenix'].id}").get_json()
    assert phoenix["name"] == "Phoenix"
    missing = client.get(f"/api/v1/clinics/{arizona['mesa'].id}")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"


def test_the_openapi_document_describes_the_nearest_endpoint_from_its_schemas(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    nearest = spec["paths"]["/api/v1/clinics/nearest"]["get"]
    parameters = {p["name"]: p for p in nearest["parameters"]}
    assert set(parameters) >= {"zip", "q", "lat", "lng", "limit", "radius_miles"}
    assert parameters["limit"]["schema"]["maximum"] == 50
    assert {"200", "404", "422"} <= set(nearest["responses"])
    assert "Clinic" in spec["components"]["schemas"]
