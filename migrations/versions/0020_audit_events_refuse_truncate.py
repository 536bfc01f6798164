"""audit_events: refuse TRUNCATE on PostgreSQL

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 20:30:00

The append-only trigger of 0004 is a row trigger (BEFORE UPDATE OR DELETE ... FOR EACH ROW),
and TRUNCATE fires no row triggers: it emptied the trail, and ``TRUNCATE patients CASCADE``
with it. A statement trigger BEFORE TRUNCATE refuses it with the same function and message.
SQLite has no TRUNCATE (its DELETE without WHERE runs the row triggers while any exist).
"""
from alembic import op


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
                   "FOR EACH STATEMENT EXECUTE FUNCTION refuse_audit_change()")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_events_no_truncate ON audit_events")
