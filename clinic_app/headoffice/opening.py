"""Open a clinic: the checklist, then in one transaction the clinic becomes bookable and
searchable and every nearby opening-alert sign-up gets its one e-mail. Flush, never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite

from clinic_app.clinics.geometry import bounding_box, geodesic_miles
from clinic_app.clinics.models import Clinic, OpeningHours
from clinic_app.clinics.service import open_to_patients
from clinic_app.demand.models import OpeningAlertSignup
from clinic_app.errors import Conflict, ValidationFailed
from clinic_app.extensions import begin_serialised_transaction, db
from clinic_app.headoffice.models import ClinicRollout, OpeningAnnouncement, RolloutStage
from clinic_app.headoffice.rollout_rules import OpeningReadiness, missing_for_opening
from clinic_app.notifications.links import public_url
from clinic_app.notifications.service import queue_email
from clinic_app.scheduling.models import Practitioner, Service, WorkingHours, clinic_services


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
    """Open the clinic of a rollout in soft opening whose checklist is complete, and queue one
    e-mail to each active sign-up within ``radius_miles``.

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
    """Queue "a clinic opened near you" to every sign-up within ``radius_miles`` that has not
    unsubscribed and was not told before; return how many were queued. Each e-mail is claimed
    first by a unique announcement row, so running this twice, even at once, sends nothing twice."""
    queued = 0
    for signup, miles in signups_near(clinic, radius_miles):
        if not _claim_announcement(signup, clinic, now):
            continue
        signup.notified_at = now
        queue_email(
            signup.email,
            f"Back Solution is now open in {clinic.city}",
            "emails/clinic_opened.txt",
            idempotency_key=f"clinic-opened:signup:{signup.id}",
            clinic=clinic,
            miles=miles,
            zip_code=signup.zip_code,
            clinic_url=public_url("clinics.show", slug=clinic.slug),
            booking_url=public_url("booking.services", clinic=clinic.slug),
            unsubscribe_url=public_url("demand.unsubscribe", token=signup.unsubscribe_token),
        )
        queued += 1
    db.session.flush()
    return queued


def signups_near(clinic: Clinic, radius_miles: float) -> list[tuple[OpeningAlertSignup, float]]:
    """Active, not yet told sign-ups whose ZIP centre lies within ``radius_miles`` of the
    clinic (geodesic distance, as the nearest-clinic search measures), nearest first."""
    box = bounding_box(clinic.latitude, clinic.longitude, radius_miles)
    query = select(OpeningAlertSignup).where(
        OpeningAlertSignup.unsubscribed_at.is_(None),
        OpeningAlertSignup.notified_at.is_(None),
        OpeningAlertSignup.latitude.between(box.min_latitude, box.max_latitude),
    )
    if box.min_longitude is not None:
        query = query.where(OpeningAlertSignup.longitude.between(box.min_longitude, box.max_longitude))
    measured = [
        (signup, geodesic_miles(clinic.latitude, clinic.longitude, signup.latitude, signup.longitude))
        for signup in db.session.scalars(query.order_by(OpeningAlertSignup.id))
    ]
    return sorted(((s, miles) for s, miles in measured if miles <= radius_miles), key=lambda pair: pair[1])


def _claim_announcement(signup: OpeningAlertSignup, clinic: Clinic, now: datetime) -> bool:
    """Insert the announcement unless one exists (this sign-up told before, or this person
    told about this clinic): True when this call claimed it. ON CONFLICT DO NOTHING waits for a
    concurrent claim to commit and then yields, so the loser never fails and never sends."""
    insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(OpeningAnnouncement)
        .values(signup_id=signup.id, clinic_id=clinic.id, email=signup.email, queued_at=now)
        .on_conflict_do_nothing()
        .returning(OpeningAnnouncement.id)
    )
    return db.session.execute(statement).scalar() is not None
