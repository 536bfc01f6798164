"""Street addresses, through an online geopy geocoder, only when the GEOCODER setting names one.

Results are cached in the database so a repeated search costs no network call. A patient may
type their home address, so the cache keeps a hash of the text, never the text, and
coordinates rounded to about 100 metres.
"""

from __future__ import annotations

import hashlib
import logging

from flask import current_app
from geopy.exc import GeopyError
from geopy.geocoders import get_geocoder_for_service

from clinic_app.clinics.models import GeocodeCacheEntry
from clinic_app.errors import DomainError
from clinic_app.extensions import db
from clinic_app.geo.geocoding import LocationNotFound, Place

log = logging.getLogger(__name__)


class GeocoderUnavailable(DomainError):
    code = "geocoder_unavailable"
    status = 503


def configured_address_lookup():
    """A callable for geocoding.place_for_text, or None when no geocoder is configured."""
    return lookup_address if current_app.config["GEOCODER"] else None


def lookup_address(text: str) -> Place:
    """The place an address names; found addresses are cached (misses are not: they are
    usually typos, rarely repeated)."""
    key = hashlib.sha256(" ".join(text.lower().split()).encode()).hexdigest()
    cached = db.session.get(GeocodeCacheEntry, key)
    if cached is None:
        cached = GeocodeCacheEntry(query_hash=key, **_geocode(text))
        db.session.add(cached)
        db.session.flush()
    return Place(cached.latitude, cached.longitude, "that address")


def _geocode(text: str) -> dict:
    """Ask the configured service; a failure of the service is a plain 503, never a 500."""
    try:
        location = _geocoder().geocode(text, exactly_one=True, country_codes="us")
    except (GeopyError, OSError) as error:
        log.warning("geocoder unavailable: %s", type(error).__name__)
        raise GeocoderUnavailable(
            "Address search is not available right now. Try a ZIP code, or a city and state."
        ) from None
    if location is None:
        raise LocationNotFound("We could not find that address. Try a ZIP code, or a city and state.")
    return {"latitude": round(location.latitude, 3), "longitude": round(location.longitude, 3)}


def _geocoder():
    config = current_app.config
    options = {"user_agent": config["GEOCODER_USER_AGENT"], "timeout": config["GEOCODER_TIMEOUT_SECONDS"]}
    if config["GEOCODER_API_KEY"]:
        options["api_key"] = config["GEOCODER_API_KEY"]
    if config["GEOCODER_DOMAIN"]:
        options["domain"] = config["GEOCODER_DOMAIN"]
    return get_geocoder_for_service(config["GEOCODER"])(**options)
