"""Where a patient is: a ZIP code, a "City, ST", raw coordinates, or (only when a geocoder
is configured) a street address. ZIPs and cities come from the offline ``zipcodes`` data set.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from statistics import fmean

import zipcodes

from clinic_app.errors import DomainError
from clinic_app.geo.states import US_STATES

ZIP_QUERY = re.compile(r"^([0-9]{5})(?:-[0-9]{4})?$", re.ASCII)
COORDINATES_QUERY = re.compile(r"^\s*(-?\d{1,3}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)\s*$", re.ASCII)
STATE_BY_NAME = {name.lower(): code for code, name in US_STATES.items()}


@dataclass(frozen=True)
class ZipLocation:
    zip_code: str
    city: str
    state: str
    latitude: float
    longitude: float
    timezone: str


@dataclass(frozen=True)
class Place:
    """A point a search starts from, with a label a person recognises."""

    latitude: float
    longitude: float
    label: str
    zip_code: str = ""


class LocationNotFound(DomainError):
    """Nothing matches what was typed; the message says what to try instead."""

    code = "location_not_found"
    status = 404


class InvalidLocation(DomainError):
    """The place given cannot be a place (latitude 999, say)."""

    code = "invalid_location"
    status = 422


@lru_cache(maxsize=1)
def _zip_index() -> dict[str, ZipLocation]:
    """Every ZIP with a known centre, loaded once per process (about 0.3 s)."""
    index = {}
    for row in zipcodes.list_all():
        if row.get("lat") and row.get("long"):
            index[row["zip_code"]] = ZipLocation(
                row["zip_code"], row["city"], row["state"], float(row["lat"]), float(row["long"]), row["timezone"] or ""
            )
    return index


@lru_cache(maxsize=1)
def _city_index() -> dict[tuple[str, str], Place]:
    """(city, state) -> the mean centre of the city's standard ZIP codes."""
    points: dict[tuple[str, str], list[ZipLocation]] = defaultdict(list)
    for location in _zip_index().values():
        points[(location.city.lower(), location.state)].append(location)
    return {
        key: Place(
            fmean(p.latitude for p in group),
            fmean(p.longitude for p in group),
            f"{group[0].city.title()}, {key[1]}",
        )
        for key, group in points.items()
    }


def warm_up() -> None:
    """Build the indexes now rather than on the first search."""
    _city_index()


def all_zip_locations() -> list[ZipLocation]:
    return list(_zip_index().values())


def locate_zip(zip_code: str) -> ZipLocation | None:
    """The centre of a 5-digit ZIP code, or None when it does not exist."""
    return _zip_index().get(zip_code)


def place_for_zip(text: str) -> Place:
    match = ZIP_QUERY.match(text.strip())
    if not match:
        raise InvalidLocation("Enter a 5-digit ZIP code such as 85004.", "zip")
    location = locate_zip(match.group(1))
    if location is None:
        raise LocationNotFound(f"We could not find the ZIP code {match.group(1)}. Check it, or try your city.")
    return Place(
        location.latitude,
        location.longitude,
        f"{location.zip_code} ({location.city.title()}, {location.state})",
        location.zip_code,
    )


def place_for_city(text: str) -> Place | None:
    """ "Phoenix, AZ" or "Phoenix, Arizona" (any case); None when it does not look like one."""
    city, comma, state = text.rpartition(",")
    if not comma or not city.strip():
        return None
    state = state.strip().lower()
    code = state.upper() if state.upper() in US_STATES else STATE_BY_NAME.get(state)
    if code is None:
        return None
    return _city_index().get((" ".join(city.split()).lower(), code))


def place_for_coordinates(latitude: float, longitude: float, label: str = "your location") -> Place:
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise InvalidLocation("Latitude must be between -90 and 90 and longitude between -180 and 180.")
    return Place(latitude, longitude, label)


def place_for_text(text: str, address_geocoder=None) -> Place:
    """Read a search box: a ZIP, coordinates, "City, ST", or else a street address.

    Addresses go to ``address_geocoder`` (a callable, see clinics.address_lookup) only when
    one is configured; without it the message says what the box accepts.
    """
    text = " ".join(text.split())
    if not text:
        raise InvalidLocation("Enter a ZIP code or a city and state, such as Phoenix, AZ.", "q")
    if ZIP_QUERY.match(text) or re.fullmatch(r"[0-9-]+", text):
        return place_for_zip(text)
    if coordinates := COORDINATES_QUERY.match(text):
        return place_for_coordinates(float(coordinates.group(1)), float(coordinates.group(2)), "that point")
    if place := place_for_city(text):
        return place
    if address_geocoder is not None:
        return address_geocoder(text)
    raise LocationNotFound(
        f"We could not find “{text[:80]}”. Enter a 5-digit ZIP code, or a city and state such as Phoenix, AZ."
    )
