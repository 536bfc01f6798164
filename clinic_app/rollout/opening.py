"""Open a clinic: the checklist, then in one transaction the clinic becomes bookable and
searchable and ``clinic_opened`` is sent (signals.py): the announcements (announcements.py)
claim every nearby opening-alert sign-up for its one e-mail, which the notification worker
writes and sends after the commit. Flush, never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from clinic_app.clinics.models import Clinic, OpeningHours
from clinic_app.clinics.service import open_to_patients
from clinic_app.errors import Conflict, ValidationFailed
from clinic_app.extensions import begin_serialised_transaction, db
from clinic_app.rollout.models import ClinicRollout, RolloutStage
from clinic_app.rollout.rules import OpeningReadiness, missing_for_opening
from clinic_app.rollout.signals import clinic_opened
from clinic_app.scheduling.models import Practitioner, Service, WorkingHours, clinic_services


class NotReadyToOpen(ValidationFailed):
    """The opening checklist is not complete; ``missing`` lists what to do, in words."""

    def __init__(self, missing: list[str]):
        super().__init__("The clinic cannot open yet: " + " ".join(missing))
        self.missing = missing


@dataclass(frozen=True)
class OpeningResult:
    clinic: Clinic
    announced: int  # people who will be told: what clinic_opened's receivers returned, added up


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
    """Open the clinic of a rollout in soft opening whose checklist is complete, and tell the
    receivers of clinic_opened (the announcements claim one e-mail to each active sign-up
    within ``radius_miles``; the worker sends it).

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
    told = clinic_opened.send(clinic, now=now, radius_miles=radius_miles)
    return OpeningResult(clinic, sum(count for _, count in told))
