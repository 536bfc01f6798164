"""waitlist_entries.confirmed_at: double opt-in for the waitlist

Revision ID: 0017
Revises: 0015
Create Date: 2026-11-27 13:15:00

An entry now waits for offers only once the address's owner has followed the confirmation
link e-mailed to it. Entries made before this migration were waiting already: they are
backfilled as confirmed when they consented (confirmed_at = consented_at), so nobody loses
their place. A plain ADD / DROP COLUMN on both databases (no batch rebuild: see 0012).
"""
import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0015'
branch_labels = None
depends_on = None

entries = sa.table('waitlist_entries', sa.column('confirmed_at', sa.DateTime(timezone=True)),
                   sa.column('consented_at', sa.DateTime(timezone=True)))


def upgrade():
    op.add_column('waitlist_entries', sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True))
    op.execute(entries.update().values(confirmed_at=entries.c.consented_at))


def downgrade():
    op.drop_column('waitlist_entries', 'confirmed_at')
