"""Clinics as the API shows them (ClinicSchema), kept in memory between requests.

Serialising a clinic with its opening hours costs far more than finding it, and clinics change
rarely. Each process keeps what it serialised for PAYLOAD_TTL_SECONDS:

* An edit made through this process (any flush that adds, changes or deletes a clinic or its
  opening hours) empties the cache when it commits, so the next answer shows the edit.
* An edit made by another process (another gunicorn worker, a command) shows here once the
  entry expires: at most PAYLOAD_TTL_SECONDS late. That is the honest bound on staleness for
  name, address, phone and hours.
* A clinic's status is never taken from the cache: the search selects clinics by status in SQL
  on every request, and the status shown is the one the search found.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable

from flask import current_app, has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session, selectinload

from clinic_app.api.schemas import ClinicSchema
from clinic_app.clinics.models import Clinic, ClinicStatus, OpeningHours
from clinic_app.clinics.search import NearbyRanking
from clinic_app.extensions import db

# Each process reloads the clinics it serves once per TTL (about 2 ms per request that finds
# one expired); 60 s keeps that a small share of the work while an edit made elsewhere still
# shows within a minute.
PAYLOAD_TTL_SECONDS = 60.0
# About 1.5 kB each; past this many the cache starts again empty rather than grow without bound.
MAX_ENTRIES = 20_000
_EXTENSION = "clinic_payloads"
_STALE = "clinic_payloads_stale"
_CLINIC_RECORDS = (Clinic, OpeningHours)  # closures are not in the payload


class ClinicPayloads:
    """{clinic id: serialised clinic} for one app, each entry good for ``ttl_seconds``."""

    def __init__(self, ttl_seconds: float = PAYLOAD_TTL_SECONDS, clock: Callable[[], float] = time.monotonic):
        self.ttl_seconds = ttl_seconds
        self.clock = clock
        self._entries: dict[int, tuple[float, dict]] = {}
        self._generation = 0
        self._lock = threading.Lock()

    def get_many(self, clinic_ids: Iterable[int]) -> dict[int, dict]:
        """Each clinic's payload; the missing and expired ones are loaded in one go."""
        now = self.clock()
        found, missing = {}, []
        for clinic_id in clinic_ids:
            entry = self._entries.get(clinic_id)
            if entry is not None and entry[0] > now:
                found[clinic_id] = entry[1]
            else:
                missing.append(clinic_id)
        if missing:
            found |= self._load(missing, now)
        return found

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._entries.clear()

    def _load(self, clinic_ids: list[int], now: float) -> dict[int, dict]:
        generation = self._generation
        clinics = db.session.scalars(
            select(Clinic).where(Clinic.id.in_(clinic_ids)).options(selectinload(Clinic.opening_hours))
        )
        loaded = {clinic.id: payload for clinic, payload in _dumped(clinics)}
        with self._lock:
            # An edit committed while these rows were read must not be overwritten by them.
            if generation == self._generation:
                if len(self._entries) + len(loaded) > MAX_ENTRIES:
                    self._entries.clear()
                expires = now + self.ttl_seconds
                self._entries.update((clinic_id, (expires, payload)) for clinic_id, payload in loaded.items())
        return loaded


def _dumped(clinics: Iterable[Clinic]) -> list[tuple[Clinic, dict]]:
    clinics = list(clinics)
    return list(zip(clinics, ClinicSchema(many=True).dump(clinics), strict=True))


def clinic_payloads() -> ClinicPayloads:
    """This app's cache (one per app, so tests with fresh databases never share entries)."""
    cache = current_app.extensions.get(_EXTENSION)
    if cache is None:
        cache = current_app.extensions.setdefault(_EXTENSION, ClinicPayloads())
    return cache


def nearest_answer(ranking: NearbyRanking) -> dict:
    """The body NearestResultSchema documents, from cached clinics: the same JSON as dumping
    the loaded clinics, status included (the one the search selected them by)."""
    ids = {clinic_id for clinic_id, _ in (*ranking.results, *ranking.coming_soon)}
    payloads = clinic_payloads().get_many(ids) if ids else {}
    origin = ranking.origin
    return {
        "origin": {"latitude": origin.latitude, "longitude": origin.longitude, "label": origin.label},
        "results": _listed(ranking.results, payloads, ClinicStatus.OPEN),
        "coming_soon": _listed(ranking.coming_soon, payloads, ClinicStatus.COMING_SOON),
    }


def _listed(ranked: list[tuple[int, float]], payloads: dict[int, dict], status: ClinicStatus) -> list[dict]:
    return [
        {"clinic": {**payloads[clinic_id], "status": status.value}, "distance_miles": round(miles, 2)}
        for clinic_id, miles in ranked
    ]


@event.listens_for(Session, "after_flush")
def _note_clinic_edits(session: Session, _flush_context) -> None:
    if any(isinstance(record, _CLINIC_RECORDS) for record in (*session.new, *session.dirty, *session.deleted)):
        session.info[_STALE] = True
        _clear_current()  # at once too: this process's own reads inside the transaction


@event.listens_for(Session, "after_commit")
def _forget_edited_clinics(session: Session) -> None:
    if session.info.pop(_STALE, False):
        _clear_current()


@event.listens_for(Session, "after_soft_rollback")
def _edits_rolled_back(session: Session, _previous_transaction) -> None:
    session.info.pop(_STALE, None)


def _clear_current() -> None:
    if has_app_context() and _EXTENSION in current_app.extensions:
        current_app.extensions[_EXTENSION].clear()
