"""Search parameters as FHIR writes them: references (``Location/chelsea`` or ``chelsea``),
tokens (``system|code`` or ``code``), dates with a comparison prefix (``ge2026-03-01``), the
``near`` of Location (``latitude|longitude|distance|unit``). A value that cannot be read is a
400 with an OperationOutcome naming the parameter, never a 500."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from flask import request

from clinic_app.fhir.responses import FhirError

KILOMETRES_PER_MILE = 1.609344
DATE_PREFIXES = ("ge", "gt", "le", "lt", "eq")


def values(name: str) -> list[str]:
    """Every value given for ``name``, commas (FHIR's OR) split out, blanks dropped."""
    found = [part.strip() for raw in request.args.getlist(name) for part in raw.split(",")]
    return [value[:200] for value in found if value]


def reference_ids(name: str, resource_type: str) -> list[str]:
    """The ids in reference parameter ``name`` (``Type/id``, a full URL, or a bare id)."""
    ids = []
    for value in values(name):
        kind, _, rest = value.rstrip("/").rpartition("/")
        if kind and kind.rsplit("/", 1)[-1] != resource_type:
            raise FhirError(400, f"{name} must refer to a {resource_type}.")
        ids.append(rest)
    return ids


def token_codes(name: str, system: str | None = None) -> list[str]:
    """The codes in token parameter ``name``; a code of another system matches nothing."""
    codes = []
    for value in values(name):
        given_system, bar, code = value.rpartition("|")
        if bar and given_system and system is not None and given_system != system:
            codes.append("\0")  # a code of another system: matches no record
        else:
            codes.append(code)
    return codes


@dataclass(frozen=True)
class Near:
    latitude: float
    longitude: float
    miles: float


def near(name: str = "near") -> Near | None:
    """Location's ``near``: latitude|longitude|distance|unit, unit km or mi (default km, as
    FHIR says); 50 km when no distance is given."""
    raw = request.args.get(name)
    if raw is None:
        return None
    parts = raw.split("|")
    try:
        latitude, longitude = float(parts[0]), float(parts[1])
        distance = float(parts[2]) if len(parts) > 2 and parts[2] else 50.0
    except (ValueError, IndexError):
        raise FhirError(400, "near must be latitude|longitude|distance|unit, e.g. 40.74|-73.99|10|mi.") from None
    unit = parts[3] if len(parts) > 3 and parts[3] else "km"
    if unit not in ("km", "mi", "[mi_i]") or not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise FhirError(400, "near needs a latitude, a longitude and a distance in km or mi.")
    if not 0 < distance <= 20_000:
        raise FhirError(400, "near's distance must be above 0 and at most 20000.")
    return Near(latitude, longitude, distance if unit != "km" else distance / KILOMETRES_PER_MILE)


@dataclass(frozen=True)
class DateRange:
    """Instants from ``start`` (inclusive) to ``end`` (exclusive); either may be open."""

    start: datetime | None = None
    end: datetime | None = None


def date_range(name: str) -> DateRange:
    """The range a date parameter's values (``ge``/``gt``/``le``/``lt``/``eq``) allow. A date
    without a time is the whole UTC day; a time without an offset is refused."""
    start, end = None, None
    for value in values(name):
        prefix, text = (value[:2], value[2:]) if value[:2] in DATE_PREFIXES else ("eq", value)
        first, after = _instant_bounds(name, text)
        if prefix in ("ge", "eq"):
            start = max(start, first) if start else first
        if prefix == "gt":
            start = max(start, after) if start else after
        if prefix in ("lt",):
            end = min(end, first) if end else first
        if prefix in ("le", "eq"):
            end = min(end, after) if end else after
    return DateRange(start, end)


def _instant_bounds(name: str, text: str) -> tuple[datetime, datetime]:
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            first = datetime.combine(day, time(), UTC)
            return first, datetime.combine(date.fromordinal(day.toordinal() + 1), time(), UTC)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise FhirError(400, f"{name} must be a date (2026-03-01) or a time with its offset.") from None
    if moment.tzinfo is None:
        raise FhirError(400, f"{name} must give the time with its UTC offset.")
    moment = moment.astimezone(UTC)
    return moment, moment.replace(microsecond=moment.microsecond + 1) if moment.microsecond < 999999 else moment


def used(*names: str) -> dict[str, str]:
    """The parameters this search applied, for the Bundle's self link."""
    return {name: ",".join(request.args.getlist(name)) for name in names if request.args.get(name)}
