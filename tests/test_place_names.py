"""Place search as people type it: a city alone, any case, with or without a comma or its state
(code or name), common short names, and "did you mean" for near misses (issue 18). Pure: the
offline data only, no database."""

import pytest

from clinic_app.geo.geocoding import LocationNotFound, place_for_text
from clinic_app.geo.place_names import read_place_name, suggest_places

FOUND = [
    # cities alone, any case
    ("Austin", "Austin, TX"),
    ("austin", "Austin, TX"),
    ("AUSTIN", "Austin, TX"),
    ("New York", "New York, NY"),
    ("Phoenix", "Phoenix, AZ"),
    ("Portland", "Portland, OR"),
    ("Springfield", "Springfield, MO"),
    ("Washington", "Washington, DC"),
    ("Honolulu", "Honolulu, HI"),
    ("Anchorage", "Anchorage, AK"),
    ("Albuquerque", "Albuquerque, NM"),
    ("Louisville", "Louisville, KY"),
    ("Brooklyn", "Brooklyn, NY"),
    ("Kansas City", "Kansas City, MO"),
    ("Mcallen", "McAllen, TX"),
    ("Winston-Salem", "Winston-Salem, NC"),
    ("winston salem", "Winston-Salem, NC"),
    # with the state as a code or a name, with or without a comma
    ("austin tx", "Austin, TX"),
    ("Austin, TX", "Austin, TX"),
    ("austin,tx", "Austin, TX"),
    ("Austin Texas", "Austin, TX"),
    ("Phoenix AZ", "Phoenix, AZ"),
    ("phoenix, arizona", "Phoenix, AZ"),
    ("new york ny", "New York, NY"),
    ("New York, New York", "New York, NY"),
    ("portland me", "Portland, ME"),
    ("Portland, Maine", "Portland, ME"),
    ("springfield il", "Springfield, IL"),
    ("kansas city ks", "Kansas City, KS"),
    ("salt lake city utah", "Salt Lake City, UT"),
    ("Charlotte NC", "Charlotte, NC"),
    ("charleston south carolina", "Charleston, SC"),
    ("charleston wv", "Charleston, WV"),
    ("san juan pr", "San Juan, PR"),
    ("Washington DC", "Washington, DC"),
    # abbreviated words and common short names
    ("St Louis", "St. Louis, MO"),
    ("St. Louis, MO", "St. Louis, MO"),
    ("saint louis", "St. Louis, MO"),
    ("ft worth tx", "Fort Worth, TX"),
    ("Ft. Lauderdale", "Fort Lauderdale, FL"),
    ("NYC", "New York, NY"),
    ("nyc", "New York, NY"),
    ("New York City", "New York, NY"),
    ("LA", "Los Angeles, CA"),
    ("SF", "San Francisco, CA"),
    ("DC", "Washington, DC"),
    ("Philly", "Philadelphia, PA"),
    ("vegas", "Las Vegas, NV"),
    ("NOLA", "New Orleans, LA"),
    ("SLC", "Salt Lake City, UT"),
]

DID_YOU_MEAN = [
    # typos of well-known cities
    ("Pheonix", "Phoenix, AZ"),
    ("Chicgo", "Chicago, IL"),
    ("Houstn tx", "Houston, TX"),
    ("Albequerque", "Albuquerque, NM"),
    ("Cincinatti", "Cincinnati, OH"),
    ("Sacremento", "Sacramento, CA"),
    ("Tuscon", "Tucson, AZ"),
    ("Philadelphai", "Philadelphia, PA"),
    ("Pittsburgh, KS", "Pittsburg, KS"),
    # the right city in the wrong state
    ("Phoenix, TX", "Phoenix, AZ"),
    ("Austin, CA", "Austin, TX"),
    # a state alone: its biggest cities
    ("Texas", "Houston, TX"),
    ("tx", "Houston, TX"),
    ("Indiana", "Indianapolis, IN"),
    ("Arizona", "Phoenix, AZ"),
]


@pytest.mark.parametrize(("typed", "label"), FOUND)
def test_a_place_is_found_however_it_is_typed(typed, label):
    assert place_for_text(typed).label == label


@pytest.mark.parametrize(("typed", "suggestion"), DID_YOU_MEAN)
def test_a_near_miss_is_answered_with_did_you_mean(typed, suggestion):
    with pytest.raises(LocationNotFound) as caught:
        place_for_text(typed)
    assert suggestion in caught.value.suggestions
    assert suggestion in caught.value.message


def test_the_table_has_at_least_forty_inputs():
    assert len(FOUND) + len(DID_YOU_MEAN) >= 40


@pytest.mark.parametrize("typed", ["letters", "Xyzzy Qwerty", "Atlantis under the sea"])
def test_text_like_no_place_is_not_found_without_suggestions(typed):
    with pytest.raises(LocationNotFound) as caught:
        place_for_text(typed)
    assert caught.value.suggestions == () and "could not find" in caught.value.message


def test_a_city_named_alone_offers_the_others_of_that_name():
    place = place_for_text("Portland")
    assert place.label == "Portland, OR" and "Portland, ME" in place.others


def test_a_city_named_with_its_state_offers_no_others():
    assert place_for_text("Portland, ME").others == ()


def test_a_state_alone_says_it_is_a_state():
    with pytest.raises(LocationNotFound, match="is a whole state"):
        place_for_text("Texas")


@pytest.mark.parametrize(
    ("typed", "first"),
    [("aus", "Austin, TX"), ("Austin k", "Austin, KY"), ("new y", "New York, NY"), ("st lo", "St. Louis, MO"),
     ("phoenix, a", "Phoenix, AZ"), ("sa", "San Antonio, TX")],
)
def test_suggestions_as_you_type_put_the_likeliest_place_first(typed, first):
    assert suggest_places(typed)[0] == first


@pytest.mark.parametrize("typed", ["", "a", " ", "zzzzzz"])
def test_too_little_or_nothing_matching_suggests_nothing(typed):
    assert suggest_places(typed) == []


def test_suggestions_are_at_most_eight():
    assert len(suggest_places("san")) == 8


def test_every_suggestion_is_found_when_searched():
    for label in suggest_places("spring"):
        assert read_place_name(label).place is not None
