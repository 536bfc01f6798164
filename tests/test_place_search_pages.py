"""Forgiving place search on the nearest-clinic page and in the API: a city alone, "did you
mean" links for a near miss, the other places of the same name, suggestions as you type."""

from tests.factories import make_clinic


def arizona():
    make_clinic(name="Phoenix Central", city="Phoenix", state="AZ", zip_code="85004")
    make_clinic(name="Tucson Downtown", city="Tucson", state="AZ", zip_code="85701")


def test_a_city_typed_alone_in_lower_case_finds_its_clinics(client):
    arizona()
    page = client.get("/clinics/nearest?q=phoenix").get_data(as_text=True)
    assert "Clinics near Phoenix, AZ" in page
    assert page.index("Phoenix Central") < page.index("Tucson Downtown")


def test_a_near_miss_offers_did_you_mean_links_that_search_the_place(client):
    arizona()
    response = client.get("/clinics/nearest?q=Pheonix")
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Did you mean" in page and 'href="/clinics/nearest?q=Phoenix,+AZ"' in page
    assert "Clinics near Phoenix, AZ" in client.get("/clinics/nearest?q=Phoenix,+AZ").get_data(as_text=True)


def test_a_city_named_alone_links_the_other_places_of_that_name(client):
    arizona()
    page = client.get("/clinics/nearest?q=Phoenix").get_data(as_text=True)
    assert "Not the one you meant?" in page and 'href="/clinics/nearest?q=Phoenix,+MD"' in page


def test_the_api_answers_a_near_miss_with_its_suggestions(client):
    arizona()
    response = client.get("/api/v1/clinics/nearest?q=Tuscon")
    error = response.get_json()["error"]
    assert response.status_code == 404 and error["code"] == "location_not_found"
    assert error["suggestions"] == ["Tucson, AZ"] and "Did you mean Tucson, AZ?" in error["message"]


def test_the_api_finds_a_city_by_its_short_name(client):
    make_clinic(name="Chelsea", city="New York", state="NY", zip_code="10011")
    body = client.get("/api/v1/clinics/nearest?q=NYC").get_json()
    assert body["results"][0]["clinic"]["name"] == "Chelsea"


def test_the_search_box_asks_for_suggestions_from_a_small_script(client):
    page = client.get("/").get_data(as_text=True)
    assert 'data-suggest-url="/clinics/place-suggestions"' in page and "data-place-suggestions" in page
    assert '<datalist id="place-suggestions">' in page and "/static/js/place_suggest.js" in page


def test_suggestions_as_you_type_come_as_json_and_may_be_cached(client):
    response = client.get("/clinics/place-suggestions?q=aus")
    assert response.get_json()["places"][0] == "Austin, TX"
    assert "public" in response.headers["Cache-Control"] and "max-age=86400" in response.headers["Cache-Control"]
    assert client.get("/clinics/place-suggestions?q=a").get_json() == {"places": []}
    assert client.get("/clinics/place-suggestions").get_json() == {"places": []}
