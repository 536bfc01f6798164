"""The nearest-clinic API answers from serialised clinics kept in memory: what a patient sees
must still follow every edit at once in this process, and within the TTL from another."""

import json

import pytest
from sqlalchemy import select, update

from clinic_app.api.payloads import PAYLOAD_TTL_SECONDS, ClinicPayloads
from clinic_app.api.schemas import NearestResultSchema
from clinic_app.clinics.models import Clinic, ClinicStatus
from clinic_app.clinics.search import search_near
from clinic_app.clock import utcnow
from clinic_app.demand.models import DemandPoint
from clinic_app.extensions import db
from clinic_app.geo.geocoding import place_for_coordinates, place_for_zip
from tests.factories import make_clinic, make_user

NEAREST_PHOENIX = "/api/v1/clinics/nearest?zip=85004"
EDITED_PHOENIX = {
    "name": "Phoenix",
    "status": "open",
    "address_line1": "1 W Washington St",
    "city": "Phoenix",
    "state": "AZ",
    "zip_code": "85004",
    "phone": "(555) 010-2222",
    "accepting_new_patients": "y",
    "day0-opens": "08:00",
    "day0-closes": "17:00",
    "day5-opens": "09:00",
    "day5-closes": "12:30",
}


@pytest.fixture
def phoenix(app):
    return make_clinic(name="Phoenix", city="Phoenix", state="AZ", zip_code="85004", phone="(555) 010-1111")


def _clinics(client, url=NEAREST_PHOENIX) -> list[dict]:
    body = client.get(url).get_json()
    return [nearby["clinic"] for nearby in body["results"] + body["coming_soon"]]


def test_a_phone_number_edited_by_head_office_shows_in_the_next_answer(client, phoenix):
    assert _clinics(client)[0]["phone"] == "(555) 010-1111"
    client.login(make_user("head_office").email)
    edited = client.submit(f"/admin/clinics/{phoenix.id}/edit", {**EDITED_PHOENIX, "slug": phoenix.slug})
    assert edited.status_code == 302
    clinic = _clinics(client)[0]
    assert clinic["phone"] == "(555) 010-2222"
    assert clinic["opening_hours"] == [
        {"weekday": 0, "opens": "08:00", "closes": "17:00"},
        {"weekday": 5, "opens": "09:00", "closes": "12:30"},
    ]


def test_a_clinic_renamed_in_code_shows_its_new_name_at_once(client, phoenix):
    assert _clinics(client)[0]["name"] == "Phoenix"
    phoenix.name = "Phoenix Downtown"
    db.session.commit()
    assert _clinics(client)[0]["name"] == "Phoenix Downtown"


def test_a_clinic_that_opens_is_listed_as_open_at_once(client, phoenix):
    soon = make_clinic(name="Tempe", city="Tempe", state="AZ", zip_code="85281", status=ClinicStatus.COMING_SOON)
    body = client.get(NEAREST_PHOENIX).get_json()
    assert [(n["clinic"]["name"], n["clinic"]["status"]) for n in body["coming_soon"]] == [("Tempe", "coming_soon")]
    # Behind the cache's back (as another process would): status is never taken from the cache.
    db.session.execute(update(Clinic).where(Clinic.id == soon.id).values(status=ClinicStatus.OPEN))
    body = client.get(NEAREST_PHOENIX).get_json()
    assert [(n["clinic"]["name"], n["clinic"]["status"]) for n in body["results"]] == [
        ("Phoenix", "open"),
        ("Tempe", "open"),
    ]
    assert body["coming_soon"] == []


def test_a_clinic_that_closes_leaves_the_answer_at_once(client, phoenix):
    assert [c["name"] for c in _clinics(client)] == ["Phoenix"]
    db.session.execute(update(Clinic).where(Clinic.id == phoenix.id).values(status=ClinicStatus.CLOSED))
    assert _clinics(client) == []


@pytest.mark.parametrize(
    "query, origin, limit, radius",
    [
        ("zip=85004", lambda: place_for_zip("85004"), 5, None),
        ("zip=86001&limit=1", lambda: place_for_zip("86001"), 1, None),
        ("lat=32.2&lng=-110.9&radius_miles=150", lambda: place_for_coordinates(32.2, -110.9), 5, 150.0),
    ],
)
def test_a_cached_answer_is_what_the_schemas_give_for_the_loaded_clinics(client, phoenix, query, origin, limit, radius):
    make_clinic(name="Tucson", city="Tucson", state="AZ", zip_code="85701")
    make_clinic(name="Flagstaff", city="Flagstaff", state="AZ", zip_code="86001", status=ClinicStatus.COMING_SOON)
    client.get(f"/api/v1/clinics/nearest?{query}")  # fills the cache
    answer = client.get(f"/api/v1/clinics/nearest?{query}").get_json()
    found = search_near(origin(), limit, radius, 50, utcnow())
    expected = NearestResultSchema().dump(
        {"origin": found.origin, "results": found.results, "coming_soon": found.coming_soon}
    )
    assert answer == json.loads(json.dumps(expected))
    assert len(answer["results"]) + len(answer["coming_soon"]) >= 2


def test_each_cached_answer_still_records_its_demand_point(client, phoenix):
    for _ in range(3):
        client.get(NEAREST_PHOENIX)
    assert db.session.scalars(select(DemandPoint.area)).all() == ["ZIP 850"] * 3


def test_a_signed_in_patients_search_records_its_point_too(client, phoenix):
    client.login(make_user("patient").email)  # the session guard reads the user first
    assert [c["name"] for c in _clinics(client)] == ["Phoenix"]
    assert db.session.scalars(select(DemandPoint.area)).all() == ["ZIP 850"]


class FakeClock:
    def __init__(self):
        self.seconds = 1000.0

    def __call__(self):
        return self.seconds


def test_an_edit_made_elsewhere_shows_once_the_entry_expires(app, phoenix):
    clock = FakeClock()
    payloads = ClinicPayloads(clock=clock)
    assert payloads.get_many([phoenix.id])[phoenix.id]["phone"] == "(555) 010-1111"
    # Another process's edit: a plain UPDATE this process's ORM never sees.
    db.session.execute(update(Clinic).where(Clinic.id == phoenix.id).values(phone="(555) 010-3333"))
    clock.seconds += PAYLOAD_TTL_SECONDS - 1
    assert payloads.get_many([phoenix.id])[phoenix.id]["phone"] == "(555) 010-1111"
    clock.seconds += 1
    assert payloads.get_many([phoenix.id])[phoenix.id]["phone"] == "(555) 010-3333"
