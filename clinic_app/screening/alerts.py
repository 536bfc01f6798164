"""Who is told about an emergency red flag, and how: the clinic's managers and the treating
practitioner get an e-mail through the outbox (queued in the caller's transaction) that says no
more than "urgent: open the chart" with a link, since e-mail is no place for health details;
the same flags are listed on their dashboard (service.open_emergencies_for)."""

from __future__ import annotations

from sqlalchemy import select

from clinic_app.accounts.models import Role, User
from clinic_app.clinics.models import Clinic
from clinic_app.extensions import db
from clinic_app.notifications.links import public_url
from clinic_app.notifications.service import queue_email
from clinic_app.scheduling.models import Booking, BookingStatus
from clinic_app.screening.models import RedFlagScreen

SUBJECT = "Urgent: open the chart"


def alert_clinic(screen: RedFlagScreen, treating: User | None) -> int:
    """Queue one e-mail per recipient (once per screen each); return how many were queued."""
    recipients = {user.id: user for user in clinic_managers(screen.clinic_id)}
    treating = treating or treating_practitioner(screen)
    if treating is not None and treating.active:
        recipients[treating.id] = treating
    link = public_url("practice.chart", patient_id=screen.patient_id)
    queued = [queue_email(user.email, SUBJECT, "emails/red_flag_alert.txt", link=link, name=user.full_name,
                          idempotency_key=f"red-flag:{screen.id}:{user.id}")
              for user in recipients.values()]
    return sum(1 for message in queued if message is not None)


def clinic_managers(clinic_id: int) -> list[User]:
    clinic = db.session.get(Clinic, clinic_id)
    return [user for user in (clinic.staff if clinic else []) if user.role == Role.CLINIC_MANAGER and user.active]


def treating_practitioner(screen: RedFlagScreen) -> User | None:
    """The practitioner of the screen's visit, else of the patient's latest visit (not
    cancelled) at the screen's clinic."""
    visit = screen.booking or db.session.scalar(
        select(Booking).where(Booking.patient_id == screen.patient_id, Booking.clinic_id == screen.clinic_id,
                              Booking.status != BookingStatus.CANCELLED)
        .order_by(Booking.start_at.desc()).limit(1))
    return visit.practitioner.user if visit is not None else None
