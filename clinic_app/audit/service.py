"""Write and read the audit trail. Flush, never commit: an event is written in the same
transaction as the read or change it records, so neither exists without the other."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from clinic_app.accounts.models import User
from clinic_app.audit.models import AuditEvent
from clinic_app.clock import utcnow
from clinic_app.extensions import db


@dataclass(frozen=True)
class Actor:
    """Who is acting, and from which address (the request's client address, after the proxy)."""

    user: User
    ip_address: str = ""


def record_event(actor: Actor, patient_id: int, action: str, subject=None, now: datetime | None = None) -> None:
    """Record that ``actor`` did ``action`` (view_chart, sign_note, ...) on ``subject`` (a
    model instance, or None for the chart as a whole) of this patient."""
    db.session.add(
        AuditEvent(
            at=now or utcnow(),
            actor_id=actor.user.id,
            actor_role=str(actor.user.role),
            patient_id=patient_id,
            action=action,
            object_type=type(subject).__name__ if subject is not None else "Patient",
            object_id=getattr(subject, "id", None) if subject is not None else patient_id,
            ip_address=(actor.ip_address or "")[:45],
        )
    )
    db.session.flush()


@dataclass(frozen=True)
class AuditQuery:
    patient_id: int | None = None
    actor_email: str = ""
    action: str = ""
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 200


def search_events(query: AuditQuery) -> list[AuditEvent]:
    """The newest events matching every given filter."""
    statement = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(query.limit)
    if query.patient_id is not None:
        statement = statement.where(AuditEvent.patient_id == query.patient_id)
    if query.actor_email:
        statement = statement.join(User, User.id == AuditEvent.actor_id).where(
            User.email == query.actor_email.strip().lower()
        )
    if query.action:
        statement = statement.where(AuditEvent.action == query.action)
    if query.since is not None:
        statement = statement.where(AuditEvent.at >= query.since)
    if query.until is not None:
        statement = statement.where(AuditEvent.at < query.until)
    return list(db.session.scalars(statement))
