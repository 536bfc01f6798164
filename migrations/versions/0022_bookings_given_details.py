"""bookings: the identity details given at booking that differ from the patient's record

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 21:30:00

A booking used to overwrite the matched patient's names and phone with whatever was typed, so
anyone who knew an e-mail address and a date of birth could rewrite a record without signing in.
Now the record stays as it is and the differences wait on the booking (null: no difference)
until staff accept them into the record or keep the record.
"""
import sqlalchemy as sa
from alembic import op


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN (nullable, no default): SQLite does not rebuild the table, which many
    # others reference.
    op.add_column('bookings', sa.Column('given_first_name', sa.String(length=80), nullable=True))
    op.add_column('bookings', sa.Column('given_last_name', sa.String(length=80), nullable=True))
    op.add_column('bookings', sa.Column('given_phone', sa.String(length=20), nullable=True))


def downgrade():
    # ALTER TABLE DROP COLUMN (SQLite 3.35 and later), again without rebuilding the table.
    for column in ('given_phone', 'given_last_name', 'given_first_name'):
        op.drop_column('bookings', column)
