"""The nearest-clinic search gives exactly what measuring every clinic would give."""

import random

import pytest
from geopy.distance import geodesic
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select

from clinic_app.clinics.models import Clinic, ClinicStatus
from clinic_app.clinics.search import find_nearest_clinics
from clinic_app.extensions import db
from clinic_app.geo.geometry import bounding_box, haversine_miles

# Anywhere in the United States and its surroundings, Alaska's Aleutians and Hawaii included.
US_LATITUDE = st.floats(min_value=17.0, max_value=72.0)
US_LONGITUDE = st.floats(min_value=-179.9, max_value=-64.0)


def _scatter_clinics(count: int, seed: int = 7) -> None:
    """Clinics at random points over the US (dense in the east, sparse in the west), a tenth
    of them coming soon, and a few sharing one spot."""
    rng = random.Random(seed)
    rows = []
    for n in range(count):
        lat, lng = (
            (rng.uniform(25, 49), rng.uniform(-125, -67)) if n % 5 else (rng.uniform(35, 42), rng.uniform(-80, -71))
        )
        if n % 50 == 0:
            lat, lng = 40.75, -73.99  # several clinics in one Manhattan building
        rows.append(
            {
                "slug": f"c{n}",
                "name": f"C{n}",
                "status": "coming_soon" if n % 10 == 3 else "open",
                "address_line1": "x",
                "address_line2": "",
                "city": "x",
                "state": "NY",
                "zip_code": "10001",
                "latitude": lat,
                "longitude": lng,
                "timezone": "America/New_York",
                "phone": "",
                "email": "",
                "accepting_new_patients": True,
                "description": "",
            }
        )
    db.session.execute(insert(Clinic), rows)
    db.session.commit()


def _exhaustive(lat, lng, limit, radius=None, status="open"):
    everyone = db.session.execute(select(Clinic.id, Clinic.latitude, Clinic.longitude).where(Clinic.status == status))
    measured = sorted((geodesic((lat, lng), (c_lat, c_lng)).miles, cid) for cid, c_lat, c_lng in everyone)
    if radius is not None:
        measured = [m for m in measured if m[0] <= radius]
    return [(cid, miles) for miles, cid in measured[:limit]]


@pytest.fixture
def network(app):
    _scatter_clinics(400)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lat=US_LATITUDE, lng=US_LONGITUDE, limit=st.integers(1, 12))
def test_nearest_matches_measuring_every_clinic(network, lat, lng, limit):
    ours = [(n.clinic.id, n.distance_miles) for n in find_nearest_clinics(lat, lng, limit)]
    reference = _exhaustive(lat, lng, limit)
    assert [cid for cid, _ in ours] == [cid for cid, _ in reference]
    for (_, got), (_, expected) in zip(ours, reference, strict=True):
        assert got == pytest.approx(expected, rel=0.005)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lat=US_LATITUDE, lng=US_LONGITUDE, radius=st.floats(1, 400))
def test_a_radius_keeps_exactly_the_clinics_inside_it(network, lat, lng, radius):
    ours = [n.clinic.id for n in find_nearest_clinics(lat, lng, 50, radius_miles=radius)]
    assert ours == [cid for cid, _ in _exhaustive(lat, lng, 50, radius)]


def test_coming_soon_clinics_are_searched_separately(network):
    soon = find_nearest_clinics(40.0, -75.0, 3, status=ClinicStatus.COMING_SOON)
    assert [n.clinic.status for n in soon] == ["coming_soon"] * 3
    assert [n.clinic.id for n in soon] == [cid for cid, _ in _exhaustive(40.0, -75.0, 3, status="coming_soon")]


def test_an_empty_network_finds_nothing(app):
    assert find_nearest_clinics(33.45, -112.07, 5) == []


def test_fewer_clinics_than_asked_for_returns_them_all(app):
    _scatter_clinics(3)  # all three open
    assert len(find_nearest_clinics(33.45, -112.07, 10)) == 3


@given(
    lat=st.floats(-89, 89),
    lng=st.floats(-180, 180),
    radius=st.floats(0.1, 3000),
    bearing_lat=st.floats(-1, 1),
    bearing_lng=st.floats(-1, 1),
)
def test_the_box_holds_every_point_within_the_radius(lat, lng, radius, bearing_lat, bearing_lng):
    box = bounding_box(lat, lng, radius)
    # A point somewhere around the centre, kept if it lies within the radius.
    point = (max(-90, min(90, lat + bearing_lat * radius / 60)), ((lng + bearing_lng * radius / 30 + 180) % 360) - 180)
    if geodesic((lat, lng), point).miles <= radius:
        assert box.min_latitude <= point[0] <= box.max_latitude
        if box.min_longitude is not None:
            assert box.min_longitude <= point[1] <= box.max_longitude


def test_haversine_stays_within_its_stated_error_of_the_geodesic():
    rng = random.Random(3)
    for _ in range(2000):
        a, b = (rng.uniform(17, 72), rng.uniform(-180, -64)), (rng.uniform(17, 72), rng.uniform(-180, -64))
        assert haversine_miles(*a, *b) == pytest.approx(geodesic(a, b).miles, rel=0.006)
