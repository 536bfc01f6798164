"""users.session_token: signing out ends the session everywhere, copied cookies included

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27 11:55:00

The session id in every session cookie becomes "user id:session token"; replacing the token
ends all of that user's sessions. Every existing user gets a distinct random token, so every
session open before this migration ends once (their cookies carry the old "id:version" form).

The column is added NOT NULL with the placeholder default '' and then filled row by row. It is
not added nullable and altered to NOT NULL afterwards because SQLite cannot alter a column: a
batch rebuild of users drops the table, and with foreign keys on (configure_sqlite) that drop
deletes or refuses the rows pointing at it (tried: it silently deleted a deletion_requests row
through ON DELETE CASCADE; clinic_staff would go the same way; see also 0008). The
placeholder stays as the server default on both databases, matching the model: a row inserted
without the model (bench's COPY) gets '', which the user loader never accepts.
"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

BATCH = 1000

users = sa.table('users', sa.column('id', sa.Integer()), sa.column('session_token', sa.String(43)))


def upgrade():
    op.add_column('users', sa.Column('session_token', sa.String(length=43), server_default='', nullable=False))
    _give_every_user_a_token()


def _give_every_user_a_token():
    """A distinct random token per user (the same generator as the model: 256 random bits)."""
    bind = op.get_bind()
    ids = bind.execute(sa.select(users.c.id).order_by(users.c.id)).scalars().all()
    change = users.update().where(users.c.id == sa.bindparam('user_id')).values(session_token=sa.bindparam('token'))
    for start in range(0, len(ids), BATCH):
        rows = [{'user_id': user_id, 'token': secrets.token_urlsafe(32)} for user_id in ids[start:start + BATCH]]
        bind.execute(change, rows)


def downgrade():
    # A plain DROP COLUMN (SQLite 3.35+ has one): a batch rebuild of users would meet the
    # foreign keys described above.
    op.drop_column('users', 'session_token')
