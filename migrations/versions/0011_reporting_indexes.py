"""indexes for network reporting: questionnaires by visit, check-ins by date

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 10:30:00

Found by bench/reporting at 1,000,000 bookings: the outcome and adherence aggregates read
questionnaires by visit and check-ins by date range.
"""
from alembic import op


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('odi_responses', schema=None) as batch_op:
        batch_op.create_index('ix_odi_responses_booking_id', ['booking_id'], unique=False)
    with op.batch_alter_table('exercise_check_ins', schema=None) as batch_op:
        batch_op.create_index('ix_exercise_check_ins_on_date', ['on_date'], unique=False)


def downgrade():
    with op.batch_alter_table('exercise_check_ins', schema=None) as batch_op:
        batch_op.drop_index('ix_exercise_check_ins_on_date')
    with op.batch_alter_table('odi_responses', schema=None) as batch_op:
        batch_op.drop_index('ix_odi_responses_booking_id')
