"""Where-next that a site-selection team would trust: clinics in the pipeline (from a chosen
stage) count as coverage when the toggle is on; candidates are places with their own
population above the configured floor, with the metro as context; each pick names the
nearest existing and planned clinics.

Hand-built places lie on the meridian 100 degrees west, as in test_where_next.py: with a
50-mile radius, places 0.5 degrees apart reach each other and places a degree apart do not."""

from __future__ import annotations

import re

import pytest

from clinic_app.demand.where_next import CandidateCity, DemandAt, PlannedClinic, rank_where_next
from clinic_app.demand.where_next_service import us_candidate_cities
from clinic_app.extensions import db
from clinic_app.geo.geometry import geodesic_miles
from clinic_app.rollout.models import ClinicRollout, RolloutStage
from tests.factories import make_clinic, make_user
from tests.test_where_next import add_searches, tables

LNG = -100.0


def place(name: str, lat: float, population: int) -> CandidateCity:
    return CandidateCity(name, "NE", lat, LNG, population)


BIG = place("Bigton", 40.0, 300_000)
SUBURB = place("Leafy", 40.3, 31_876)  # 20.7 miles from Bigton
FAR = place("Farley", 42.0, 80_000)
SMALL_ALONE = place("Tiny", 44.0, 20_000)


def ranked(planned=(), min_population=0, clinics=(), demand=(), radius=50, count=10):
    ranking = rank_where_next([BIG, SUBURB, FAR, SMALL_ALONE], list(demand), list(clinics), radius, count,
                              planned, min_population)
    return [pick.city.name for pick in ranking.picks], ranking


def test_a_pipeline_clinic_that_counts_keeps_every_place_within_its_radius_off_the_list():
    lease_signed = PlannedClinic(40.1, LNG, "Bigton clinic", "Lease signed", covers=True)

    names, _ = ranked(planned=[lease_signed])

    assert "Bigton" not in names and "Leafy" not in names
    assert names == ["Farley", "Tiny"]


def test_a_pipeline_clinic_that_does_not_count_leaves_its_places_on_the_list_and_is_named_as_planned():
    prospect = PlannedClinic(40.1, LNG, "Bigton clinic", "Prospect", covers=False)

    names, ranking = ranked(planned=[prospect])

    assert names[0] == "Bigton"
    planned = ranking.picks[0].nearest_planned
    assert (planned.name, planned.stage_label, round(planned.miles, 1)) == ("Bigton clinic", "Prospect", 6.9)


def test_a_small_place_is_not_proposed_but_its_people_count_for_the_city_that_reaches_it():
    names, ranking = ranked(min_population=50_000)

    assert names == ["Bigton", "Farley"]  # neither Leafy nor Tiny is a candidate
    assert ranking.picks[0].population_gained == 300_000 + 31_876


def test_a_suburb_shows_its_metro_as_context_and_ranks_on_what_it_newly_reaches():
    names, ranking = ranked(clinics=[(BIG.latitude, LNG)], radius=10)  # Bigton is served; Leafy is not

    leafy = next(p for p in ranking.picks if p.city.name == "Leafy")
    assert leafy.population_gained == 31_876
    assert (leafy.people_within_radius, leafy.metro_anchor) == (31_876, None)  # 10 miles: alone

    _, wide = ranked(radius=30)
    [leafy_wide] = [p for p in wide.picks if p.city.name == "Leafy"] or [None]
    bigton = wide.picks[0]
    assert bigton.city.name == "Bigton" and bigton.metro_anchor is None
    assert bigton.people_within_radius == 300_000 + 31_876
    assert leafy_wide is None  # Bigton's pick already reached all of Leafy


def test_each_pick_names_its_nearest_existing_clinic():
    existing = PlannedClinic(44.5, LNG, "Tiny Back Clinic", "Open")

    _, ranking = ranked(clinics=[existing], demand=[DemandAt(42.0, LNG, searches=1)])

    far = next(p for p in ranking.picks if p.city.name == "Farley")
    assert far.nearest_existing.name == "Tiny Back Clinic"
    assert far.nearest_clinic_miles == pytest.approx(far.nearest_existing.miles)
    assert round(far.nearest_existing.miles) == 173


# --- the page -------------------------------------------------------------------------------

ST_LOUIS = (38.627, -90.199)


@pytest.fixture
def head_office(client, app):
    make_user("head_office", email="chief@example.com")
    client.login("chief@example.com")
    return client


def st_louis_clinic(stage: RolloutStage) -> None:
    """A clinic in St. Louis at ``stage``, and people there searching for one (3,000 unserved
    searches: St. Louis would be the first pick if nothing covered it)."""
    add_searches(38.6, -90.2, 3000)
    clinic = make_clinic(name="Back Solution St. Louis", status="planned", city="St. Louis", state="MO",
                         zip_code="63102", latitude=ST_LOUIS[0], longitude=ST_LOUIS[1], timezone="America/Chicago")
    db.session.add(ClinicRollout(clinic=clinic, stage=stage))
    db.session.commit()


def picked_places(client, query: str) -> list[tuple[str, str]]:
    response = client.get(f"/headoffice/where-next?{query}")
    assert response.status_code == 200
    rows = tables(response.get_data(as_text=True))["picks-table"][1:]
    return [tuple(row[1].rsplit(", ", 1)) for row in rows]


def miles_from_st_louis(name: str, state: str) -> float:
    city = next(c for c in us_candidate_cities() if (c.name, c.state) == (name, state))
    return geodesic_miles(*ST_LOUIS, city.latitude, city.longitude)


def test_where_next_does_not_rank_a_city_within_the_radius_of_a_pipeline_clinic_when_the_toggle_is_on(head_office):
    st_louis_clinic(RolloutStage.LEASE_SIGNED)
    query = "radius_miles=50&count=25&pipeline_from=lease_signed"

    with_pipeline = picked_places(head_office, query + "&pipeline=y")
    without = picked_places(head_office, query)

    assert len(with_pipeline) == 25
    assert min(miles_from_st_louis(*p) for p in with_pipeline) > 50
    assert any(miles_from_st_louis(*p) <= 50 for p in without)  # the toggle off: St. Louis is open ground


def test_a_pipeline_clinic_counts_only_from_the_chosen_stage(head_office):
    st_louis_clinic(RolloutStage.SITE_SELECTED)

    from_lease = picked_places(head_office, "radius_miles=50&count=25&pipeline=y&pipeline_from=lease_signed")
    from_site = picked_places(head_office, "radius_miles=50&count=25&pipeline=y&pipeline_from=site_selected")

    assert any(miles_from_st_louis(*p) <= 50 for p in from_lease)
    assert min(miles_from_st_louis(*p) for p in from_site) > 50


def test_the_default_page_counts_the_pipeline_from_lease_signed_and_names_the_planned_clinic(head_office):
    st_louis_clinic(RolloutStage.PROSPECT)  # too early to count: named as planned

    html = head_office.get("/headoffice/where-next").get_data(as_text=True)

    assert re.search(r'<input [^>]*checked[^>]* name="pipeline" type="checkbox" value="y">', html)
    assert '<option selected value="lease_signed">Lease signed</option>' in html
    assert "Back Solution St. Louis (Prospect)" in html
    assert "people newly within 50 miles" in html
    assert "pipeline=y" in html and "pipeline_from=lease_signed" in html  # the CSV link asks the same


def test_no_proposed_place_has_fewer_people_of_its_own_than_the_configured_floor(head_office, app):
    app.config["WHERE_NEXT_MIN_CITY_POPULATION"] = 200_000
    found = picked_places(head_office, "radius_miles=50&count=25&pipeline=y&pipeline_from=lease_signed")
    populations = {(c.name, c.state): c.population for c in us_candidate_cities()}

    assert len(found) == 25 and min(populations[p] for p in found) >= 200_000
    assert "200,000 people or more of their own" in head_office.get("/headoffice/where-next").get_data(as_text=True)


def test_an_unknown_stage_is_shown_next_to_its_field(head_office):
    response = head_office.get("/headoffice/where-next?radius_miles=50&count=5&pipeline=y&pipeline_from=built")

    assert response.status_code == 422
    assert 'id="pipeline_from-error">Not a valid choice.' in response.get_data(as_text=True)


def test_which_clinics_not_yet_open_count_as_coverage(app):
    from clinic_app.rollout.service import pipeline_clinics

    st_louis_clinic(RolloutStage.FIT_OUT)
    make_clinic(name="Announced Clinic", status="coming_soon", state="NE", zip_code="68102", latitude=41.26,
                longitude=-95.94,
                timezone="America/Chicago")  # coming soon, no rollout
    make_clinic(name="Idea Clinic", status="planned", state="CO", zip_code="80202", latitude=39.75, longitude=-104.99,
                timezone="America/Denver")  # planned, no rollout
    make_clinic(name="Open Clinic", status="open")  # not in the pipeline at all

    def counted(stage):
        return {(p.name, p.stage_label): p.covers for p in pipeline_clinics(stage)}

    assert counted("lease_signed") == {("Back Solution St. Louis", "Fit-out"): True,
                                       ("Announced Clinic", "Coming soon, no rollout"): True,
                                       ("Idea Clinic", "Planned, no rollout"): False}
    assert counted("hiring")[("Back Solution St. Louis", "Fit-out")] is False
    assert not any(counted(None).values())  # the toggle off: none counts
