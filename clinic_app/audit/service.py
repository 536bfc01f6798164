"""Write and read the audit trail. Flush, never commit: an event is written in the same
transaction as the read or change it records, so neither exists without the other."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time

from sqlalchemy import select, text

from clinic_app.accounts.models import User
from clinic_app.audit.chain import GENESIS, ChainReport, Checkpoint, EventContent, event_hash, verify_chain
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
    model instance, or None for the chart as a whole) of this patient, chained to the last event."""
    content = EventContent(
        at=now or utcnow(),
        actor_id=actor.user.id,
        actor_role=str(actor.user.role),
        patient_id=patient_id,
        action=action,
        object_type=type(subject).__name__ if subject is not None else "Patient",
        object_id=getattr(subject, "id", None) if subject is not None else patient_id,
        ip_address=(actor.ip_address or "")[:45],
    )
    _append(content)


def record_system_event(system: str, ip_address: str, patient_id: int, action: str, object_type: str,
                        object_id: int | None, now: datetime | None = None) -> None:
    """Record an access by a system with no user account (a FHIR partner client): ``system``
    names it in actor_role (fhir_client:<id>), and actor_id stays empty."""
    _append(EventContent(at=now or utcnow(), actor_id=None, actor_role=system[:20], patient_id=patient_id,
                         action=action[:40], object_type=object_type[:30], object_id=object_id,
                         ip_address=(ip_address or "")[:45]))


def _append(content: EventContent) -> None:
    """Add the event at the head of the chain."""
    prev_hash = _lock_chain_head()
    db.session.add(AuditEvent(**vars(content), prev_hash=prev_hash, hash=event_hash(prev_hash, content)))
    db.session.flush()


# A read that showed records another clinic made (accounts.policy.can_see_clinic_record): one
# event per such clinic, naming it, flagged in head office's audit view.
CROSS_CLINIC_READ = "read_other_clinic"


def record_cross_clinic_reads(actor: Actor, patient_id: int, clinics, now: datetime | None = None) -> None:
    """Record that ``actor`` was just shown this patient's records from each of ``clinics``
    (Clinic instances: none of the actor's own)."""
    for clinic in sorted(clinics, key=lambda c: c.id):
        record_event(actor, patient_id, CROSS_CLINIC_READ, clinic, now)


def record_listed(actor: Actor, action: str, patient_ids: Iterable[int], now: datetime | None = None) -> int:
    """Record that ``actor`` was shown these patients in a list (the early-warning dashboard,
    desk search results): one event per patient, the first time that UTC day the actor saw them
    in that list, which answers "who saw this patient's data, and on which days" without an
    event per page load. Returns how many events were written."""
    now = now or utcnow()
    wanted = set(patient_ids)
    if not wanted:
        return 0
    _lock_chain_head()  # PostgreSQL: so two loads of the same page cannot both find them unrecorded
    seen = set(db.session.scalars(
        select(AuditEvent.patient_id).where(
            AuditEvent.actor_id == actor.user.id, AuditEvent.action == action,
            AuditEvent.at >= datetime.combine(now.astimezone(UTC).date(), time(), UTC),
            AuditEvent.patient_id.in_(wanted))
    ))
    for patient_id in sorted(wanted - seen):
        record_event(actor, patient_id, action, None, now)
    return len(wanted - seen)


# Held until the transaction ends, so events join the chain one at a time, in id order.
AUDIT_CHAIN_LOCK = 0x417564  # "Aud"


def _lock_chain_head() -> str:
    """The hash of the newest event, with the chain locked for this transaction. PostgreSQL:
    an advisory lock. SQLite has one writer at a time already; should two transactions still
    read the same head, the unique prev_hash refuses the second rather than fork the chain."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_CHAIN_LOCK})
    head = db.session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    return head or GENESIS


def verify_audit_chain(batch_size: int = 5000, expected: Checkpoint | None = None) -> ChainReport:
    """Walk the whole trail in chain order, a batch at a time, and say where it first breaks,
    and (with ``expected``) whether it still extends the head recorded earlier."""
    columns = (AuditEvent.id, AuditEvent.prev_hash, AuditEvent.hash, *_CONTENT_COLUMNS)
    rows = db.session.execute(select(*columns).order_by(AuditEvent.id).execution_options(yield_per=batch_size))
    try:
        return verify_chain(((row[0], row[1], row[2], EventContent(*row[3:])) for row in rows), expected)
    finally:
        rows.close()  # the walk may stop early, with the server-side cursor still open


_CONTENT_COLUMNS = tuple(getattr(AuditEvent, name) for name in EventContent.__dataclass_fields__)


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
