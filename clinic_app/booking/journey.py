"""The patient's choices so far (clinic, service, practitioner, time), read back from the query
string or the details form's hidden fields. A choice that is missing or no longer valid sends
the patient back to the step where it is made (``StepMissing``)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from clinic_app.clinics.models import Clinic, ClinicStatus
from clinic_app.clinics.service import get_clinic_by_slug
from clinic_app.extensions import db
from clinic_app.ids import parse_id
from clinic_app.scheduling.availability import practitioners_offering
from clinic_app.scheduling.models import Practitioner, Service

ANY_PRACTITIONER = "any"
# What a clinic's or service's short name may hold; anything else (a NUL, say) is not looked up.
SLUG = re.compile(r"[\w.-]{1,80}")
STEPS = ("clinic", "service", "practitioner", "start")


class StepMissing(Exception):
    """Go back to ``endpoint`` (with the choices made before it) and say why."""

    def __init__(self, endpoint: str, message: str, **query):
        super().__init__(message)
        self.endpoint, self.message, self.query = endpoint, message, query


@dataclass(frozen=True)
class Journey:
    clinic: Clinic
    service: Service | None = None
    practitioner_chosen: bool = False
    practitioner: Practitioner | None = None  # None once chosen: the first available
    start: datetime | None = None  # on the clinic's clock

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.clinic.timezone)

    @property
    def chosen_service(self) -> Service:
        """The service, on the steps after it (read_journey has checked it)."""
        if self.service is None:
            raise StepMissing("booking.services", f"Choose one of the services offered at {self.clinic.name}.",
                              **self.query())
        return self.service

    @property
    def chosen_start(self) -> datetime:
        """The time, on the last step (read_journey has checked it)."""
        if self.start is None:
            raise StepMissing("booking.times", "Choose one of the times offered.", **self.query())
        return self.start

    @property
    def practitioner_id(self) -> int | None:
        return self.practitioner.id if self.practitioner else None

    def query(self, **extra) -> dict[str, Any]:
        """The choices as query parameters (strings), for url_for: links to this or a later step."""
        chosen = {"clinic": self.clinic.slug}
        if self.service:
            chosen["service"] = self.service.slug
        if self.practitioner_chosen:
            chosen["practitioner"] = str(self.practitioner.id) if self.practitioner else ANY_PRACTITIONER
        if self.start:
            chosen["start"] = self.start.isoformat()
        return {**chosen, **extra}


def read_journey(values: Mapping[str, str], now: datetime, upto: str) -> Journey:
    """The choices up to and including ``upto`` (one of STEPS), each checked in turn."""
    needed = STEPS[: STEPS.index(upto) + 1]
    clinic = open_clinic(values.get("clinic", ""))
    if clinic is None:
        raise StepMissing("booking.index", "Choose a clinic that is open for bookings.")
    journey = Journey(clinic)
    if "service" in needed:
        journey = replace(journey, service=_service(journey, values.get("service", "")))
    if "practitioner" in needed:
        journey = replace(journey, practitioner_chosen=True,
                          practitioner=_practitioner(journey, values.get("practitioner", "")))
    if "start" in needed:
        journey = replace(journey, start=_start(journey, values.get("start", ""), now))
    return journey


def open_clinic(slug: str) -> Clinic | None:
    clinic = get_clinic_by_slug(slug, with_hours=False) if SLUG.fullmatch(slug) else None
    return clinic if clinic is not None and clinic.status == ClinicStatus.OPEN else None


def services_offered(clinic: Clinic) -> list[Service]:
    """Active services at the clinic that someone working there provides, new-patient ones first."""
    services = db.session.scalars(
        select(Service)
        .where(Service.active.is_(True), Service.clinics.any(Clinic.id == clinic.id))
        .order_by(Service.new_patients_only.desc(), Service.name)
    )
    return [service for service in services if practitioners_offering(clinic, service)]


def offered_service(clinic: Clinic, slug: str) -> Service | None:
    if not SLUG.fullmatch(slug):
        return None
    return db.session.scalar(
        select(Service).where(
            Service.slug == slug, Service.active.is_(True), Service.clinics.any(Clinic.id == clinic.id)
        )
    )


def parse_start(text: str, zone: ZoneInfo) -> datetime | None:
    """An ISO 8601 time with its UTC offset, on the clinic's clock; None when it is not one."""
    try:
        start = datetime.fromisoformat(text[:40])
        return start.astimezone(UTC).astimezone(zone) if start.tzinfo else None
    except (ValueError, OverflowError):
        return None


def bookable_start(text: str, zone: ZoneInfo, now: datetime) -> datetime | None:
    """The chosen time, unless it cannot be one (not a time, or past the booking horizon).
    Whether it is free, on the grid and far enough ahead is the booking service's to say."""
    start = parse_start(text, zone)
    horizon = timedelta(days=current_app.config["BOOKING_HORIZON_DAYS"] + 2)
    return start if start is not None and start <= now + horizon else None


def _service(journey: Journey, slug: str) -> Service:
    service = offered_service(journey.clinic, slug)
    if service is None:
        raise StepMissing("booking.services", f"Choose one of the services offered at {journey.clinic.name}.",
                          **journey.query())
    return service


def _practitioner(journey: Journey, raw: str) -> Practitioner | None:
    if raw == ANY_PRACTITIONER:
        return None
    chosen_id = parse_id(raw)
    offering = practitioners_offering(journey.clinic, journey.chosen_service, chosen_id) if chosen_id else []
    if not offering:
        raise StepMissing("booking.practitioners", "Choose a practitioner, or the first available.", **journey.query())
    return offering[0]


def _start(journey: Journey, raw: str, now: datetime) -> datetime:
    start = bookable_start(raw, journey.zone, now)
    if start is None:
        raise StepMissing("booking.times", "Choose one of the times offered.", **journey.query())
    return start
