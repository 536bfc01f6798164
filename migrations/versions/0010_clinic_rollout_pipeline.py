"""clinic rollout pipeline and opening announcements

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 09:45:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('clinic_rollouts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('stage_changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("stage IN ('prospect', 'site_selected', 'lease_signed', 'fit_out', 'hiring', 'soft_opening', 'open')", name=op.f('ck_clinic_rollouts_stage_known')),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id'], name=op.f('fk_clinic_rollouts_clinic_id_clinics'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clinic_rollouts')),
    sa.UniqueConstraint('clinic_id', name=op.f('uq_clinic_rollouts_clinic_id'))
    )
    op.create_table('opening_announcements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('signup_id', sa.Integer(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('queued_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id'], name=op.f('fk_opening_announcements_clinic_id_clinics'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['signup_id'], ['opening_alert_signups.id'], name=op.f('fk_opening_announcements_signup_id_opening_alert_signups'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opening_announcements')),
    sa.UniqueConstraint('clinic_id', 'email', name=op.f('uq_opening_announcements_clinic_id_email')),
    sa.UniqueConstraint('signup_id', name=op.f('uq_opening_announcements_signup_id'))
    )
    with op.batch_alter_table('opening_announcements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opening_announcements_clinic_id'), ['clinic_id'], unique=False)
    op.create_table('rollout_milestones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rollout_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('owner_user_id', sa.Integer(), nullable=True),
    sa.Column('owner_name', sa.String(length=120), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.CheckConstraint("owner_user_id IS NOT NULL OR owner_name <> ''", name=op.f('ck_rollout_milestones_has_owner')),
    sa.CheckConstraint("stage IN ('prospect', 'site_selected', 'lease_signed', 'fit_out', 'hiring', 'soft_opening', 'open')", name=op.f('ck_rollout_milestones_stage_known')),
    sa.ForeignKeyConstraint(['owner_user_id'], ['users.id'], name=op.f('fk_rollout_milestones_owner_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['rollout_id'], ['clinic_rollouts.id'], name=op.f('fk_rollout_milestones_rollout_id_clinic_rollouts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rollout_milestones'))
    )
    with op.batch_alter_table('rollout_milestones', schema=None) as batch_op:
        batch_op.create_index('ix_rollout_milestones_due_on', ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_rollout_milestones_owner_user_id'), ['owner_user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rollout_milestones_rollout_id'), ['rollout_id'], unique=False)


def downgrade():
    with op.batch_alter_table('rollout_milestones', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rollout_milestones_rollout_id'))
        batch_op.drop_index(batch_op.f('ix_rollout_milestones_owner_user_id'))
        batch_op.drop_index('ix_rollout_milestones_due_on')
    op.drop_table('rollout_milestones')
    with op.batch_alter_table('opening_announcements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_opening_announcements_clinic_id'))
    op.drop_table('opening_announcements')
    op.drop_table('clinic_rollouts')
