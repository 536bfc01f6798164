"""Open a clinic: the checklist, then in one transaction the clinic becomes bookable and
searchable and every nearby opening-alert sign-up is claimed for its one e-mail, which the
notification worker writes and sends after the commit. Flush, never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, literal, select
from sqlalchemy.dialects import postgresql, sqlite

from clinic_app.clinics.models import Clinic, OpeningHours
from clinic_app.clinics.service import open_to_patients
from clinic_app.clock import UTCDateTime
from clinic_app.demand.models import OpeningAlertSignup
from clinic_app.errors import Conflict, ValidationFailed
from clinic_app.extensions import begin_serialised_transaction, db
from clinic_app.geo.geometry import HAVERSINE_ERROR, bounding_box, geodesic_miles, haversine_miles
from clinic_app.rollout.models import ClinicRollout, OpeningAnnouncement, RolloutStage
from clinic_app.rollout.rules import OpeningReadiness, missing_for_opening
from clinic_app.scheduling.models import Practitioner, Service, WorkingHours, clinic_services

# Sign-ups claimed per INSERT ... SELECT (each is one bound parameter).
CLAIM_CHUNK = 500


class NotReadyToOpen(ValidationFailed):
    """The opening checklist is not complete; ``missing`` lists what to do, in words."""

    def __init__(self, missing: list[str]):
        super().__init__("The clinic cannot open yet: " + " ".join(missing))
        self.missing = missing


@dataclass(frozen=True)
class OpeningResult:
    clinic: Clinic
    announced: int


def opening_readiness(clinic_id: int) -> OpeningReadiness:
    hours = db.session.scalar(select(func.count()).select_from(OpeningHours).where(OpeningHours.clinic_id == clinic_id))
    practitioners = db.session.scalar(
        select(func.count(func.distinct(WorkingHours.practitioner_id)))
        .join(Practitioner, Practitioner.id == WorkingHours.practitioner_id)
        .where(WorkingHours.clinic_id == clinic_id, Practitioner.active.is_(True))
    )
    services = db.session.scalar(
        select(func.count())
        .select_from(clinic_services)
        .join(Service, Service.id == clinic_services.c.service_id)
        .where(clinic_services.c.clinic_id == clinic_id, Service.active.is_(True))
    )
    return OpeningReadiness(bool(hours), practitioners or 0, services or 0)


def open_clinic(rollout_id: int, now: datetime, radius_miles: float) -> OpeningResult:
    """Open the clinic of a rollout in soft opening whose checklist is complete, and claim one
    e-mail to each active sign-up within ``radius_miles`` (the worker sends it).

    Two heads of office pressing "Open" together: the rollout row is locked (PostgreSQL) or
    the transaction takes SQLite's write lock first, so the second finds the clinic open and
    is refused; the unique announcements would refuse a second e-mail regardless.
    """
    rollout = lock_rollout(rollout_id)
    if rollout is None:
        raise Conflict("That rollout no longer exists.")
    return open_locked_rollout(rollout, now, radius_miles)


def lock_rollout(rollout_id: int) -> ClinicRollout | None:
    """Start a serialised transaction and read the rollout afresh, its row locked (PostgreSQL)
    or under SQLite's write lock, so a check of its stage holds until the commit."""
    begin_serialised_transaction()
    return db.session.scalar(
        select(ClinicRollout)
        .where(ClinicRollout.id == rollout_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def open_locked_rollout(rollout: ClinicRollout, now: datetime, radius_miles: float) -> OpeningResult:
    """``open_clinic`` for a rollout already read by ``lock_rollout`` in this transaction."""
    if rollout.stage == RolloutStage.OPEN:
        raise Conflict(f"{rollout.clinic.name} is already open.")
    if rollout.stage != RolloutStage.SOFT_OPENING:
        raise ValidationFailed("Only a clinic in soft opening can open.")
    missing = missing_for_opening(opening_readiness(rollout.clinic_id))
    if missing:
        raise NotReadyToOpen(missing)
    clinic = rollout.clinic
    open_to_patients(clinic)
    rollout.stage, rollout.stage_changed_at, rollout.opened_at = RolloutStage.OPEN, now, now
    db.session.flush()
    return OpeningResult(clinic, announce_opening(clinic, now, radius_miles))


def announce_opening(clinic: Clinic, now: datetime, radius_miles: float) -> int:
    """Claim "a clinic opened near you" for every sign-up within ``radius_miles`` that has not
    unsubscribed and was not told before; return how many were claimed. The notification
    worker writes and sends the e-mails (``announcements.queue_opening_emails``), so the
    request stays quick however many people signed up nearby.

    Each e-mail is claimed by a unique announcement row (one per sign-up, one per person and
    clinic), inserted set-based: running this twice, even at once, claims nothing twice.
    """
    claimed = sum(_claim_announcements(clinic, chunk, now) for chunk in _chunks(signup_ids_near(clinic, radius_miles)))
    db.session.flush()
    return claimed


def signup_ids_near(clinic: Clinic, radius_miles: float) -> list[int]:
    """Ids of the active, not yet told sign-ups whose ZIP centre lies within ``radius_miles``
    of the clinic (geodesic distance, as the nearest-clinic search measures), in id order;
    for a person signed up at several ZIP codes nearby, only the nearest one.

    The box is filtered in SQL and only (id, e-mail, position) is read; the exact distance is
    needed only near the edge, where the cheap spherical one could be wrong.
    """
    box = bounding_box(clinic.latitude, clinic.longitude, radius_miles)
    query = select(
        OpeningAlertSignup.id, OpeningAlertSignup.email, OpeningAlertSignup.latitude, OpeningAlertSignup.longitude
    ).where(
        OpeningAlertSignup.unsubscribed_at.is_(None),
        OpeningAlertSignup.notified_at.is_(None),
        OpeningAlertSignup.latitude.between(box.min_latitude, box.max_latitude),
    )
    if box.min_longitude is not None:
        query = query.where(OpeningAlertSignup.longitude.between(box.min_longitude, box.max_longitude))
    nearest: dict[str, tuple[float, int]] = {}
    for signup_id, email, latitude, longitude in db.session.execute(query.order_by(OpeningAlertSignup.id)):
        miles = _miles_if_within(clinic, latitude, longitude, radius_miles)
        if miles is not None and (email not in nearest or miles < nearest[email][0]):
            nearest[email] = (miles, signup_id)
    return sorted(signup_id for _, signup_id in nearest.values())


def _miles_if_within(clinic: Clinic, latitude: float, longitude: float, radius_miles: float) -> float | None:
    """The distance when within the radius, else None. Haversine is within HAVERSINE_ERROR of
    the geodesic (about 1 microsecond against 100): the geodesic decides only the doubtful."""
    miles = haversine_miles(clinic.latitude, clinic.longitude, latitude, longitude)
    if miles * (1 - HAVERSINE_ERROR) > radius_miles:
        return None
    if miles * (1 + HAVERSINE_ERROR) > radius_miles:
        miles = geodesic_miles(clinic.latitude, clinic.longitude, latitude, longitude)
    return miles if miles <= radius_miles else None


def _chunks(ids: list[int]) -> list[list[int]]:
    # Bound parameters per statement stay far below SQLite's and PostgreSQL's limits.
    return [ids[start:start + CLAIM_CHUNK] for start in range(0, len(ids), CLAIM_CHUNK)]


def _claim_announcements(clinic: Clinic, signup_ids: list[int], now: datetime) -> int:
    """One INSERT ... SELECT of the announcements of these sign-ups, skipping any that exists
    (the sign-up told before, or this person told about this clinic); return how many were
    inserted. ON CONFLICT DO NOTHING waits for a concurrent claim to commit and then yields,
    so the loser never fails and never sends; rows go in id order, so two openings claiming
    the same sign-ups at once take them in the same order and do not deadlock. (RETURNING
    counts them: psycopg reports no rowcount for an INSERT ... SELECT through the ORM.)"""
    insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
    signups = (
        select(OpeningAlertSignup.id, literal(clinic.id), OpeningAlertSignup.email, literal(now, UTCDateTime()))
        .where(OpeningAlertSignup.id.in_(signup_ids))
        .order_by(OpeningAlertSignup.id)
    )
    statement = (
        insert(OpeningAnnouncement)
        .from_select(["signup_id", "clinic_id", "email", "queued_at"], signups)
        .on_conflict_do_nothing()
        .returning(OpeningAnnouncement.signup_id)
    )
    return len(db.session.execute(statement).all())
