"""The audit trail of health records: who read or changed which patient's record, when, and
from where. Rows are only ever added (database triggers refuse updates and deletes), and each
row carries a hash over its content and its predecessor's hash, so an edit or a removal made
past the triggers (by a database superuser, say) breaks the chain: ``flask audit verify``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DDL, ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clinic_app.accounts.models import User
from clinic_app.clock import UTCDateTime, utcnow
from clinic_app.extensions import Model


class AuditEvent(Model):
    """One access to a patient's record. ``detail`` names what was touched, never its content."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_patient_at", "patient_id", "at"),
        Index("ix_audit_events_actor_at", "actor_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    actor_role: Mapped[str] = mapped_column(String(20))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="RESTRICT"))
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(30))
    object_id: Mapped[int | None]
    ip_address: Mapped[str] = mapped_column(String(45), default="")
    # sha256 hex of the previous event's hash and this event's content (clinic_app.audit.chain).
    # Unique predecessor: two events can never both claim to follow the same one.
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    actor: Mapped[User | None] = relationship()


APPEND_ONLY_SQLITE = [
    DDL(
        f"CREATE TRIGGER audit_events_no_{verb.lower()} BEFORE {verb} ON audit_events "
        "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END"
    ).execute_if(dialect="sqlite")
    for verb in ("UPDATE", "DELETE")
]
APPEND_ONLY_POSTGRESQL = [
    DDL(
        "CREATE OR REPLACE FUNCTION refuse_audit_change() RETURNS trigger AS $$ BEGIN "
        "RAISE EXCEPTION 'the audit trail is append-only' USING ERRCODE = 'restrict_violation'; "
        "END $$ LANGUAGE plpgsql"
    ).execute_if(dialect="postgresql"),
    DDL(
        "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
        "FOR EACH ROW EXECUTE FUNCTION refuse_audit_change()"
    ).execute_if(dialect="postgresql"),
    # TRUNCATE fires no row trigger: without this one it would empty the trail past the one
    # above (and TRUNCATE patients CASCADE would too). SQLite has no TRUNCATE; its DELETE
    # without WHERE runs the row triggers while any exist.
    DDL(
        "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
        "FOR EACH STATEMENT EXECUTE FUNCTION refuse_audit_change()"
    ).execute_if(dialect="postgresql"),
]
for statement in APPEND_ONLY_SQLITE + APPEND_ONLY_POSTGRESQL:
    event.listen(AuditEvent.__table__, "after_create", statement)
