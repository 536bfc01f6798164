"""Where to open next, and the network map.

The greedy rule runs on hand-built cities along the meridian 100 degrees west, where a degree
of latitude is 69.09 great-circle miles: with a 50-mile radius, cities 0.5 degrees apart reach
each other and cities a whole degree apart do not.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import insert

from clinic_app.demand.models import DemandPoint, OpeningAlertSignup
from clinic_app.demand.where_next import SEARCH_WEIGHT, CandidateCity, DemandAt, rank_where_next
from clinic_app.demand.where_next_service import demand_weights, us_candidate_cities
from clinic_app.extensions import db
from clinic_app.geo.geometry import EARTH_MEAN_RADIUS_MILES, geodesic_miles
from tests.factories import make_clinic, make_user

LNG = -100.0
MILES_PER_DEGREE = EARTH_MEAN_RADIUS_MILES * 3.141592653589793 / 180


def city(name: str, lat: float, population: int) -> CandidateCity:
    return CandidateCity(name, "NE", lat, LNG, population)


A = city("Ashby", 40.0, 100_000)
B = city("Brome", 40.5, 90_000)  # 34.5 miles from Ashby and from Cole
C = city("Cole", 41.0, 20_000)  # 69 miles from Ashby: out of reach
D = city("Dunn", 45.0, 60_000)
E = city("Eyre", 50.2, 500_000)  # 13.8 miles from the open clinic
CLINIC = (50.0, LNG)
DEMAND = [
    DemandAt(45.3, LNG, searches=10, signups=2),  # near Dunn
    DemandAt(41.3, LNG, searches=3),  # near Cole, 55 miles from Brome
    DemandAt(50.1, LNG, searches=100, signups=7),  # the open clinic covers these
]


def test_second_best_city_is_skipped_when_the_first_pick_already_covers_its_people():
    """Alone, Ashby would reach 190,000 people (itself and Brome) and rank second; but Brome,
    picked first for reaching 210,000 (all three of Ashby, Brome and Cole), already covers them."""
    ranking = rank_where_next([A, B, C, D, E], DEMAND, [CLINIC], 50, count=5)

    picked = [(p.rank, p.city.name, p.population_gained, p.searches_covered, p.signups_covered, p.score)
              for p in ranking.picks]
    assert picked == [
        (1, "Brome", 210_000, 0, 0, 210_000),
        (2, "Dunn", 60_000, 10, 2, 60_000 + 10 * SEARCH_WEIGHT),
        (3, "Cole", 0, 3, 0, 3 * SEARCH_WEIGHT),
    ]


def test_picking_stops_when_no_city_would_cover_anything_new():
    ranking = rank_where_next([A, B, C, D, E], DEMAND, [CLINIC], 50, count=25)

    assert [p.city.name for p in ranking.picks] == ["Brome", "Dunn", "Cole"]


def test_what_no_clinic_covers_is_counted_before_the_picks():
    """Eyre and the searches beside the open clinic are covered already."""
    ranking = rank_where_next([A, B, C, D, E], DEMAND, [CLINIC], 50, count=1)

    assert (ranking.uncovered_population, ranking.uncovered_searches, ranking.uncovered_signups) == (270_000, 13, 2)
    assert [p.city.name for p in ranking.picks] == ["Brome"]


def test_each_pick_shows_the_geodesic_distance_to_the_nearest_existing_clinic():
    far_clinic = (30.0, LNG)
    ranking = rank_where_next([A, D], [], [CLINIC, far_clinic], 50, count=2)

    distances = {p.city.name: p.nearest_clinic_miles for p in ranking.picks}
    assert distances["Ashby"] == pytest.approx(geodesic_miles(40.0, LNG, 30.0, LNG))
    assert distances["Dunn"] == pytest.approx(geodesic_miles(45.0, LNG, 50.0, LNG))
    assert round(distances["Ashby"], 1) == 689.4  # ten degrees of latitude on the ellipsoid


def test_without_any_clinic_the_distance_is_left_empty():
    ranking = rank_where_next([A], [], [], 50, count=1)

    assert ranking.picks[0].nearest_clinic_miles is None
    assert ranking.picks[0].population_gained == 100_000


def test_equal_scores_go_to_the_larger_city():
    """Ashby (60,000) and Brome (40,000) reach each other: both would cover 100,000 people."""
    cities = [city("Brome", 40.3, 40_000), city("Ashby", 40.0, 60_000)]

    ranking = rank_where_next(cities, [], [], 50, count=2)

    assert [(p.city.name, p.score) for p in ranking.picks] == [("Ashby", 100_000)]


@pytest.mark.parametrize(("miles", "reached"), [(49.0, True), (50.0 - 1e-6, True), (50.001, False), (51.0, False)])
def test_a_city_counts_as_reached_up_to_the_radius(miles, reached):
    near = city("Near", 40.0 + miles / MILES_PER_DEGREE, 5_000)

    ranking = rank_where_next([A, near], [], [], 50, count=1)

    assert ranking.picks[0].population_gained == (105_000 if reached else 100_000)


def test_searches_outweigh_a_bigger_city_only_in_numbers():
    """Fifteen searches weigh as much as 15,000 people."""
    quiet = city("Quiet", 40.0, 40_000)
    wanted = city("Wanted", 44.0, 30_000)
    searched = [DemandAt(44.2, LNG, searches=11)]

    ranking = rank_where_next([quiet, wanted], searched, [], 50, count=1)

    assert ranking.picks[0].city.name == "Wanted"
    assert ranking.picks[0].score == 30_000 + 11 * SEARCH_WEIGHT


def test_candidates_are_the_us_cities_of_at_least_15000_people():
    cities = us_candidate_cities()

    assert len(cities) > 3000
    assert min(c.population for c in cities) >= 15_000
    assert any(c.name == "Denver" and c.state == "CO" for c in cities)


# --- the service and the pages -------------------------------------------------------------

TODAY = date.today()


def add_searches(lat: float, lng: float, count: int, served: bool = False, days_ago: int = 1, area: str = ""):
    rows = [{"searched_on": TODAY - timedelta(days=days_ago), "area": area or f"{lat:.1f},{lng:.1f}",
             "latitude": lat, "longitude": lng, "nearest_open_miles": None, "served": served}] * count
    db.session.execute(insert(DemandPoint), rows)


def add_signup(email: str, zip_code: str, lat: float, lng: float, unsubscribed: bool = False):
    db.session.add(OpeningAlertSignup(
        email=email, zip_code=zip_code, latitude=lat, longitude=lng, unsubscribe_token=email,
        unsubscribed_at=datetime(2026, 1, 1, tzinfo=UTC) if unsubscribed else None,
    ))


def test_demand_is_counted_per_point_from_the_last_year_with_active_signups(app):
    add_searches(46.9, -110.4, 4)
    add_searches(46.9, -110.4, 2, served=True)
    add_searches(46.9, -110.4, 5, days_ago=400)  # too old
    add_searches(44.1, -103.2, 1)
    add_signup("a@example.com", "59001", 45.5, -109.5)
    add_signup("b@example.com", "59002", 45.5, -109.5)
    add_signup("c@example.com", "59003", 45.5, -109.5, unsubscribed=True)
    db.session.commit()

    weights = {(d.latitude, d.longitude): (d.searches, d.signups) for d in demand_weights(TODAY)}

    assert weights == {(46.9, -110.4): (6, 0), (44.1, -103.2): (1, 0), (45.5, -109.5): (0, 2)}


@pytest.fixture
def network(app):
    """A small network as the demo has it: open, coming soon and planned clinics, unserved
    searches in two areas and sign-ups in two ZIP3 areas."""
    make_clinic(name="Denver Back Clinic", status="open", city="Denver", state="CO", zip_code="80202",
                latitude=39.75, longitude=-104.99, timezone="America/Denver")
    make_clinic(name="Boise Back Clinic", status="coming_soon", city="Boise", state="ID", zip_code="83702",
                latitude=43.62, longitude=-116.2, timezone="America/Boise")
    make_clinic(name="Reno Back Clinic", status="planned", city="Reno", state="NV", zip_code="89501",
                latitude=39.53, longitude=-119.81, timezone="America/Los_Angeles")
    add_searches(46.9, -110.4, 7, area="ZIP 590")
    add_searches(44.1, -103.2, 3, area="ZIP 577")
    add_searches(39.7, -105.0, 4, served=True, area="ZIP 802")
    add_signup("a@example.com", "59001", 45.5, -109.5)
    add_signup("b@example.com", "59002", 45.6, -109.4)
    add_signup("c@example.com", "57701", 44.1, -103.2)
    db.session.commit()


@pytest.fixture
def head_office(client, network):
    make_user("head_office", email="chief@example.com")
    client.login("chief@example.com")
    return client


class TableReader(HTMLParser):
    """Rows of text of every table with an id."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.current = None
        self.cell = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.current = self.tables.setdefault(dict(attrs).get("id", ""), [])
        elif tag == "tr" and self.current is not None:
            self.current.append([])
        elif tag in ("td", "th") and self.current is not None:
            self.cell = []

    def handle_endtag(self, tag):
        if tag == "table":
            self.current = None
        elif tag in ("td", "th") and self.cell is not None:
            self.current[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def tables(html: str) -> dict[str, list[list[str]]]:
    reader = TableReader()
    reader.feed(html)
    return reader.tables


def test_network_page_lists_clinics_by_status_searches_and_signups(head_office):
    response = head_office.get("/headoffice/network")

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    found = tables(response.get_data(as_text=True))
    assert found["status-counts"][1:] == [["Open", "1"], ["Coming soon", "1"], ["Planned", "1"],
                                          ["Temporarily closed", "0"], ["Closed", "0"]]
    assert found["clinic-table"][1:] == [
        ["Denver Back Clinic", "Denver, CO", "Open"],
        ["Boise Back Clinic", "Boise, ID", "Coming soon"],
        ["Reno Back Clinic", "Reno, NV", "Planned"],
    ]
    assert found["searches-heading-table"][1:] == [["ZIP 590", "7"], ["ZIP 577", "3"]]
    assert found["signups-heading-table"][1:] == [["ZIP 590", "2"], ["ZIP 577", "1"]]


def test_network_map_gets_the_same_rows_as_the_tables(head_office):
    html = head_office.get("/headoffice/network").get_data(as_text=True)

    data = json.loads(re.search(r'<script type="application/json" id="network-data">(.*?)</script>', html, re.S)[1])
    assert [(c["name"], c["letter"]) for c in data["clinics"]] == [
        ("Denver Back Clinic", "O"), ("Boise Back Clinic", "S"), ("Reno Back Clinic", "P")]
    assert [(a["area"], a["count"]) for a in data["searches"]] == [("ZIP 590", 7), ("ZIP 577", 3)]
    assert data["signups"][0] == {"area": "ZIP 590", "count": 2, "lat": 45.55, "lng": -109.45}
    assert 'src="/static/js/network_map.js"' in html


MARKUP_NAME = "</script><script>alert(1)</script><!-- <img src=x onerror=alert(1)> & 'x'"


def test_the_map_data_block_carries_a_clinic_name_as_escaped_json_text(head_office):
    make_clinic(name=MARKUP_NAME, city="Helena", state="MT", zip_code="59601")
    html = head_office.get("/headoffice/network").get_data(as_text=True)

    block = re.search(r'<script type="application/json" id="network-data">(.*?)</script>', html, re.S)[1]
    assert not set("<>&'") & set(block)  # nothing in it can end the script element or open a comment
    assert MARKUP_NAME in [c["name"] for c in json.loads(block)["clinics"]]


def test_where_next_page_ranks_cities_with_their_numbers(head_office):
    response = head_office.get("/headoffice/where-next")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    rows = tables(html)["picks-table"][1:]
    assert [row[0] for row in rows] == [str(n) for n in range(1, 11)]
    # The searches beside Denver are covered by its clinic; the others are not.
    assert "Not covered today:" in html and "10 searches and 3 sign-ups" in html
    assert 'value="50"' in html and "Score</strong> = population gained + 1,000 × searches covered" in html


def test_the_csv_file_has_the_rows_of_the_page(head_office):
    html = head_office.get("/headoffice/where-next?radius_miles=40&count=5").get_data(as_text=True)
    response = head_office.get("/headoffice/where-next.csv?radius_miles=40&count=5")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    file_rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    page_rows = tables(html)["picks-table"][1:]
    assert len(file_rows) == 6
    assert [(r[0], f"{r[1]}, {r[2]}", f"{int(r[4]):,}", f"{int(r[7]):,}") for r in file_rows[1:]] == [
        (r[0], r[1], r[3], r[6]) for r in page_rows]


def test_a_city_where_a_clinic_already_stands_is_not_proposed(head_office):
    first = tables(head_office.get("/headoffice/where-next").get_data(as_text=True))["picks-table"][1][1]
    name, state = first.rsplit(", ", 1)
    top = next(c for c in us_candidate_cities() if (c.name, c.state) == (name, state))
    make_clinic(name="New Flagship", status="open", state="NY", zip_code="10001",
                latitude=top.latitude, longitude=top.longitude, timezone="America/New_York")

    rows = tables(head_office.get("/headoffice/where-next").get_data(as_text=True))["picks-table"][1:]

    assert first not in [row[1] for row in rows]


@pytest.mark.parametrize(("query", "field", "message"), [
    ("radius_miles=abc&count=5", "radius_miles", "Not a valid integer value."),
    ("radius_miles=4&count=5", "radius_miles", "Enter a whole number of miles from 5 to 300."),
    ("radius_miles=50&count=26", "count", "Enter a whole number from 1 to 25."),
    ("radius_miles=50&count=", "count", "Enter how many cities to pick."),
])
def test_a_bad_field_is_shown_next_to_it(head_office, query, field, message):
    response = head_office.get(f"/headoffice/where-next?{query}")

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(rf'id="{field}-error">[^<]*{re.escape(message)}', html)
    assert "picks-table" not in html
    assert head_office.get(f"/headoffice/where-next.csv?{query}").status_code == 422


def test_head_office_home_links_to_the_map_and_the_ranking(head_office):
    html = head_office.get("/headoffice/").get_data(as_text=True)

    assert 'href="/headoffice/network"' in html and 'href="/headoffice/where-next"' in html


def test_a_long_list_says_how_many_areas_there_are_in_all(head_office, monkeypatch):
    monkeypatch.setattr("clinic_app.demand.network_data.MAX_AREAS", 1)

    html = head_office.get("/headoffice/network").get_data(as_text=True)

    assert tables(html)["searches-heading-table"][1:] == [["ZIP 590", "7"]]
    assert "The 1 largest of 2 areas." in html
