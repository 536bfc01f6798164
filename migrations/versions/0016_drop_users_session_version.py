"""drop users.session_version: superseded by users.session_token (0012)

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-27 12:25:00

Nothing reads it since 0012. A plain ALTER TABLE ... DROP COLUMN on both databases (SQLite has
had it since 3.35): a batch rebuild of users on SQLite would copy the table and, with foreign
keys on, cascade deletes into the tables that point at it (see 0012).
"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_column('users', 'session_version')


def downgrade():
    op.add_column('users', sa.Column('session_version', sa.Integer(), nullable=False, server_default='1'))
