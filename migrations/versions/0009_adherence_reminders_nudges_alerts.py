"""home-exercise adherence: check-in reminders, nudges, alert acknowledgements

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 09:45:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('adherence_nudges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('sent_by_id', sa.Integer(), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id'], name=op.f('fk_adherence_nudges_clinic_id_clinics'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_adherence_nudges_patient_id_patients'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['sent_by_id'], ['users.id'], name=op.f('fk_adherence_nudges_sent_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_adherence_nudges'))
    )
    with op.batch_alter_table('adherence_nudges', schema=None) as batch_op:
        batch_op.create_index('ix_adherence_nudges_patient_sent', ['patient_id', 'sent_at'], unique=False)
    op.create_table('check_in_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('minutes_after_midnight', sa.Integer(), nullable=False),
    sa.Column('token_salt', sa.String(length=32), nullable=False),
    sa.Column('stop_token_hash', sa.String(length=64), nullable=False),
    sa.Column('link_token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('minutes_after_midnight BETWEEN 0 AND 1439', name=op.f('ck_check_in_reminders_time_of_day')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_check_in_reminders_patient_id_patients'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_check_in_reminders')),
    sa.UniqueConstraint('link_token_hash', name=op.f('uq_check_in_reminders_link_token_hash')),
    sa.UniqueConstraint('patient_id', name=op.f('uq_check_in_reminders_patient_id')),
    sa.UniqueConstraint('stop_token_hash', name=op.f('uq_check_in_reminders_stop_token_hash'))
    )
    op.create_table('check_in_alert_acknowledgements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('check_in_id', sa.Integer(), nullable=False),
    sa.Column('entry_updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('acknowledged_by_id', sa.Integer(), nullable=True),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['acknowledged_by_id'], ['users.id'], name=op.f('fk_check_in_alert_acknowledgements_acknowledged_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['check_in_id'], ['exercise_check_ins.id'], name=op.f('fk_check_in_alert_acknowledgements_check_in_id_exercise_check_ins'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_check_in_alert_acknowledgements')),
    sa.UniqueConstraint('check_in_id', name=op.f('uq_check_in_alert_acknowledgements_check_in_id'))
    )


def downgrade():
    op.drop_table('check_in_alert_acknowledgements')
    op.drop_table('check_in_reminders')
    with op.batch_alter_table('adherence_nudges', schema=None) as batch_op:
        batch_op.drop_index('ix_adherence_nudges_patient_sent')
    op.drop_table('adherence_nudges')
