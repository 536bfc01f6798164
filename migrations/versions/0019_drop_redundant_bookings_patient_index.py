"""drop ix_bookings_patient_id: ix_bookings_patient_start (0014) leads with patient_id

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-27 13:40:00

Every lookup of a patient's bookings (and PostgreSQL's check before a patient row is deleted)
uses the composite index's first column; the single-column index only cost each booking write.
"""
from alembic import op


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_index('ix_bookings_patient_id')


def downgrade():
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.create_index('ix_bookings_patient_id', ['patient_id'], unique=False)
