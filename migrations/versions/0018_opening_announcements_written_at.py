"""opening_announcements.written_at, and a partial index on the announcements still to write

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-27 13:10:00

The notification worker looks for claimed opening e-mails it has not written every 10 seconds.
It found them by joining every announcement to its sign-up (notified_at and unsubscribed_at
NULL), which no index serves: a read of the whole table each pass, forever. Now each
announcement says when its e-mail was written, and a partial index holds only those still to
write (SQLite and PostgreSQL both have partial indexes), so a pass with nothing to do reads an
empty index.

Backfill: an announcement whose sign-up was told has had its e-mail written (the worker wrote
the e-mail and marked the sign-up in one transaction), at that time. The rest stay NULL and
the worker handles them as before: it writes the e-mail, or, if the sign-up unsubscribed
meanwhile, drops the claim and writes none.
"""
import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

UNWRITTEN = sa.text('written_at IS NULL')


def upgrade():
    op.add_column('opening_announcements', sa.Column('written_at', sa.DateTime(timezone=True), nullable=True))
    op.execute(
        'UPDATE opening_announcements SET written_at = ('
        ' SELECT notified_at FROM opening_alert_signups'
        ' WHERE opening_alert_signups.id = opening_announcements.signup_id)'
        ' WHERE signup_id IN (SELECT id FROM opening_alert_signups WHERE notified_at IS NOT NULL)'
    )
    op.create_index(
        'ix_opening_announcements_unwritten', 'opening_announcements', ['id'],
        unique=False, sqlite_where=UNWRITTEN, postgresql_where=UNWRITTEN,
    )


def downgrade():
    # Nothing is lost: a written announcement's sign-up carries notified_at, as before 0018.
    op.drop_index('ix_opening_announcements_unwritten', table_name='opening_announcements')
    op.drop_column('opening_announcements', 'written_at')
