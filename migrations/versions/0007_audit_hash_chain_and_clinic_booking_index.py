"""tamper-evident audit trail (hash chain); bookings indexed by clinic and start

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 09:40:00

Existing events are chained in id order here, with the hash frozen as this revision defines it
(the same canonical form as clinic_app/audit/chain.py today). The append-only triggers are
lifted only for that backfill, inside this migration's transaction, and put back as they were.
"""
import hashlib
import json
from datetime import UTC

import sqlalchemy as sa
from alembic import op

from clinic_app.clock import UTCDateTime

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

GENESIS = "0" * 64
SQLITE_TRIGGERS = [
    f"CREATE TRIGGER audit_events_no_{verb.lower()} BEFORE {verb} ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END"
    for verb in ("UPDATE", "DELETE")
]
POSTGRESQL_TRIGGER = (
    "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
    "FOR EACH ROW EXECUTE FUNCTION refuse_audit_change()"
)
events = sa.table(
    "audit_events",
    sa.column("id", sa.Integer), sa.column("at", UTCDateTime), sa.column("actor_id", sa.Integer),
    sa.column("actor_role", sa.String), sa.column("patient_id", sa.Integer), sa.column("action", sa.String),
    sa.column("object_type", sa.String), sa.column("object_id", sa.Integer), sa.column("ip_address", sa.String),
    sa.column("prev_hash", sa.String), sa.column("hash", sa.String),
)


def _event_hash(prev_hash, row):
    fields = [prev_hash, row.at.astimezone(UTC).isoformat(timespec="microseconds"), row.actor_id, row.actor_role,
              row.patient_id, row.action, row.object_type, row.object_id, row.ip_address]
    return hashlib.sha256(json.dumps(fields, separators=(",", ":"), ensure_ascii=True).encode()).hexdigest()


def _postgresql():
    return op.get_bind().dialect.name == "postgresql"


def _drop_append_only_triggers():
    if _postgresql():
        op.execute("DROP TRIGGER audit_events_append_only ON audit_events")
    else:
        op.execute("DROP TRIGGER audit_events_no_update")
        op.execute("DROP TRIGGER audit_events_no_delete")


def _add_append_only_triggers():
    for statement in [POSTGRESQL_TRIGGER] if _postgresql() else SQLITE_TRIGGERS:
        op.execute(statement)


def _chain_existing_events():
    bind = op.get_bind()
    prev = GENESIS
    for row in bind.execute(sa.select(events).order_by(events.c.id)).all():
        digest = _event_hash(prev, row)
        bind.execute(events.update().where(events.c.id == row.id).values(prev_hash=prev, hash=digest))
        prev = digest


def upgrade():
    _drop_append_only_triggers()
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('hash', sa.String(length=64), nullable=True))
    _chain_existing_events()
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_audit_events_hash'), ['hash'])
        batch_op.create_unique_constraint(batch_op.f('uq_audit_events_prev_hash'), ['prev_hash'])
    _add_append_only_triggers()

    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bookings_clinic_id'))
        batch_op.create_index('ix_bookings_clinic_start', ['clinic_id', 'start_at'], unique=False)


def downgrade():
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_index('ix_bookings_clinic_start')
        batch_op.create_index(batch_op.f('ix_bookings_clinic_id'), ['clinic_id'], unique=False)

    _drop_append_only_triggers()
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_audit_events_prev_hash'), type_='unique')
        batch_op.drop_constraint(batch_op.f('uq_audit_events_hash'), type_='unique')
        batch_op.drop_column('hash')
        batch_op.drop_column('prev_hash')
    _add_append_only_triggers()
