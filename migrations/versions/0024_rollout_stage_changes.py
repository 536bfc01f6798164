"""rollout_stage_changes: who moved a rollout on, and which open milestones they overrode

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-08 00:00:00

Each move of a clinic's rollout to its next stage is recorded. Moving past a stage whose
milestones are still open needs a confirmation and a reason; the milestones left open are kept
as they stood (id, title, stage, due date), so the history reads the same after they change.
"""
import sqlalchemy as sa
from alembic import op


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

STAGES = "'prospect', 'site_selected', 'lease_signed', 'fit_out', 'hiring', 'soft_opening', 'open'"


def upgrade():
    op.create_table(
        'rollout_stage_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('rollout_id', sa.Integer(), nullable=False),
        sa.Column('from_stage', sa.String(length=20), nullable=False),
        sa.Column('to_stage', sa.String(length=20), nullable=False),
        sa.Column('changed_by_id', sa.Integer(), nullable=True),
        sa.Column('changed_by_name', sa.String(length=120), nullable=False),
        sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('overridden_count', sa.Integer(), nullable=False),
        sa.Column('overridden_milestones', sa.JSON(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.CheckConstraint(f"from_stage IN ({STAGES})", name=op.f('ck_rollout_stage_changes_from_stage_known')),
        sa.CheckConstraint(f"to_stage IN ({STAGES})", name=op.f('ck_rollout_stage_changes_to_stage_known')),
        sa.CheckConstraint("overridden_count >= 0",
                           name=op.f('ck_rollout_stage_changes_overridden_count_not_negative')),
        sa.CheckConstraint("overridden_count = 0 OR reason <> ''",
                           name=op.f('ck_rollout_stage_changes_override_has_reason')),
        sa.ForeignKeyConstraint(['rollout_id'], ['clinic_rollouts.id'],
                                name=op.f('fk_rollout_stage_changes_rollout_id_clinic_rollouts'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'],
                                name=op.f('fk_rollout_stage_changes_changed_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_rollout_stage_changes')),
    )
    with op.batch_alter_table('rollout_stage_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rollout_stage_changes_rollout_id'), ['rollout_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rollout_stage_changes_changed_by_id'), ['changed_by_id'], unique=False)


def downgrade():
    with op.batch_alter_table('rollout_stage_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rollout_stage_changes_changed_by_id'))
        batch_op.drop_index(batch_op.f('ix_rollout_stage_changes_rollout_id'))
    op.drop_table('rollout_stage_changes')
